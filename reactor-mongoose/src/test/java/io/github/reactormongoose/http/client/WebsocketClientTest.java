/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.websocket.WebSocketCloseStatus;
import io.github.reactormongoose.http.websocket.WebSocketFrame;
import io.github.reactormongoose.http.websocket.WebSocketProtocolException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.test.StepVerifier;

/** The WebSocket client against this project's server and Reactor Netty's. */
class WebsocketClientTest extends BaseHttpTest {

	private final Sinks.One<WebSocketCloseStatus> serverSaw = Sinks.one();

	private DisposableServer server() {
		return bind(HttpServer.create().host("127.0.0.1").port(0).maxWebsocketFrameSize(200_000).route(r -> r
				.ws("/echo", (in, out) -> out.send(in.receive()))
				.ws("/hello", (in, out) -> out.sendString(Mono.just("token=" + in.headers().get("X-Token") + " protocol="
						+ in.selectedSubprotocol())), "chat, superchat")
				.ws("/bye", (in, out) -> out.sendString(Mono.just("going")).then(out.sendClose(4000, "bye")))
				.ws("/record", (in, out) -> in.receiveCloseStatus().doOnNext(serverSaw::tryEmitValue).then())));
	}

	private static String describe(WebSocketFrame f) {
		return f.type() + ":" + (f.type() == WebSocketFrame.Type.TEXT ? f.text() : String.valueOf(f.payload().length));
	}

