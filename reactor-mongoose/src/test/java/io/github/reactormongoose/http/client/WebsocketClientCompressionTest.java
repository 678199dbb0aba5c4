/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static io.github.reactormongoose.testing.RawWebSocket.deflate;
import static io.github.reactormongoose.testing.RawWebSocket.inflate;
import static io.github.reactormongoose.testing.RawWebSocket.serverFrame;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.WebsocketServerSpec;
import io.github.reactormongoose.http.websocket.WebSocketFrame;
import io.github.reactormongoose.http.websocket.WebSocketProtocolException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * permessage-deflate on the WebSocket client ({@code websocket().compress(true)}): against our
 * server, and against scripted servers that show the wire (RSV1 frames both ways, a server that
 * keeps its compression context between messages, one that limits the client's window (only
 * messages that fit in it are compressed), answers
 * that were not offered, and a message that inflates past the limit).
 */
class WebsocketClientCompressionTest extends BaseHttpTest {

	private static final String TEXT = "the same words again and again, ".repeat(40);

	/**
	 * Answers the upgrade with 101 and {@code extensions} (none when null), then {@code frames}
	 * in the same write; the first frame the client sends goes to {@code clientFrame}.
	 */
	private static ScriptedServer server(String extensions, byte[] frames, CompletableFuture<byte[]> clientFrame,
			CompletableFuture<String> offer) throws IOException {
		return new ScriptedServer(c -> {
			String head = c.readHead();
			String accept = ScriptedServer.websocketAccept(head);
			offer.complete(head.lines().filter(l -> l.regionMatches(true, 0, "Sec-WebSocket-Extensions:", 0, 25))
					.map(l -> l.substring(25).trim()).findFirst().orElse(""));
			ByteArrayOutputStream o = new ByteArrayOutputStream();
			o.writeBytes(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Accept: " + accept + "\r\n"
					+ (extensions != null ? "Sec-WebSocket-Extensions: " + extensions + "\r\n" : "") + "\r\n")
					.getBytes(StandardCharsets.ISO_8859_1));
			o.writeBytes(frames);
			c.out.write(o.toByteArray());
			c.out.flush();
			if (clientFrame != null) {
				clientFrame.complete(WebsocketScriptedTest.readFrame(c.in));
				// then the server's CLOSE (1000): a client that waits for it ends at once, not when
				// the wait below is up
				c.out.write(new byte[] {(byte) 0x88, 2, 0x03, (byte) 0xe8});
				c.out.flush();
			}
			c.awaitClientClose(5000);
		});
	}

	@Test
	void againstOurServerBothWays() {
		DisposableServer s = bind(HttpServer.create().maxWebsocketFrameSize(1 << 20).route(r -> r.ws("/echo",
				(in, out) -> out.send(in.receive()), WebsocketServerSpec.builder().compress(true).build())));
		byte[] big = TEXT.repeat(20).getBytes(StandardCharsets.UTF_8);
		StepVerifier.create(HttpClient.create().websocket().compress(true).maxFramePayloadLength(1 << 20)
						.uri("ws://127.0.0.1:" + s.port() + "/echo")
						.handle((in, out) -> {
							String ext = in.headers().get("Sec-WebSocket-Extensions");
							return out.send(Flux.just(WebSocketFrame.text(TEXT), WebSocketFrame.binary(big),
											WebSocketFrame.text("short")))
									.thenMany(in.receive().take(3).map(f -> ext + " | " + f.type() + " " + f.payload().length));
						}))
				.expectNext("permessage-deflate | TEXT " + TEXT.length())
				.expectNext("permessage-deflate | BINARY " + big.length)
				.expectNext("permessage-deflate | TEXT 5")
				.expectComplete()
				.verify(TIMEOUT);
	}

	@Test
	void compressedFramesOnTheWireBothWays() throws Exception {
		Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
		byte[] z = deflate(d, TEXT.getBytes(StandardCharsets.UTF_8));
		d.end();
		CompletableFuture<byte[]> sent = new CompletableFuture<>();
		CompletableFuture<String> offer = new CompletableFuture<>();
		try (ScriptedServer s = server("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
				serverFrame(0xC1, z), sent, offer)) {
			StepVerifier.create(HttpClient.create().websocket().compress(true).uri("ws://127.0.0.1:" + s.port() + "/")
							.handle((in, out) -> in.receiveText().take(1).concatWith(out.sendString(reactor.core.publisher.Mono.just(TEXT))
									.then(reactor.core.publisher.Mono.empty()))))
					.expectNext(TEXT)
					.expectComplete()
					.verify(TIMEOUT);
			assertThat(offer.get(5, TimeUnit.SECONDS)).isEqualTo("permessage-deflate; client_max_window_bits");
			byte[] f = sent.get(10, TimeUnit.SECONDS);
			assertThat(f[0] & 0xff).as("FIN + RSV1 + TEXT").isEqualTo(0xC1);
			assertThat(f.length - 1).isLessThan(TEXT.length() / 4);
			assertThat(new String(inflate(Arrays.copyOfRange(f, 1, f.length)), StandardCharsets.UTF_8)).isEqualTo(TEXT);
		}
	}

	/** Without server_no_context_takeover the server's second message may refer to its first. */
	@Test
	void aServerThatKeepsItsContext() throws Exception {
		Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true); // one stream for both messages
		byte[] first = deflate(d, TEXT.getBytes(StandardCharsets.UTF_8));
		byte[] second = deflate(d, TEXT.getBytes(StandardCharsets.UTF_8));
		d.end();
		assertThat(second.length).as("the second refers back to the first").isLessThan(first.length / 2);
		CompletableFuture<String> offer = new CompletableFuture<>();
		ByteArrayOutputStream frames = new ByteArrayOutputStream();
		frames.writeBytes(serverFrame(0xC1, first));
		frames.writeBytes(serverFrame(0xC1, second));
		try (ScriptedServer s = server("permessage-deflate", frames.toByteArray(), null, offer)) {
			StepVerifier.create(HttpClient.create().websocket().compress(true).uri("ws://127.0.0.1:" + s.port() + "/")
							.handle((in, out) -> in.receiveText().take(2)))
					.expectNext(TEXT, TEXT)
					.expectComplete()
					.verify(TIMEOUT);
		}
	}

	/** The first frame the client sends, {@code message}, to a server that answered {@code extensions}. */
	private static byte[] firstFrameSent(String extensions, String message) throws Exception {
		CompletableFuture<byte[]> sent = new CompletableFuture<>();
		try (ScriptedServer s = server(extensions, new byte[0], sent, new CompletableFuture<>())) {
			StepVerifier.create(HttpClient.create().websocket().compress(true).uri("ws://127.0.0.1:" + s.port() + "/")
							.handle((in, out) -> out.sendString(reactor.core.publisher.Mono.just(message))
									.then(in.receiveCloseStatus()).then()))
					.expectComplete()
					.verify(TIMEOUT);
			return sent.get(10, TimeUnit.SECONDS);
		}
	}

	/**
	 * A client window of 10 bits: the JDK's Deflater has only a 32 KiB window, but a message
	 * compressed on its own refers back only within itself, so one of up to 1,024 bytes is
	 * compressed and a longer one (this one has 1,280) goes plain.
	 */
	@Test
	void aLimitedClientWindowCompressesOnlyMessagesThatFitInIt() throws Exception {
		byte[] f = firstFrameSent("permessage-deflate; client_max_window_bits=10", TEXT);
		assertThat(f[0] & 0xff).as("FIN + TEXT, no RSV1").isEqualTo(0x81);
		assertThat(new String(f, 1, f.length - 1, StandardCharsets.UTF_8)).isEqualTo(TEXT);
		String fits = TEXT.substring(0, 1024);
		f = firstFrameSent("permessage-deflate; client_max_window_bits=10", fits);
		assertThat(f[0] & 0xff).as("FIN + RSV1 + TEXT").isEqualTo(0xC1);
		assertThat(f.length).isLessThan(200);
		assertThat(new String(inflate(Arrays.copyOfRange(f, 1, f.length)), StandardCharsets.UTF_8)).isEqualTo(fits);
	}

	@Test
	void answersThatWereNotOfferedFailTheUpgrade() throws Exception {
		for (String answer : List.of("permessage-deflate", "x-webkit-deflate-frame", "permessage-deflate; foo",
				"permessage-deflate, permessage-deflate", "permessage-deflate; server_max_window_bits=99")) {
			boolean offered = !answer.equals("permessage-deflate");
			try (ScriptedServer s = server(answer, new byte[0], null, new CompletableFuture<>())) {
				// "permessage-deflate" is fine when offered: here it was not (compress(false))
				StepVerifier.create(HttpClient.create().websocket().compress(offered)
								.uri("ws://127.0.0.1:" + s.port() + "/").handle((in, out) -> in.receive()))
						.expectErrorSatisfies(e -> assertThat(e).as(answer).isInstanceOf(WebSocketHandshakeException.class))
						.verify(TIMEOUT);
			}
		}
	}

	/**
	 * An answer of separators only ({@code ;}) from a hostile server: the upgrade failed with an
	 * {@code ArrayIndexOutOfBoundsException} ({@code ";".split(";")} has no element; found by
	 * {@code ClientParsersFuzzTest}) and the connection was left open, since only the failures the
	 * handshake check expects closed it. Now it is an extension that was not offered: a
	 * {@link WebSocketHandshakeException}, and the client closes the connection.
	 */
	@Test
	void anAnswerOfSeparatorsOnlyFailsTheUpgradeAndClosesTheConnection() throws Exception {
		for (String answer : List.of(";", ";;")) {
			CompletableFuture<Boolean> closed = new CompletableFuture<>();
			try (ScriptedServer s = new ScriptedServer(c -> {
				String head = c.readHead();
				c.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
						+ "Sec-WebSocket-Accept: " + ScriptedServer.websocketAccept(head) + "\r\n"
						+ "Sec-WebSocket-Extensions: " + answer + "\r\n\r\n");
				closed.complete(c.awaitClientClose(5000));
			})) {
				StepVerifier.create(HttpClient.create().websocket().compress(true)
								.uri("ws://127.0.0.1:" + s.port() + "/").handle((in, out) -> in.receive()))
						.expectErrorSatisfies(e -> assertThat(e).as(answer).isInstanceOf(WebSocketHandshakeException.class)
								.hasMessageContaining("not offered"))
						.verify(TIMEOUT);
				assertThat(closed.get(10, TimeUnit.SECONDS)).as("the client closed the connection").isTrue();
			}
		}
	}

	/**
	 * Reactor Netty's {@code compressionRequestedServerNoContext}: the offer asks for it, a server
	 * that grants it (ours always; Reactor Netty's with {@code compressionAllowServerNoContext})
	 * answers with it and the session compresses; one that accepts without it fails the upgrade.
	 */
	@Test
	void requestedServerNoContextIsOfferedAndMustBeGranted() throws Exception {
		DisposableServer ours = bind(HttpServer.create().route(r -> r.ws("/echo",
				(in, out) -> out.send(in.receive()), WebsocketServerSpec.builder().compress(true).build())));
		reactor.netty.DisposableServer netty = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
				.route(r -> r.ws("/echo", (in, out) -> out.sendString(in.receive().asString()),
						reactor.netty.http.server.WebsocketServerSpec.builder().compress(true)
								.compressionAllowServerNoContext(true).build()))
				.bindNow(TIMEOUT);
		try {
			for (int port : new int[] {ours.port(), netty.port()}) {
				StepVerifier.create(HttpClient.create().websocket(WebsocketClientSpec.builder().compress(true)
										.compressionRequestedServerNoContext(true).build())
								.uri("ws://127.0.0.1:" + port + "/echo")
								.handle((in, out) -> out.sendString(Flux.just(TEXT, TEXT))
										.thenMany(in.receiveText().take(2)
												.map(t -> in.headers().get("Sec-WebSocket-Extensions") + " | " + t.length()))))
						.expectNextMatches(l -> l.contains("server_no_context_takeover") && l.endsWith(" | " + TEXT.length()))
						.expectNextMatches(l -> l.endsWith(" | " + TEXT.length()))
						.expectComplete()
						.verify(TIMEOUT);
			}
		}
		finally {
			netty.disposeNow(TIMEOUT);
		}
		CompletableFuture<String> offer = new CompletableFuture<>();
		try (ScriptedServer s = server("permessage-deflate", new byte[0], null, offer)) {
			StepVerifier.create(HttpClient.create().websocket().compress(true).compressionRequestedServerNoContext(true)
							.uri("ws://127.0.0.1:" + s.port() + "/").handle((in, out) -> in.receive()))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WebSocketHandshakeException.class)
							.hasMessageContaining("server_no_context_takeover that was requested"))
					.verify(TIMEOUT);
			assertThat(offer.get(5, java.util.concurrent.TimeUnit.SECONDS))
					.isEqualTo("permessage-deflate; client_max_window_bits; server_no_context_takeover");
		}
	}

	/**
	 * Reactor Netty's {@code compressionAllowClientNoContext}: a server that asks for
	 * client_no_context_takeover is granted by default (this client compresses each message on
	 * its own anyway), refused with {@code false}.
	 */
	@Test
	void clientNoContextIsAllowedUnlessRefused() throws Exception {
		DisposableServer s = bind(HttpServer.create().route(r -> r.ws("/echo", (in, out) -> out.send(in.receive()),
				WebsocketServerSpec.builder().compress(true).compressionPreferredClientNoContext(true).build())));
		String url = "ws://127.0.0.1:" + s.port() + "/echo";
		StepVerifier.create(HttpClient.create().websocket().compress(true).uri(url)
						.handle((in, out) -> out.sendString(Flux.just(TEXT)).thenMany(in.receiveText().take(1))))
				.expectNext(TEXT)
				.expectComplete()
				.verify(TIMEOUT);
		StepVerifier.create(HttpClient.create().websocket(WebsocketClientSpec.builder().compress(true)
								.compressionAllowClientNoContext(false).build()).uri(url)
						.handle((in, out) -> in.receive()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WebSocketHandshakeException.class)
						.hasMessageContaining("compressionAllowClientNoContext(false)"))
				.verify(TIMEOUT);
	}

	@Test
	void aMessageThatInflatesPastTheLimitCloses1009() throws Exception {
		Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
		byte[] bomb = deflate(d, new byte[4 << 20]);
		d.end();
		assertThat(bomb.length).isLessThan(65536);
		CompletableFuture<byte[]> close = new CompletableFuture<>();
		try (ScriptedServer s = server("permessage-deflate; server_no_context_takeover", serverFrame(0xC2, bomb), close,
				new CompletableFuture<>())) {
			StepVerifier.create(HttpClient.create().websocket().compress(true).uri("ws://127.0.0.1:" + s.port() + "/")
							.handle((in, out) -> in.receive()))
					.expectErrorSatisfies(e -> assertThat(((WebSocketProtocolException) e).closeStatus().code()).isEqualTo(1009))
					.verify(TIMEOUT);
			byte[] f = close.get(10, TimeUnit.SECONDS);
			assertThat(f[0] & 0xff).as("FIN + CLOSE").isEqualTo(0x88);
			assertThat(((f[1] & 0xff) << 8) | (f[2] & 0xff)).isEqualTo(1009);
		}
	}
}
