/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.websocket;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.spring.test.AbstractAdapterTest;
import io.github.reactormongoose.testing.RawWebSocket;
import io.github.reactormongoose.testing.WebSocketRecorder;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import org.springframework.web.server.handler.ResponseStatusExceptionHandler;

import static org.assertj.core.api.Assertions.assertThat;

/** WebFlux WebSocket handlers through {@link MongooseRequestUpgradeStrategy}, with the JDK client as peer. */
class WebSocketTest extends AbstractAdapterTest {

	private final HandshakeWebSocketService service = new HandshakeWebSocketService(new MongooseRequestUpgradeStrategy());

	private final Sinks.One<CloseStatus> serverSeenClose = Sinks.one();

	private final AtomicReference<WebSocketSession> serverSession = new AtomicReference<>();

	private void start() {
		start(WebHttpHandlerBuilder.webHandler(exchange -> {
			WebSocketHandler handler = switch (exchange.getRequest().getPath().value()) {
				case "/echo" -> session -> session.send(session.receive().map(m -> switch (m.getType()) {
					case TEXT -> session.textMessage("echo:" + m.getPayloadAsText());
					default -> session.binaryMessage(f -> f.wrap(reverse(bytes(m))));
				}));
				case "/protocol" -> new WebSocketHandler() {
					@Override
					public List<String> getSubProtocols() {
						return List.of("v2.echo", "v1.echo");
					}

					@Override
					public Mono<Void> handle(WebSocketSession session) {
						return session.send(Mono.just(session.textMessage(
								"protocol=" + session.getHandshakeInfo().getSubProtocol())));
					}
				};
				case "/server-close" -> session -> session.send(Mono.just(session.textMessage("going")))
						.then(session.close(new CloseStatus(4000, "server says bye")));
				case "/client-close" -> session -> {
					this.serverSession.set(session);
					session.closeStatus().subscribe(this.serverSeenClose::tryEmitValue);
					return session.receive().then();
				};
				case "/ping" -> session -> session.send(Mono.just(session.pingMessage(f -> f.wrap("are you there".getBytes()))))
						.then(session.receive()
								.filter(m -> m.getType() == WebSocketMessage.Type.PONG || m.getType() == WebSocketMessage.Type.TEXT)
								.take(2)
								.map(m -> m.getType() + ":" + m.getPayloadAsText())
								.collectList()
								.flatMap(l -> session.send(Mono.just(session.textMessage("got:" + String.join(",", l))))));
				default -> session -> session.close(CloseStatus.POLICY_VIOLATION);
			};
			return this.service.handleRequest(exchange, handler);
		}).exceptionHandler(new ResponseStatusExceptionHandler()).build());
	}

	private static byte[] bytes(WebSocketMessage m) {
		byte[] b = new byte[m.getPayload().readableByteCount()];
		m.getPayload().read(b);
		return b;
	}

	private static byte[] reverse(byte[] b) {
		byte[] r = new byte[b.length];
		for (int i = 0; i < b.length; i++) {
			r[i] = b[b.length - 1 - i];
		}
		return r;
	}

	private WebSocket connect(String path, WebSocketRecorder recorder, String... protocols) throws Exception {
		WebSocket.Builder b = this.client.newWebSocketBuilder();
		if (protocols.length > 0) {
			b.subprotocols(protocols[0], java.util.Arrays.copyOfRange(protocols, 1, protocols.length));
		}
		return b.buildAsync(URI.create("ws://127.0.0.1:" + port() + path), recorder).get(10, TimeUnit.SECONDS);
	}