	/**
	 * A CLOSE frame given to send() is held to sendClose's rules: a code that may not be sent
	 * (1005, 1006, 1015, reserved ones), one byte or a reason that is not UTF-8 fails the send
	 * with IllegalArgumentException and is not written (it went on the wire, and the server failed
	 * the session with 1002). The handler here goes on and ends, so the server sees close 1000.
	 */
	@Test
	void aCloseFrameThatMayNotBeSentFailsTheSend() throws Exception {
		java.util.concurrent.LinkedBlockingQueue<WebSocketCloseStatus> seen = new java.util.concurrent.LinkedBlockingQueue<>();
		DisposableServer s = bind(HttpServer.create().route(r -> r
				.ws("/record", (in, out) -> in.receiveCloseStatus().doOnNext(seen::add).then())));
		List<byte[]> bad = io.github.reactormongoose.testing.RawWebSocket.unsendableClosePayloads();
		for (int i = 0; i < bad.size(); i++) {
			byte[] p = bad.get(i);
			StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/record")
					.handle((in, out) -> out.send(Mono.just(new WebSocketFrame(WebSocketFrame.Type.CLOSE, p)))
							.then(Mono.just("sent"))
							.onErrorResume(e -> Mono.just(e.getClass().getSimpleName()))))
					.as("payload " + i)
					.expectNext("IllegalArgumentException")
					.expectComplete()
					.verify(TIMEOUT);
			assertThat(seen.poll(10, java.util.concurrent.TimeUnit.SECONDS)).as("payload " + i)
					.isEqualTo(new WebSocketCloseStatus(1000, ""));
		}
	}

	/**
	 * {@code websocket().uri(Mono<String>)}, as the request sender's and Reactor Netty's: the
	 * target is resolved for each subscription (a reconnect asks again); an error or an empty
	 * Mono fails the session. There was no such method.
	 */
	@Test
	void uriOfAMonoIsResolvedForEachSession() {
		DisposableServer s = server();
		java.util.concurrent.atomic.AtomicInteger resolved = new java.util.concurrent.atomic.AtomicInteger();
		Flux<String> session = HttpClient.create().websocket()
				.uri(Mono.fromCallable(() -> "ws://127.0.0.1:" + s.port() + (resolved.incrementAndGet() == 1 ? "/bye" : "/hello")))
				.handle((in, out) -> in.receive().take(1).map(WebsocketClientTest::describe));
		assertThat(resolved).hasValue(0);
		StepVerifier.create(session).expectNext("TEXT:going").verifyComplete();
		StepVerifier.create(session).expectNext("TEXT:token=null protocol=null").verifyComplete();
		StepVerifier.create(HttpClient.create().websocket().uri(Mono.error(new IllegalStateException("no target")))
						.handle((in, out) -> in.receive()))
				.expectErrorMessage("no target")
				.verify(TIMEOUT);
		StepVerifier.create(HttpClient.create().websocket().uri(Mono.<String>empty()).handle((in, out) -> in.receive()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
						.hasMessage("No uri: the uri Mono completed empty"))
				.verify(TIMEOUT);
	}

	@Test
	void textAndBinaryMessagesBothWays() {
		DisposableServer s = server();
		byte[] big = new byte[100_000];
		Arrays.fill(big, (byte) 7);
		StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/echo")
				.maxFramePayloadLength(200_000)
				.handle((in, out) -> out.send(Flux.just(WebSocketFrame.text("hello"), WebSocketFrame.binary(new byte[300]),
						WebSocketFrame.text("é".repeat(40_000)), WebSocketFrame.binary(big)))
						.thenMany(in.receive().take(4).map(WebsocketClientTest::describe))))
				.expectNext("TEXT:hello", "BINARY:300", "TEXT:" + "é".repeat(40_000), "BINARY:100000")
				.expectComplete()
				.verify(TIMEOUT);
	}

	/**
	 * When the connection closes, a handler runs to its end, as on Reactor Netty: what it
	 * chained after receive() (a clean-up) runs, on the server and on the client; both were
	 * cancelled at the close. A send still waiting for its source then fails, and does not wait.
	 */
	@Test
	void aHandlerRunsToItsEndAfterTheConnectionClosed() throws Exception {
		java.util.concurrent.LinkedBlockingQueue<String> events = new java.util.concurrent.LinkedBlockingQueue<>();
		DisposableServer s = bind(HttpServer.create().route(r -> r
				.ws("/cleanup", (in, out) -> in.receive().then(Mono.delay(Duration.ofMillis(100)))
						.then(Mono.fromRunnable(() -> events.add("server clean-up"))))
				.ws("/idle-send", (in, out) -> out.sendString(Flux.never())
						.doOnError(e -> events.add("server send " + e.getClass().getSimpleName())))
				.ws("/closes", (in, out) -> out.sendClose(4001, "done"))));
		// the client closes: the server's clean-up runs
		StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/cleanup")
				.handle((in, out) -> out.sendClose(1000, "bye")))
				.expectComplete()
				.verify(TIMEOUT);
		assertThat(events.poll(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("server clean-up");
		StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/idle-send")
				.handle((in, out) -> out.sendClose(1000, "bye")))
				.expectComplete()
				.verify(TIMEOUT);
		assertThat(events.poll(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("server send AbortedException");
		// the server closes: the client's clean-up runs, and handle() completes after it
		StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/closes")
				.handle((in, out) -> in.receive().then(Mono.delay(Duration.ofMillis(100)))
						.then(Mono.fromCallable(() -> "client clean-up"))))
				.expectNext("client clean-up")
				.expectComplete()
				.verify(TIMEOUT);
		// a client send waiting for its source ends the handler as before, without an error
		StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/closes")
				.handle((in, out) -> out.sendString(Flux.never())))
				.expectComplete()
				.verify(TIMEOUT);
	}

	@Test
	void subProtocolAndExtraHeaders() {
		DisposableServer s = server();
		StepVerifier.create(HttpClient.create().headers(h -> h.set("X-Token", "t1")).baseUrl("ws://127.0.0.1:" + s.port())
				.websocket().uri("/hello").protocols("superchat", "other")
				.handle((in, out) -> in.receiveText().map(t -> t + " selected=" + in.selectedSubprotocol())))
				.expectNext("token=t1 protocol=superchat selected=superchat")
				.expectComplete()
				.verify(TIMEOUT);
	}

	@Test
	void pingIsAnsweredWithPong() {
		DisposableServer s = server();
		StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/echo")
				.handle((in, out) -> out.send(Mono.just(WebSocketFrame.ping("p1".getBytes())))
						.thenMany(in.receiveFrames().take(1).map(f -> f.type() + ":" + f.text()))))
				.expectNext("PONG:p1")
				.expectComplete()
				.verify(TIMEOUT);
	}

	/**
	 * handlePing(true): the handler's PONG is the only one. The server pings, then lists the
	 * PONGs that came before the client's "done"; the handler answers the ping and says "done".
	 */
	@Test
	void withHandlePingTheHandlersPongIsTheOnlyOne() {
		DisposableServer s = bind(HttpServer.create().route(r -> r.ws("/pinger", (in, out) -> out
				.send(Mono.just(WebSocketFrame.ping("a".getBytes(StandardCharsets.UTF_8))))
				.then(in.receiveFrames().takeUntil(f -> f.type() == WebSocketFrame.Type.TEXT && "done".equals(f.text()))
						.filter(f -> f.type() == WebSocketFrame.Type.PONG).map(WebSocketFrame::text).collectList())
				.flatMap(pongs -> out.sendString(Mono.just("pongs=" + pongs)).then()))));
		for (boolean handlePing : new boolean[] {true, false}) {
			StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/pinger")
					.handlePing(handlePing)
					.handle((in, out) -> in.receiveFrames()
							.concatMap(f -> f.type() == WebSocketFrame.Type.PING
									? out.send(Flux.just(WebSocketFrame.pong(f.payload()), WebSocketFrame.text("done")))
											.then(Mono.<WebSocketFrame>empty())
									: Mono.just(f))
							.filter(f -> f.type() == WebSocketFrame.Type.TEXT).map(WebSocketFrame::text).take(1)))
					// the client's own PONG goes out before the handler sees the PING
					.expectNext(handlePing ? "pongs=[a]" : "pongs=[a, a]")
					.expectComplete()
					.verify(TIMEOUT);
		}
	}

	/** websocket(WebsocketClientSpec), Reactor Netty's shape: the spec's sub-protocols and limit. */
	@Test
	void aSpecSetsTheSessionUp() {
		DisposableServer s = server();
		StepVerifier.create(HttpClient.create().headers(h -> h.set("X-Token", "t2"))
				.websocket(io.github.reactormongoose.http.client.WebsocketClientSpec.builder()
						.protocols("superchat, other").maxFramePayloadLength(200_000).build())
				.uri("ws://127.0.0.1:" + s.port() + "/hello")
				.handle((in, out) -> in.receiveText().map(t -> t + " selected=" + in.selectedSubprotocol())))
				.expectNext("token=t2 protocol=superchat selected=superchat")
				.expectComplete()
				.verify(TIMEOUT);
		byte[] big = new byte[150_000];
		StepVerifier.create(HttpClient.create()
				.websocket(io.github.reactormongoose.http.client.WebsocketClientSpec.builder().maxFramePayloadLength(200_000).build())
				.uri("ws://127.0.0.1:" + s.port() + "/echo")
				.handle((in, out) -> out.send(Mono.just(WebSocketFrame.binary(big))).thenMany(in.receive().take(1).map(WebsocketClientTest::describe))))
				.expectNext("BINARY:150000")
				.expectComplete()
				.verify(TIMEOUT);
		assertThat(io.github.reactormongoose.http.client.WebsocketClientSpec.builder().build().maxFramePayloadLength()).isEqualTo(65536);
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.github.reactormongoose.http.client.WebsocketClientSpec.builder()
				.protocols("bad name")).isInstanceOf(IllegalArgumentException.class);
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.github.reactormongoose.http.client.WebsocketClientSpec.builder()
				.maxFramePayloadLength(124)).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void serverCloseStatusAndReasonReachTheClient() {
		DisposableServer s = server();
		StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/bye")
				.handle((in, out) -> in.receiveText().collectList().zipWith(in.receiveCloseStatus())))
				.assertNext(t -> {
					assertThat(t.getT1()).containsExactly("going");
					assertThat(t.getT2()).isEqualTo(new WebSocketCloseStatus(4000, "bye"));
				})
				.expectComplete()
				.verify(TIMEOUT);
	}

	@Test
	void clientCloseStatusAndReasonReachTheServer() {
		DisposableServer s = server();
		StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/record")
				.handle((in, out) -> out.sendClose(4001, "later").then(in.receiveCloseStatus())))
				.expectNext(new WebSocketCloseStatus(4001, "later"))
				.expectComplete()
				.verify(TIMEOUT);
		assertThat(serverSaw.asMono().block(TIMEOUT)).isEqualTo(new WebSocketCloseStatus(4001, "later"));
	}

	@Test
	void refusedUpgradeIsAHandshakeError() {
		DisposableServer s = server();
		StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/nothing")
				.handle((in, out) -> in.receive()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WebSocketHandshakeException.class).hasMessageContaining("404"))
				.verify(TIMEOUT);
	}

	@Test
	void tooLargeMessageFromTheServerClosesWith1009() {
		DisposableServer s = server();
		StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/echo")
				.maxFramePayloadLength(1000)
				.handle((in, out) -> out.send(Mono.just(WebSocketFrame.binary(new byte[5000]))).thenMany(in.receive())))
				.expectError(WebSocketProtocolException.class)
				.verify(TIMEOUT);
	}

	@Test
	void reactorNettyWebsocketServer() {
		reactor.netty.DisposableServer s = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
				.route(r -> r.ws("/echo", (in, out) -> out.sendString(in.receive().asString()),
						WebsocketServerSpec.builder().protocols("v1.proto").build())
						.ws("/close", (in, out) -> out.sendString(Mono.just("x")).then(out.sendClose(4002, "netty says bye"))))
				.bindNow();
		try {
			StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/echo")
					.protocols("v1.proto")
					.handle((in, out) -> out.sendString(Flux.just("one", "two", "x".repeat(60_000)))
							.thenMany(in.receiveText().take(3).map(t -> t.length() > 10 ? "len " + t.length() : t)
									.concatWith(Mono.just("protocol " + in.selectedSubprotocol())))))
					.expectNext("one", "two", "len 60000", "protocol v1.proto")
					.expectComplete()
				.verify(TIMEOUT);
			StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/echo")
					.handle((in, out) -> out.send(Mono.just(WebSocketFrame.ping("np".getBytes())))
							.thenMany(in.receiveFrames().take(1).map(WebsocketClientTest::describe))))
					.expectNext("PONG:2")
					.expectComplete()
				.verify(TIMEOUT);
			StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/close")
					.handle((in, out) -> in.receiveText().collectList().zipWith(in.receiveCloseStatus())))
					.assertNext(t -> {
						assertThat(t.getT1()).isEqualTo(List.of("x"));
						assertThat(t.getT2()).isEqualTo(new WebSocketCloseStatus(4002, "netty says bye"));
					})
					.expectComplete()
				.verify(TIMEOUT);
		}
		finally {
			s.disposeNow(Duration.ofSeconds(5));
		}
	}
}
