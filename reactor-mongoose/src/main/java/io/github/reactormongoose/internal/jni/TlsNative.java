/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.jni;

import org.jspecify.annotations.Nullable;

/**
 * TLS natives (peer of {@code rmg_tls.c}): TLS contexts for Mongoose's built-in stack, and
 * starting TLS on a listener or an outbound connection. {@link #create} and {@link #release}
 * may run on any thread; {@link #listener}, {@link #update} and {@link #client} on the loop's poll thread only.
 */
public final class TlsNative {

	static {
		NativeConstants.ensureLoaded();
	}

	private TlsNative() {
	}

	/**
	 * A context with one reference, or a negative error code. {@code cert} is DER (one
	 * certificate) or PEM (a chain), {@code key} the PEM the built-in stack parses, {@code ca}
	 * the DER of the CA that verifies client certificates; C copies them (the key copy is
	 * wiped when the last reference goes). {@code certOptional} (a server with a CA): a client
	 * that sends no certificate is taken too (one that sends one must pass).
	 */
	public static native long create(boolean client, byte @Nullable [] cert, byte @Nullable [] key,
			byte @Nullable [] ca, @Nullable String serverName, long handshakeTimeoutMillis, boolean certOptional);

	/** Drops one reference; the last one wipes the key and frees the context. */
	public static native void release(long ctx);

	/** Accepted connections of this listener start TLS with ctx (the listener holds a reference). */
	public static native int listener(long loop, long listenerId, long ctx);

	/**
	 * A TLS listener's connections accepted from now on start TLS with ctx (the listener holds a
	 * reference and drops the one to its previous context); those accepted before keep theirs.
	 */
	public static native int update(long loop, long listenerId, long ctx);

	/** This outbound connection starts TLS as a client once connected (it holds a reference). */
	public static native int client(long loop, long id, long ctx);

	/** Blocks Mongoose holds right now (its allocator is the glue's). */
	public static native long mongooseAllocations();
}