	@Test
	void echoesTextAndBinaryMessages() throws Exception {
		start();
		WebSocketRecorder r = new WebSocketRecorder();
		WebSocket ws = connect("/echo", r);
		ws.sendText("hello", true).get(5, TimeUnit.SECONDS);
		assertThat(r.next()).isEqualTo("echo:hello");
		ws.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).get(5, TimeUnit.SECONDS);
		assertThat((byte[]) r.next()).containsExactly(3, 2, 1);
		String large = "z".repeat(60_000);
		ws.sendText(large, true).get(5, TimeUnit.SECONDS);
		assertThat(r.next()).isEqualTo("echo:" + large);
		ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
		assertThat(r.awaitClose().code()).isEqualTo(1000);
	}

	/**
	 * As with Reactor Netty's strategy, a supplier of WebsocketServerSpec.Builder turns on
	 * permessage-deflate: a browser-like offer is accepted beside Spring's sub-protocol choice,
	 * and a long echo comes back compressed (RSV1).
	 */
	@Test
	void compressesWhenTheStrategyIsToldTo() throws Exception {
		HandshakeWebSocketService compressing = new HandshakeWebSocketService(new MongooseRequestUpgradeStrategy(
				() -> io.github.reactormongoose.http.server.WebsocketServerSpec.builder().compress(true)));
		start(WebHttpHandlerBuilder.webHandler(exchange -> compressing.handleRequest(exchange, new WebSocketHandler() {
			@Override
			public List<String> getSubProtocols() {
				return List.of("v1.echo");
			}

			@Override
			public Mono<Void> handle(WebSocketSession session) {
				return session.send(session.receive().map(m -> session.textMessage("echo:" + m.getPayloadAsText())));
			}
		})).build());
		try (RawWebSocket ws = RawWebSocket.connect(port(), "/compressed", "Sec-WebSocket-Protocol: v1.echo\r\n"
				+ "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n")) {
			assertThat(ws.responseHeader("Sec-WebSocket-Protocol")).isEqualTo("v1.echo");
			assertThat(ws.responseHeader("Sec-WebSocket-Extensions")).startsWith("permessage-deflate");
			String text = "compress me, ".repeat(20);
			ws.sendText(text);
			RawWebSocket.Frame f = ws.read();
			assertThat(f.rsv()).as("RSV1").isEqualTo(4);
			java.util.zip.Inflater inf = new java.util.zip.Inflater(true);
			byte[] in = java.util.Arrays.copyOf(f.payload(), f.payload().length + 4);
			in[in.length - 2] = (byte) 0xff;
			in[in.length - 1] = (byte) 0xff;
			inf.setInput(in);
			byte[] out = new byte[4096];
			int n = inf.inflate(out);
			inf.end();
			assertThat(new String(out, 0, n, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("echo:" + text);
		}
		// Reactor Netty's client with its own permessage-deflate (Netty fails an answer that names
		// a parameter it did not offer: the answer must fit its offer)
		String text = "netty compresses this, ".repeat(30);
		List<String> got = reactor.netty.http.client.HttpClient.create()
				.websocket(reactor.netty.http.client.WebsocketClientSpec.builder().protocols("v1.echo").compress(true).build())
				.uri("ws://127.0.0.1:" + port() + "/compressed")
				.handle((in, out) -> out.sendString(Mono.just(text)).then()
						.thenMany(in.receive().asString().take(1)
								.map(s -> in.headers().get("Sec-WebSocket-Extensions") + " | " + s)))
				.collectList().block(java.time.Duration.ofSeconds(10));
		assertThat(got).hasSize(1);
		assertThat(got.get(0)).startsWith("permessage-deflate").endsWith(" | echo:" + text);
	}

	/**
	 * As with Reactor Netty's strategy, the supplied spec's maxFramePayloadLength sets the
	 * endpoint's message limit: Reactor Netty's client sends a 1 MB message to an endpoint that
	 * takes 2 MiB (the server's default is 64 KiB) and gets its length back; the default strategy
	 * closes the session with 1009 for the same message.
	 */
	@Test
	void theStrategysMaxFramePayloadLengthIsTheEndpointsMessageLimit() throws Exception {
		HandshakeWebSocketService large = new HandshakeWebSocketService(new MongooseRequestUpgradeStrategy(
				() -> io.github.reactormongoose.http.server.WebsocketServerSpec.builder().maxFramePayloadLength(2 << 20)));
		WebSocketHandler lengths = session -> session.send(session.receive()
				.map(m -> session.textMessage("length:" + m.getPayload().readableByteCount())));
		start(WebHttpHandlerBuilder.webHandler(exchange -> exchange.getRequest().getPath().value().equals("/large")
				? large.handleRequest(exchange, lengths) : this.service.handleRequest(exchange, lengths)).build());
		String message = "m".repeat(1_000_000);
		reactor.netty.http.client.HttpClient netty = reactor.netty.http.client.HttpClient.create();
		reactor.netty.http.client.WebsocketClientSpec spec = reactor.netty.http.client.WebsocketClientSpec.builder()
				.maxFramePayloadLength(2 << 20).build();
		String answer = netty.websocket(spec).uri("ws://127.0.0.1:" + port() + "/large")
				.handle((in, out) -> out.sendString(Mono.just(message)).then()
						.thenMany(in.receive().asString().take(1)))
				.blockFirst(java.time.Duration.ofSeconds(10));
		assertThat(answer).isEqualTo("length:1000000");
		io.netty.handler.codec.http.websocketx.WebSocketCloseStatus refused = netty.websocket(spec)
				.uri("ws://127.0.0.1:" + port() + "/default")
				.handle((in, out) -> out.sendString(Mono.just(message)).then().thenMany(in.receiveCloseStatus()))
				.blockFirst(java.time.Duration.ofSeconds(10));
		assertThat(refused).isNotNull();
		assertThat(refused.code()).isEqualTo(1009);
	}

	@Test
	void negotiatesTheSubProtocol() throws Exception {
		start();
		WebSocketRecorder r = new WebSocketRecorder();
		// (Spring compares the offered tokens untrimmed, and the JDK client joins them with ", ":
		// only the first offered protocol can match, on any server)
		WebSocket ws = connect("/protocol", r, "v1.echo", "v0.echo");
		assertThat(ws.getSubprotocol()).isEqualTo("v1.echo");
		assertThat(r.next()).isEqualTo("protocol=v1.echo");
		assertThat(r.awaitClose().code()).isEqualTo(1000);
	}

	@Test
	void serverCloseStatusReachesTheClient() throws Exception {
		start();
		WebSocketRecorder r = new WebSocketRecorder();
		connect("/server-close", r);
		assertThat(r.next()).isEqualTo("going");
		assertThat(r.awaitClose()).isEqualTo(new WebSocketRecorder.Close(4000, "server says bye"));
	}

	@Test
	void clientCloseStatusReachesTheHandler() throws Exception {
		start();
		WebSocketRecorder r = new WebSocketRecorder();
		WebSocket ws = connect("/client-close", r);
		ws.sendClose(4001, "client says bye").get(5, TimeUnit.SECONDS);
		StepVerifier.create(this.serverSeenClose.asMono())
				.assertNext(s -> {
					assertThat(s.getCode()).isEqualTo(4001);
					assertThat(s.getReason()).isEqualTo("client says bye");
				})
				.expectComplete()
				.verify(TIMEOUT);
		assertThat(r.awaitClose().code()).isEqualTo(4001);
		assertThat(this.serverSession.get().isOpen()).isFalse();
	}

	/**
	 * A client's PING is answered with a PONG and not passed to the handler, as on Reactor
	 * Netty (its default handlePing(false)): the echo handler, which would send any other
	 * message back, sees only the text that follows.
	 */
	@Test
	void aClientsPingIsAnsweredAndNotPassedToTheHandler() throws Exception {
		start();
		WebSocketRecorder r = new WebSocketRecorder();
		WebSocket ws = connect("/echo", r);
		ws.sendPing(java.nio.ByteBuffer.wrap("keep-alive".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
				.get(5, TimeUnit.SECONDS);
		ws.sendText("after the ping", true).get(5, TimeUnit.SECONDS);
		assertThat(new String(r.nextPong(), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("keep-alive");
		assertThat(r.next()).isEqualTo("echo:after the ping");
		ws.sendClose(1000, "").get(5, TimeUnit.SECONDS);
		r.awaitClose();
		assertThat(r.messages).as("nothing echoed for the PING").isEmpty();
	}

	/**
	 * A strategy whose spec has handlePing(true), as with Reactor Netty's: the client's PING
	 * reaches the handler as a PING message, and the handler's PONG is the only answer. Frames
	 * come in order, so once the answer to the text sent after the PING is in, a PONG of the
	 * server's own would have come before it.
	 */
	@Test
	void withHandlePingTheHandlerSeesAndAnswersPings() throws Exception {
		HandshakeWebSocketService own = new HandshakeWebSocketService(new MongooseRequestUpgradeStrategy(
				() -> io.github.reactormongoose.http.server.WebsocketServerSpec.builder().handlePing(true)));
		java.util.concurrent.atomic.AtomicReference<byte[]> ping = new java.util.concurrent.atomic.AtomicReference<>();
		WebSocketHandler handler = session -> session.send(session.receive().<WebSocketMessage>handle((m, sink) -> {
			if (m.getType() == WebSocketMessage.Type.PING) {
				ping.set(bytes(m));
			}
			else if (m.getType() == WebSocketMessage.Type.TEXT) {
				sink.next("answer".equals(m.getPayloadAsText())
						? session.pongMessage(f -> f.wrap(ping.get()))
						: session.textMessage("saw ping " + (ping.get() != null)));
			}
		}));
		start(WebHttpHandlerBuilder.webHandler(exchange -> own.handleRequest(exchange, handler)).build());
		WebSocketRecorder r = new WebSocketRecorder();
		WebSocket ws = connect("/own", r);
		ws.sendPing(ByteBuffer.wrap("hp".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).get(5, TimeUnit.SECONDS);
		ws.sendText("hello", true).get(5, TimeUnit.SECONDS);
		assertThat(r.next()).isEqualTo("saw ping true");
		assertThat(r.pongs).as("no PONG but the handler's").isEmpty();
		ws.sendText("answer", true).get(5, TimeUnit.SECONDS);
		assertThat(new String(r.nextPong(), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("hp");
	}

	@Test
	void serverSendsAPing() throws Exception {
		start();
		WebSocketRecorder r = new WebSocketRecorder();
		WebSocket ws = connect("/ping", r);
		assertThat(r.nextPing()).isEqualTo("are you there");
		ws.sendText("yes", true).get(5, TimeUnit.SECONDS);
		// the client's automatic PONG reaches receive() (as PONG), then the text message
		assertThat(r.next()).isEqualTo("got:PONG:are you there,TEXT:yes");
	}

	@Test
	void plainGetOnAWebSocketEndpointIsRejected() throws Exception {
		start();
		assertThat(get("/echo").statusCode()).isEqualTo(400);
	}
}
