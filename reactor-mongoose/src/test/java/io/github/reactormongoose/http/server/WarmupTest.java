/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.tcp.TcpClient;
import io.github.reactormongoose.tcp.TcpServer;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * {@code warmup()}, as Reactor Netty's: the loops a server or client will use are running before
 * the first bind or request (the process-wide group by default), and then serve it.
 */
class WarmupTest extends BaseHttpTest {

	/** Threads of the process-wide group: {@code mongoose-<i>}. */
	private static List<String> sharedLoopThreads() {
		return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
				.filter(n -> n.matches("mongoose-\\d+")).sorted().toList();
	}

	/** Disposes the process-wide group: its threads have ended when that returns. */
	private static void noSharedGroup() {
		MongooseLoops.disposeShared(Duration.ofSeconds(10));
		assertThat(sharedLoopThreads()).as("the shared group's threads ended").isEmpty();
	}

	@Test
	void theSharedLoopsRunBeforeTheFirstBindAndServeIt() throws Exception {
		noSharedGroup();
		HttpServer server = HttpServer.create().handle((req, res) -> res.sendString(Mono.just(Thread.currentThread().getName())));
		server.warmup().block(TIMEOUT);
		List<String> started = sharedLoopThreads();
		assertThat(started).isNotEmpty();
		DisposableServer s = bind(server);
		try (RawHttp c = RawHttp.connect(s.port()).soTimeout(5_000)) {
			assertThat(c.write(RawHttp.get("/")).read().bodyString()).isIn(started);
		}
		assertThat(sharedLoopThreads()).as("no other group started").isEqualTo(started);
	}

	@Test
	void aServerWithLoopsOfItsOwnStartsThemAtBind() throws Exception {
		noSharedGroup();
		HttpServer own = HttpServer.create().loops(1).loopName("warm-own")
				.handle((req, res) -> res.sendString(Mono.just(Thread.currentThread().getName())));
		own.warmup().block(TIMEOUT);
		assertThat(sharedLoopThreads()).as("the shared group is not this server's").isEmpty();
		DisposableServer s = bind(own);
		try (RawHttp c = RawHttp.connect(s.port()).soTimeout(5_000)) {
			assertThat(c.write(RawHttp.get("/")).read().bodyString()).startsWith("warm-own");
		}
	}

	@Test
	void theClientsWarmupStartsItsLoops() throws Exception {
		noSharedGroup();
		HttpClient client = HttpClient.create();
		client.warmup().block(TIMEOUT);
		List<String> started = sharedLoopThreads();
		assertThat(started).isNotEmpty();
		DisposableServer s = bind(HttpServer.create().loops(1).handle((req, res) -> res.sendString(Mono.just("ok"))));
		CompletableFuture<String> on = new CompletableFuture<>();
		String body = client.get().uri("http://127.0.0.1:" + s.port() + "/")
				.responseSingle((res, bytes) -> {
					on.complete(Thread.currentThread().getName());
					return bytes.map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8));
				})
				.block(TIMEOUT);
		assertThat(body).isEqualTo("ok");
		assertThat(on.get(5, TimeUnit.SECONDS)).isIn(started);
	}

	/**
	 * {@code TcpServer.warmup()} and {@code TcpClient.warmup()}, as Reactor Netty's (they did not
	 * exist): the shared loops run before the first bind and connect, and then serve them.
	 * {@code TcpClient.newConnection()}, Reactor Netty's name for a client without a pool, is
	 * {@code create()}.
	 */
	@Test
	void theTcpServersAndClientsWarmupStartTheirLoops() throws Exception {
		noSharedGroup();
		TcpServer tcp = TcpServer.create().handle((in, out) -> out.sendString(Mono.just(Thread.currentThread().getName())));
		tcp.warmup().block(TIMEOUT);
		List<String> started = sharedLoopThreads();
		assertThat(started).isNotEmpty();
		DisposableServer s = tcp.bindNow(TIMEOUT);
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), s.port())) {
			socket.setSoTimeout(5_000);
			assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isIn(started);
		}
		finally {
			s.disposeNow();
		}
		noSharedGroup();
		DisposableServer own = track(TcpServer.create().loops(1).handle((in, out) -> out.sendString(Mono.just("hi")))
				.bindNow(TIMEOUT));
		TcpClient client = TcpClient.newConnection().port(own.port());
		client.warmup().block(TIMEOUT);
		List<String> restarted = sharedLoopThreads();
		assertThat(restarted).isNotEmpty();
		CompletableFuture<String> on = new CompletableFuture<>();
		Connection c = client.handle((in, out) -> {
			on.complete(Thread.currentThread().getName());
			return in.receiveString().take(1).then();
		}).connectNow(TIMEOUT);
		assertThat(on.get(5, TimeUnit.SECONDS)).isIn(restarted);
		c.disposeNow();
	}
}
