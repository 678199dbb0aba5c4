/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.Collections;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.SslBundle;

/** The private key entry of an SSL bundle, for the server factory and the client builder. */
final class BundleKeys {

	/** What Mongoose's built-in TLS stack speaks, and nothing else (docs/tls.md). */
	static final String PROTOCOL = "TLSv1.3";

	static final String CIPHER = "TLS_AES_128_GCM_SHA256";

	private BundleKeys() {
	}

	/**
	 * Refuses a list of allowed protocols or ciphers ({@code what}) that leaves out the one the
	 * stack speaks ({@code ours}): the peer's policy could not be kept. {@code null}: no list.
	 * @throws IllegalArgumentException naming {@code source} and the list
	 */
	static void requireSpoken(String source, String what, String @Nullable [] allowed, String ours) {
		if (allowed != null && Arrays.stream(allowed).noneMatch(ours::equalsIgnoreCase)) {
			throw new IllegalArgumentException(source + " allows the " + what + " " + Arrays.toString(allowed)
					+ ", but reactor-mongoose speaks " + ours + " only");
		}
	}

	/** The bundle's key alias, else the first private key entry of {@code keyStore}. */
	static String alias(SslBundle bundle, KeyStore keyStore) throws GeneralSecurityException {
		String alias = bundle.getKey().getAlias();
		if (alias != null) {
			return alias;
		}
		for (String a : Collections.list(keyStore.aliases())) {
			if (keyStore.isKeyEntry(a)) {
				return a;
			}
		}
		throw new GeneralSecurityException("the key store has no private key entry");
	}

	/** The key's password, else the key store's, else none. */
	static char[] password(SslBundle bundle) {
		String password = bundle.getKey().getPassword() != null ? bundle.getKey().getPassword()
				: bundle.getStores().getKeyStorePassword();
		return password != null ? password.toCharArray() : new char[0];
	}
}
