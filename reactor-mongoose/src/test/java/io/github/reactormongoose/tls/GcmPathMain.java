/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.internal.jni.NativeConstants;
import reactor.core.publisher.Flux;

/**
 * The HTTPS server of {@link AesGcmPathTest}'s child JVM: {@code /echo} answers the request body,
 * {@code /big} 3 MiB from {@code new Random(5)}. Prints {@code gcm <NativeConstants.gcmPath()>} and
 * {@code port <n>}, then serves until killed. Arguments: chain and key files.
 */
public final class GcmPathMain {

	private GcmPathMain() {
	}

	public static void main(String[] args) throws Exception {
		byte[] big = new byte[3 << 20];
		new Random(5).nextBytes(big);
		DisposableServer s = HttpServer.create().host("127.0.0.1").port(0).loops(1)
				.secure(TlsSpec.forServer(Path.of(args[0]), Path.of(args[1])))
				.route(r -> r.post("/echo", (req, res) -> res.sendByteArray(req.receiveBytes()))
						.get("/big", (req, res) -> res.sendStream(Flux.range(0, big.length / 65536)
								.map(i -> ByteBuffer.wrap(big, i * 65536, 65536)))))
				.bindNow();
		System.out.println("gcm " + NativeConstants.gcmPath());
		System.out.println("port " + s.port());
		System.out.flush();
		s.onDispose().block();
	}
}
