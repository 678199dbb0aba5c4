/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLSocket;

/**
 * A child JVM's TLS 1.3 client (the JDK's own stack, nothing of ours): writes {@code bytes}
 * random bytes to an echo server at localhost:{@code port}, reads them back, compares, prints
 * {@code echo ok <n>}. Run with a low {@code jdk.tls.keyLimits} (a security properties file),
 * the JDK renews its keys, and asks for ours, every few KiB.
 */
public final class JdkTlsEchoClient {

	private JdkTlsEchoClient() {
	}

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		Path ca = Path.of(args[1]);
		int bytes = Integer.parseInt(args[2]);
		byte[] sent = new byte[bytes];
		new Random(42).nextBytes(sent);
		try (SSLSocket s = (SSLSocket) TestPki.trusting(ca).getSocketFactory().createSocket("localhost", port)) {
			s.setEnabledProtocols(new String[] {"TLSv1.3"});
			s.setSoTimeout(20_000);
			InputStream in = s.getInputStream();
			CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
				try {
					return in.readNBytes(bytes);
				}
				catch (java.io.IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
			});
			OutputStream out = s.getOutputStream();
			for (int off = 0; off < bytes; off += 4096) {
				out.write(sent, off, Math.min(4096, bytes - off));
			}
			out.flush();
			byte[] got = echoed.get(30, TimeUnit.SECONDS);
			System.out.println(Arrays.equals(sent, got) ? "echo ok " + got.length : "echo differs: " + got.length + " bytes");
		}
	}
}
