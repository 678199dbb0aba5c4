/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.X509TrustManager;

import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.jni.TlsNative;
import org.jspecify.annotations.Nullable;

/**
 * A native TLS context of Mongoose's built-in stack (a server's certificate chain and key, or
 * one client connection's), created once per bound server. Listeners and connections hold
 * their own native references, so {@link #release()} may run as soon as they have theirs;
 * the key is wiped in C when the last reference goes.
 */
public final class TlsContext {

	private final long handle;
	private final @Nullable X509TrustManager clientTrust;
	private final AtomicBoolean released = new AtomicBoolean();

	private TlsContext(long handle, @Nullable X509TrustManager clientTrust) {
		this.handle = handle;
		this.clientTrust = clientTrust;
	}

	/**
	 * Copies the inputs to native memory and wipes {@code key} (the caller's array) afterwards,
	 * also on failure.
	 */
	public static TlsContext create(boolean client, byte @Nullable [] cert, byte @Nullable [] key,
			byte @Nullable [] ca, @Nullable String serverName, Duration handshakeTimeout) {
		return create(client, cert, key, ca, serverName, handshakeTimeout, false, null);
	}

	/**
	 * The same; {@code certOptional}: a server that asks for client certificates takes clients
	 * without one; {@code clientTrust}: the JDK's check of the client chains of a server with
	 * {@code ca} (see {@link #clientTrust()}).
	 */
	public static TlsContext create(boolean client, byte @Nullable [] cert, byte @Nullable [] key,
			byte @Nullable [] ca, @Nullable String serverName, Duration handshakeTimeout, boolean certOptional,
			@Nullable X509TrustManager clientTrust) {
		try {
			long h = TlsNative.create(client, cert, key, ca, serverName, handshakeTimeout.toMillis(), certOptional);
			if (h < 0) {
				throw Errors.toException(h, "TLS context");
			}
			return new TlsContext(h, clientTrust);
		}
		finally {
			if (key != null) {
				Arrays.fill(key, (byte) 0);
			}
		}
	}

	/**
	 * A server's: the JDK's trust manager (PKIX) of the one CA of client certificates, which
	 * checks every client chain after the built-in stack has read it; {@code null} without
	 * client authentication.
	 */
	public @Nullable X509TrustManager clientTrust() {
		return clientTrust;
	}

	long handle() {
		return handle;
	}

	/** Drops this object's reference (once). */
	public void release() {
		if (released.compareAndSet(false, true)) {
			TlsNative.release(handle);
		}
	}

	/** Blocks Mongoose's allocator holds (tests: no growth over many handshakes). */
	public static long mongooseAllocations() {
		return TlsNative.mongooseAllocations();
	}
}
