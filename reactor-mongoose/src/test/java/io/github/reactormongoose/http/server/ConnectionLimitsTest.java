/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * {@code maxKeepAliveRequests}: the Nth request of a connection is its last;
 * {@code maxConnections}: connections beyond the limit, over all loops, are closed at once.
 */
class ConnectionLimitsTest extends BaseHttpTest {

	private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();

	private DisposableServer server(HttpServer base) {
		return bind(base.host("127.0.0.1").port(0).route(r -> r.get("/hello", (req, res) -> {
			clientPorts.add(req.remoteAddress().getPort());
			return res.sendString(Mono.just("hello"));
		})));
	}

	@Test
	void theLastRequestIsAnsweredWithConnectionCloseAndTheConnectionCloses() throws Exception {
		DisposableServer s = server(HttpServer.create().maxKeepAliveRequests(3));
		try (RawHttp c = RawHttp.connect(s.port())) {
			for (int i = 1; i <= 2; i++) {
				c.write(RawHttp.get("/hello"));
				RawHttp.Response r = c.read();
				assertThat(r.bodyString()).isEqualTo("hello");
				assertThat(r.header("Connection")).as("request " + i).isNull();
			}
			c.write(RawHttp.get("/hello"));
			RawHttp.Response last = c.read();
			assertThat(last.bodyString()).isEqualTo("hello");
			assertThat(last.header("Connection")).isEqualToIgnoringCase("close");
			assertThat(c.isClosedByPeer()).isTrue();
		}
	}

	@Test
	void aClientThatKeepsGoingGetsANewConnectionEveryNRequests() throws Exception {
		DisposableServer s = server(HttpServer.create().maxKeepAliveRequests(4));
		HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		for (int i = 0; i < 12; i++) {
			HttpResponse<String> r = jdk.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/hello"))
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(r.body()).isEqualTo("hello");
		}
		assertThat(clientPorts).hasSize(3);
		// unlimited by default
		clientPorts.clear();
		DisposableServer unlimited = server(HttpServer.create());
		for (int i = 0; i < 12; i++) {
			jdk.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + unlimited.port() + "/hello")).build(),
					HttpResponse.BodyHandlers.ofString());
		}
		assertThat(clientPorts).hasSize(1);
		assertThat(HttpServer.create().configuration().maxKeepAliveRequests()).isEqualTo(-1);
		assertThatThrownBy(() -> HttpServer.create().maxKeepAliveRequests(0)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> HttpServer.create().maxKeepAliveRequests(-2)).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void connectionsBeyondMaxConnectionsAreClosedAtOnceOverAllLoops() throws Exception {
		DisposableServer s = server(HttpServer.create().loops(2).maxConnections(3));
		java.util.List<RawHttp> held = new java.util.ArrayList<>();
		try {
			for (int i = 0; i < 3; i++) {
				RawHttp c = RawHttp.connect(s.port());
				c.write(RawHttp.get("/hello"));
				assertThat(c.read().bodyString()).isEqualTo("hello");
				held.add(c);
			}
			// the fourth, whichever loop accepts it, is closed without an answer
			try (RawHttp extra = RawHttp.connect(s.port()).soTimeout(5_000)) {
				extra.write(RawHttp.get("/hello"));
				assertThat(extra.isClosedByPeer()).isTrue();
			}
			// the three are still served
			for (RawHttp c : held) {
				c.write(RawHttp.get("/hello"));
				assertThat(c.read().bodyString()).isEqualTo("hello");
			}
			// one closes: there is room again
			held.remove(0).close();
			long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
			String answer = null;
			while (answer == null && System.nanoTime() < deadline) {
				try (RawHttp next = RawHttp.connect(s.port()).soTimeout(2_000)) {
					next.write(RawHttp.get("/hello"));
					answer = next.read().bodyString();
				}
				catch (java.io.IOException | AssertionError e) {
					Thread.sleep(50); // the server has not seen the close yet
				}
			}
			assertThat(answer).isEqualTo("hello");
		}
		finally {
			for (RawHttp c : held) {
				c.close();
			}
		}
		assertThat(HttpServer.create().configuration().maxConnections()).isEqualTo(-1);
		assertThatThrownBy(() -> HttpServer.create().maxConnections(0)).isInstanceOf(IllegalArgumentException.class);
	}
}
