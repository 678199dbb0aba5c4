/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.tcp.TcpClient;
import io.github.reactormongoose.tcp.TcpServer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * "No limit" written as Reactor Netty's users write it, {@code Duration.ofMillis(Long.MAX_VALUE)}
 * (or longer), whose nanoseconds overflow a long: every timeout takes it and means "never". The
 * overflow used to be thrown on the poll thread, where a server's exchanges and a client's
 * response then hung.
 */
class NoLimitDurationsTest extends BaseHttpTest {

	private static final List<Duration> FOREVER = List.of(Duration.ofMillis(Long.MAX_VALUE), Duration.ofSeconds(Long.MAX_VALUE));

	@Test
	void httpServerAndClientTimeoutsTakeNoLimit() {
		for (Duration d : FOREVER) {
			DisposableServer server = bind(HttpServer.create().idleTimeout(d).readTimeout(d).requestTimeout(d)
					.requestHeaderTimeout(d).writeTimeout(d)
					.handle((req, res) -> res.sendString(req.receiveString().defaultIfEmpty("").map(b -> "got " + b))));
			HttpClient client = HttpClient.create().responseTimeout(d).connectTimeout(d).maxIdleTime(d).maxLifeTime(d)
					.pendingAcquireTimeout(d).baseUrl("http://127.0.0.1:" + server.port());
			for (int i = 0; i < 2; i++) { // the second on the pooled connection
				String body = client.doOnRequest(req -> req.responseTimeout(d)).post().uri("/")
						.sendString(Mono.just("hi"))
						.responseSingle((res, bytes) -> bytes.map(b -> res.status() + " " + new String(b, UTF_8))).block(TIMEOUT);
				assertThat(body).as(d.toString()).isEqualTo("200 got hi");
			}
			server.disposeNow();
		}
	}

	@Test
	void tcpAndLoopTimesTakeNoLimit() throws Exception {
		for (Duration d : FOREVER) {
			DisposableServer server = track(TcpServer.create().writeTimeout(d).handle((in, out) -> out.send(in.receive()))
					.bindNow(TIMEOUT));
			Connection c = TcpClient.create().host("127.0.0.1").port(server.port()).connectTimeout(d).connectNow(TIMEOUT);
			c.send("ping".getBytes(UTF_8)).block(TIMEOUT);
			assertThat(c.receive().map(b -> UTF_8.decode(b).toString()).blockFirst(TIMEOUT)).isEqualTo("ping");
			c.close();
			MongooseLoop loop = newLoop();
			loop.schedule(d, () -> { }).dispose();
			loop.schedulePeriodically(d, d, () -> { }).dispose();
			server.disposeNow();
		}
	}

	/**
	 * The blocking waits take it too: {@code bindNow}, {@code connectNow} and every
	 * {@code disposeNow} added 5 s to it, or handed it to {@code block}, and threw
	 * {@code ArithmeticException} (long overflow), {@code disposeNow} after the disposal had
	 * started, {@code bindNow} after the server was bound (so nobody held it).
	 */
	@Test
	void blockingWaitsTakeNoLimit() {
		for (Duration d : FOREVER) {
			DisposableServer server = HttpServer.create().loops(1).handle((req, res) -> res.sendString(Mono.just("ok")))
					.bindNow(d);
			DisposableServer tcp = TcpServer.create().handle((in, out) -> out.send(in.receive())).bindNow(d);
			TcpClient.create().host("127.0.0.1").port(tcp.port()).connectNow(d).close();
			tcp.disposeNow(d);
			server.disposeNow(d);
			assertThat(server.isDisposed()).isTrue();
			MongooseLoop loop = MongooseLoop.create();
			loop.disposeNow(d);
			assertThat(loop.isDisposed()).isTrue();
			MongooseLoops group = MongooseLoops.create(1);
			group.disposeNow(d);
			assertThat(group.isDisposed()).isTrue();
		}
	}
}
