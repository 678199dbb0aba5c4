/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * A streamed response ({@code send(Flux)}) to a client that reads nothing waits for the send
 * buffer to drain to the low-water mark; its loop disposed meanwhile, gracefully or not, must
 * still end: the disposal returns, the send's {@code Mono} ends (an error: the connection was
 * closed with the body unsent), the source is cancelled, and nothing native is left
 * ({@link BaseHttpTest}'s leak check).
 */
class StreamedSendDisposalTest extends BaseHttpTest {

	@Test
	void disposeNowWhileASendWaitsForTheClientToRead() throws Exception {
		streamToANonReader(loop -> loop.disposeNow(Duration.ofMillis(200)));
	}

	@Test
	void disposeLaterWhileASendWaitsForTheClientToRead() throws Exception {
		streamToANonReader(loop -> loop.disposeLater(Duration.ZERO).block(Duration.ofSeconds(5)));
	}

	private void streamToANonReader(Consumer<MongooseLoop> dispose) throws Exception {
		MongooseLoop loop = MongooseLoop.builder().name("streamed-send").build();
		AtomicLong pulled = new AtomicLong();
		CompletableFuture<String> send = new CompletableFuture<>();
		CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
		byte[] chunk = new byte[64 * 1024];
		DisposableServer server = HttpServer.create().port(0).runOn(loop).route(r -> r.get("/stream",
				(req, res) -> res.send(Flux.<ByteBuffer>generate(s -> {
					pulled.incrementAndGet();
					s.next(ByteBuffer.wrap(chunk));
				}).doOnCancel(() -> cancelled.complete(true)))
						.then()
						.doOnSuccess(v -> send.complete("completed"))
						.doOnError(e -> send.complete("error " + e))
						.doOnCancel(() -> send.complete("cancelled")))).bindNow();
		try (Socket s = new Socket()) {
			s.setReceiveBufferSize(4096);
			s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
			OutputStream out = s.getOutputStream();
			out.write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			// the source is pulled until the output passed the high-water mark, then waits
			long seen = -1;
			for (int i = 0; i < 100 && (pulled.get() < 8 || pulled.get() != seen); i++) {
				seen = pulled.get();
				Thread.sleep(50);
			}
			assertThat(send).as("the send still waits for the client").isNotDone();
			dispose.accept(loop);
			assertThat(loop.isDisposed()).isTrue();
			assertThat(send.get(5, TimeUnit.SECONDS)).startsWith("error ");
			assertThat(cancelled.get(5, TimeUnit.SECONDS)).isTrue();
		}
		finally {
			loop.disposeNow(Duration.ZERO);
		}
	}
}
