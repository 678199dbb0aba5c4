/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.http.client.WebSocketHandshakeException;
import io.github.reactormongoose.http.websocket.WebSocketProtocolException;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.WebsocketServerSpec;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;

/**
 * {@link MongooseWebSocketClient} against a Reactor Netty WebSocket server (a peer this project
 * did not write) on 127.0.0.1.
 */
class MongooseWebSocketClientTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final int BIG = 200_000;

	private static DisposableServer server;

	/** The close status the server saw on /echo, per run. */
	private static volatile CompletableFuture<String> echoClosed = new CompletableFuture<>();

	private final MongooseWebSocketClient client = new MongooseWebSocketClient();

	@BeforeAll
	static void start() {
		String big = "x".repeat(BIG);
		server = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
			.route(r -> r
				.ws("/echo", (in, out) -> {
					in.receiveCloseStatus().subscribe(s -> echoClosed.complete(s.code() + " " + s.reasonText()));
					return out.sendObject(in.receiveFrames()
						.filter(f -> f instanceof TextWebSocketFrame || f instanceof BinaryWebSocketFrame)
						.map(MongooseWebSocketClientTest::copy));
				})
				.ws("/headers", (in, out) -> out.sendString(Mono.just(in.headers().get("X-Token", "-") + " "
						+ in.headers().get("Sec-WebSocket-Protocol", "-"))),
						WebsocketServerSpec.builder().protocols("v2.chat").build())
				.ws("/bye", (in, out) -> out.sendString(Mono.just("bye")).then(out.sendClose(4001, "going away")))
				// Reactor Netty's permessage-deflate (it keeps its compression context between messages)
				.ws("/compressed", (in, out) -> out.sendObject(in.receiveFrames()
						.filter(f -> f instanceof TextWebSocketFrame)
						.map(MongooseWebSocketClientTest::copy)),
						WebsocketServerSpec.builder().compress(true).build())
				// pings, says "pinged", then lists the PONGs that came before the client's "done" (reading
				// on: cancelling its inbound would close the connection before the list is out)
				.ws("/pinger", (in, out) -> {
					List<String> pongs = new java.util.concurrent.CopyOnWriteArrayList<>();
					return out.sendObject(Flux.concat(
							Flux.just(new PingWebSocketFrame(Unpooled.copiedBuffer("a", StandardCharsets.UTF_8)),
									new TextWebSocketFrame("pinged")),
							// (concatMap, not filter: a filtered frame would be released twice)
							in.receiveFrames().concatMap(f -> {
								if (f instanceof PongWebSocketFrame) {
									pongs.add(f.content().toString(StandardCharsets.UTF_8));
								}
								return f instanceof TextWebSocketFrame t && "done".equals(t.text())
										? Mono.just(new TextWebSocketFrame("pongs=" + pongs)) : Mono.empty();
							})));
				}, WebsocketServerSpec.builder().handlePing(true).build())
				.ws("/big", (in, out) -> out.sendString(Mono.just(big)).then(in.receive().then()),
						WebsocketServerSpec.builder().maxFramePayloadLength(BIG * 2).build()))
			.bindNow();
	}

	@AfterAll
	static void stop() {
		server.disposeNow();
	}

	private static WebSocketFrame copy(WebSocketFrame f) {
		byte[] b = new byte[f.content().readableBytes()];
		f.content().getBytes(f.content().readerIndex(), b);
		return f instanceof TextWebSocketFrame ? new TextWebSocketFrame(Unpooled.wrappedBuffer(b))
				: new BinaryWebSocketFrame(Unpooled.wrappedBuffer(b));
	}

	/** The length of the first message {@code client} receives on {@code path}. */
	private static int firstMessageLength(MongooseWebSocketClient client, String path) {
		CompletableFuture<Integer> length = new CompletableFuture<>();
		client.execute(uri(path), session -> session.receive().next()
				.doOnNext(m -> length.complete(m.getPayload().readableByteCount()))
				.then())
			.block(TIMEOUT);
		return length.join();
	}

	/**
	 * On /pinger: records every message, answers a PING with a PONG and "pinged" with "done",
	 * and ends with the server's list of PONGs.
	 */
	private static WebSocketHandler pingAnswering(List<String> got) {
		return session -> session.send(session.receive()
				.doOnNext(m -> got.add(describe(m)))
				.takeUntil(m -> describe(m).startsWith("TEXT:pongs="))
				.concatMapIterable(m -> m.getType() == WebSocketMessage.Type.PING
						? List.of(session.pongMessage(f -> f.wrap("a".getBytes(StandardCharsets.UTF_8))))
						: describe(m).equals("TEXT:pinged") ? List.of(session.textMessage("done")) : List.of()));
	}

	private static URI uri(String path) {
		return URI.create("ws://127.0.0.1:" + server.port() + path);
	}

	private static String describe(WebSocketMessage m) {
		DataBuffer p = m.getPayload();
		return m.getType() + ":" + p.toString(StandardCharsets.UTF_8);
	}

	@Test
	void textAndBinaryMessagesGoBothWays() throws Exception {
		echoClosed = new CompletableFuture<>();
		List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
		this.client.execute(uri("/echo"), session -> session
				.send(Flux.just(session.textMessage("hello"),
						session.binaryMessage(f -> f.wrap(new byte[] {'b', 'i', 'n'}))))
				.thenMany(session.receive().take(2).map(m -> describe(m) + " on " + Thread.currentThread().getName()))
				.doOnNext(got::add)
				.then())
			.block(TIMEOUT);
		assertThat(got).hasSize(2);
		assertThat(got.get(0)).matches("TEXT:hello on mongoose-\\d+");
		assertThat(got.get(1)).matches("BINARY:bin on mongoose-\\d+");
		// the handler ended: the client closed the session normally
		assertThat(echoClosed.get(5, TimeUnit.SECONDS)).isEqualTo("1000 ");
	}

	/**
	 * setHandlePing(true): Reactor Netty's server pings and says "pinged"; the PING reaches the
	 * handler as a PING message and the handler's PONG is the only one the server sees. By
	 * default the client answers it itself and the session does not pass it on. The same
	 * handler (answer a PING, say "done" after "pinged") runs both ways.
	 */
	/**
	 * The server closes the session: the handler runs to its end, what it chained after
	 * receive() included, before execute() completes, as with Spring's Reactor Netty client. It
	 * was cancelled at the close, and execute() completed without its clean-up.
	 */
	@Test
	void theHandlerRunsToItsEndAfterTheServerClosed() {
		List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
		this.client.execute(uri("/bye"), session -> session.receive().map(WebSocketMessage::getPayloadAsText)
				.doOnNext(got::add)
				.then(Mono.delay(Duration.ofMillis(100)))
				.then(Mono.fromRunnable(() -> got.add("clean-up"))))
			.block(TIMEOUT);
		assertThat(got).containsExactly("bye", "clean-up");
	}

	@Test
	void withHandlePingTheHandlerSeesAndAnswersTheServersPing() {
		MongooseWebSocketClient own = new MongooseWebSocketClient();
		own.setHandlePing(true);
		assertThat(own.isHandlePing()).isTrue();
		List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
		WebSocketHandler handler = pingAnswering(got);
		own.execute(uri("/pinger"), handler).block(TIMEOUT);
		assertThat(got).containsExactly("PING:a", "TEXT:pinged", "TEXT:pongs=[a]");
		got.clear();
		this.client.execute(uri("/pinger"), handler).block(TIMEOUT);
		assertThat(got).containsExactly("TEXT:pinged", "TEXT:pongs=[a]");
	}

	/**
	 * setCompress(true) against Reactor Netty's own permessage-deflate: Netty accepts the offer,
	 * compresses its answers keeping its context between messages (so the client inflates each
	 * with the previous ones as context), and inflates ours.
	 */
	@Test
	void compressionAgainstReactorNettysServer() {
		MongooseWebSocketClient compressing = new MongooseWebSocketClient();
		compressing.setCompress(true);
		String line = "a line that Netty's deflater will shrink, ".repeat(30);
		List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
		compressing.execute(uri("/compressed"), session -> {
			got.add(String.valueOf(session.getHandshakeInfo().getHeaders().getFirst("Sec-WebSocket-Extensions")));
			return session.send(Flux.range(0, 5).map(i -> session.textMessage(i + " " + line)))
				.thenMany(session.receive().take(5).map(WebSocketMessage::getPayloadAsText))
				.doOnNext(got::add)
				.then();
		}).block(TIMEOUT);
		assertThat(got.get(0)).startsWith("permessage-deflate");
		assertThat(got.subList(1, got.size())).containsExactly("0 " + line, "1 " + line, "2 " + line, "3 " + line,
				"4 " + line);
	}

	@Test
	void requestHeadersAndSubProtocolsReachTheServer() {
		HttpHeaders headers = new HttpHeaders();
		headers.set("X-Token", "t0k3n");
		WebSocketHandler handler = new WebSocketHandler() {
			@Override
			public List<String> getSubProtocols() {
				return List.of("v1.chat", "v2.chat");
			}

			@Override
			public Mono<Void> handle(WebSocketSession session) {
				String selected = session.getHandshakeInfo().getSubProtocol();
				String upgrade = session.getHandshakeInfo().getHeaders().getFirst("Upgrade");
				return session.receive().next().map(m -> m.getPayloadAsText() + " | " + selected + " " + upgrade)
					.doOnNext(s -> assertThat(s).isEqualTo("t0k3n v1.chat, v2.chat | v2.chat websocket"))
					.then();
			}
		};
		this.client.execute(uri("/headers"), headers, handler).block(TIMEOUT);
	}

	@Test
	void theServerClosingFirstEndsReceiveWithItsStatus() {
		record Outcome(List<String> texts, CloseStatus status) {
		}
		CompletableFuture<Outcome> outcome = new CompletableFuture<>();
		this.client.execute(uri("/bye"), session -> session.receive().map(WebSocketMessage::getPayloadAsText).collectList()
				.zipWith(session.closeStatus())
				.doOnNext(t -> outcome.complete(new Outcome(t.getT1(), t.getT2())))
				.then())
			.block(TIMEOUT);
		Outcome o = outcome.join();
		assertThat(o.texts()).containsExactly("bye");
		assertThat(o.status().getCode()).isEqualTo(4001);
		assertThat(o.status().getReason()).isEqualTo("going away");
	}

	@Test
	void aRefusedUpgradeFailsWithTheStatus() {
		assertThatThrownBy(() -> this.client.execute(uri("/nowhere"), session -> session.receive().then()).block(TIMEOUT))
			.isInstanceOf(WebSocketHandshakeException.class)
			.hasMessageContaining("404");
	}

	@Test
	void aFailingHandlerFailsTheResultAndClosesWith1011() throws Exception {
		echoClosed = new CompletableFuture<>();
		IllegalStateException boom = new IllegalStateException("handler failed");
		assertThatThrownBy(() -> this.client.execute(uri("/echo"), session -> session.send(Mono.just(session.textMessage("x")))
				.then(Mono.error(boom))).block(TIMEOUT))
			.isSameAs(boom);
		assertThat(echoClosed.get(5, TimeUnit.SECONDS)).startsWith("1011");
	}

	@Test
	void aMessageOverTheLimitClosesWith1009AndTheLimitCanBeRaised() {
		CompletableFuture<Throwable> error = new CompletableFuture<>();
		CompletableFuture<Integer> status = new CompletableFuture<>();
		this.client.execute(uri("/big"), session -> session.receive().then()
				.onErrorResume(e -> Mono.fromRunnable(() -> error.complete(e)))
				.then(session.closeStatus())
				.doOnNext(s -> status.complete(s.getCode())).then())
			.block(TIMEOUT);
		assertThat(error.join()).isInstanceOf(WebSocketProtocolException.class).hasMessageContaining("1009");
		assertThat(status.join()).isEqualTo(1009);
		// unhandled, the error ends the execution
		assertThatThrownBy(() -> this.client.execute(uri("/big"), session -> session.receive().then()).block(TIMEOUT))
			.isInstanceOf(WebSocketProtocolException.class);

		MongooseWebSocketClient roomy = new MongooseWebSocketClient();
		roomy.setMaxFramePayloadLength(BIG);
		assertThat(firstMessageLength(roomy, "/big")).isEqualTo(BIG);
		assertThatThrownBy(() -> roomy.setMaxFramePayloadLength(124)).isInstanceOf(IllegalArgumentException.class);
	}

	/**
	 * Set up by a supplied WebsocketClientSpec.Builder, as Spring's ReactorNettyWebSocketClient:
	 * its message limit and PING handling apply, the sub-protocols are the handler's.
	 */
	@Test
	void aSuppliedSpecSetsTheSessionUp() {
		MongooseWebSocketClient specified = new MongooseWebSocketClient(io.github.reactormongoose.http.client.HttpClient.create(),
				() -> io.github.reactormongoose.http.client.WebsocketClientSpec.builder().maxFramePayloadLength(BIG)
						.handlePing(true).protocols("ignored"));
		assertThat(firstMessageLength(specified, "/big")).isEqualTo(BIG);
		List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
		specified.execute(uri("/pinger"), pingAnswering(got)).block(TIMEOUT);
		assertThat(got).containsExactly("PING:a", "TEXT:pinged", "TEXT:pongs=[a]");
		// the handler's sub-protocols, not the spec's
		List<String> answer = new java.util.concurrent.CopyOnWriteArrayList<>();
		specified.execute(uri("/headers"), new WebSocketHandler() {
			@Override
			public List<String> getSubProtocols() {
				return List.of("v2.chat");
			}

			@Override
			public Mono<Void> handle(WebSocketSession session) {
				return session.receive().take(1).doOnNext(m -> answer.add(m.getPayloadAsText())).then();
			}
		}).block(TIMEOUT);
		assertThat(answer).containsExactly("- v2.chat");
	}
}
