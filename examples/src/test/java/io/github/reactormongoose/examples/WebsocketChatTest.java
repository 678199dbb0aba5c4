/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.WebsocketServerSpec;
import io.github.reactormongoose.testing.RawWebSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** Two {@link WebsocketChat} clients in one room on the chat server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebsocketChatTest {

	private DisposableServer server;

	@AfterEach
	void stop() {
		if (server != null) {
			server.disposeNow();
		}
	}

	@Test
	void twoMembersSeeTheSameConversation() {
		server = WebsocketChat.server("127.0.0.1", 0);
		String url = "ws://127.0.0.1:" + server.port() + "/chat";
		// each member speaks once both are in the room (a member's messages are subscribed once its session is up)
		Sinks.Empty<Void> adaIn = Sinks.empty();
		Sinks.Empty<Void> bobIn = Sinks.empty();
		Mono<List<String>> ada = WebsocketChat.join(url, "ada",
				Flux.just("hi bob " + "la ".repeat(1000)).delaySubscription(bobIn.asMono()).doOnSubscribe(s -> adaIn.tryEmitEmpty()), 2)
				.collectList();
		Mono<List<String>> bob = WebsocketChat.join(url, "bob",
				Flux.just("hello").delaySubscription(adaIn.asMono()).doOnSubscribe(s -> bobIn.tryEmitEmpty()), 2)
				.collectList();
		List<String> adaSaw = ada.zipWith(bob, (a, b) -> {
			assertThat(b).as("both see one order").isEqualTo(a);
			return a;
		}).block(Duration.ofSeconds(20));
		// the long line went compressed both ways (both members negotiated permessage-deflate)
		assertThat(adaSaw).containsExactlyInAnyOrder("bob: hello", "ada: hi bob " + "la ".repeat(1000));
	}

	/**
	 * The Java member's offer asks for server_no_context_takeover, and the chat server's answer
	 * grants it together with its own client_no_context_takeover, which the member accepts.
	 */
	@Test
	void theJavaMemberAsksForCompressionWithoutContextAndTheServerGrantsIt() {
		List<String> offers = new CopyOnWriteArrayList<>();
		DisposableServer recorder = HttpServer.create().host("127.0.0.1").port(0)
				.route(r -> r.ws("/chat", (in, out) -> {
					offers.add(String.valueOf(in.headers().get("Sec-WebSocket-Extensions")));
					return out.sendString(Mono.just("recorder: noted"));
				}, WebsocketServerSpec.builder().protocols("chat.v1").build()))
				.bindNow(Duration.ofSeconds(10));
		try {
			assertThat(WebsocketChat.join("ws://127.0.0.1:" + recorder.port() + "/chat", "ada", Flux.never(), 1)
					.collectList().block(Duration.ofSeconds(10))).containsExactly("recorder: noted");
			assertThat(offers).singleElement().satisfies(o -> assertThat(o)
					.startsWith("permessage-deflate").contains("server_no_context_takeover"));
		}
		finally {
			recorder.disposeNow();
		}
		server = WebsocketChat.server("127.0.0.1", 0);
		// the same offer to the chat server: its 101 (the client session's headers()) grants both
		String accepted = HttpClient.create().websocket().uri("ws://127.0.0.1:" + server.port() + "/chat")
				.protocols("chat.v1").compress(true).compressionRequestedServerNoContext(true)
				.handle((in, out) -> Mono.just(String.valueOf(in.headers().get("Sec-WebSocket-Extensions"))))
				.blockLast(Duration.ofSeconds(10));
		assertThat(accepted).startsWith("permessage-deflate").contains("server_no_context_takeover")
				.contains("client_no_context_takeover");
	}

	/**
	 * A member whose client offers permessage-deflate, as browsers do: the server accepts it,
	 * asking the member to compress without context, and sends a long message compressed
	 * (RSV1), which inflates to the line the room said; a short one goes as it is. The member's
	 * own compressed lines, each on its own, reach the room.
	 */
	@Test
	void aBrowserLikeMemberGetsLongMessagesCompressed() throws Exception {
		server = WebsocketChat.server("127.0.0.1", 0);
		try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/chat",
				"X-Name: eve\r\nSec-WebSocket-Protocol: chat.v1\r\n"
						+ "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n")) {
			assertThat(ws.responseHeader("Sec-WebSocket-Extensions"))
					.isEqualTo("permessage-deflate; client_no_context_takeover");
			String longLine = "a long line that repeats itself, ".repeat(8);
			ws.sendText(longLine);
			RawWebSocket.Frame f = ws.read();
			assertThat(f.rsv()).as("RSV1: compressed").isEqualTo(4);
			assertThat(f.payload().length).isLessThan(longLine.length() / 2);
			assertThat(new String(RawWebSocket.inflate(f.payload()), StandardCharsets.UTF_8)).isEqualTo("eve: " + longLine);
			ws.sendText("short");
			f = ws.read();
			assertThat(f.rsv()).isZero();
			assertThat(f.text()).isEqualTo("eve: short");
			for (int i = 0; i < 3; i++) { // as a browser sends them under that answer
				byte[] line = ("compressed line " + i + ", repeating: " + "la ".repeat(30)).getBytes(StandardCharsets.UTF_8);
				ws.write(RawWebSocket.frame(true, 4, RawWebSocket.TEXT, RawWebSocket.deflate(line)));
				f = ws.read();
				assertThat(new String(f.rsv() == 4 ? RawWebSocket.inflate(f.payload()) : f.payload(), StandardCharsets.UTF_8))
						.isEqualTo("eve: " + new String(line, StandardCharsets.UTF_8));
			}
		}
	}

	/**
	 * The only member of a room talks and never reads: once its output is full, no member can
	 * take a line. The room's {@code emitNext} then ended the room's sink with an overflow error,
	 * so the member was closed and every later one too: the room was dead for good. Now that
	 * member misses the lines it cannot take, and a later member is answered.
	 */
	@Test
	void aRoomWhoseOnlyMemberDoesNotReadStaysOpenForTheNextOnes() throws Exception {
		server = WebsocketChat.server("127.0.0.1", 0);
		try (RawWebSocket mute = RawWebSocket.connect(server.port(), "/chat",
				"X-Name: mute\r\nSec-WebSocket-Protocol: chat.v1\r\n", 4096)) {
			String line = "z".repeat(4000);
			for (int i = 0; i < 2000; i++) { // 8 MB of its own lines come back to it, more than the buffers on the way hold
				mute.sendText(line);
			}
			try (RawWebSocket late = RawWebSocket.connect(server.port(), "/chat",
					"X-Name: late\r\nSec-WebSocket-Protocol: chat.v1\r\n")) {
				// the room may still relay mute's lines, and drop late's hello while late's output
				// is full of them: late reads them, and says hello again once they stop coming
				late.soTimeout(500);
				String got = null;
				for (int i = 0; i < 20 && got == null; i++) {
					late.sendText("hello");
					try {
						do {
							got = late.read().text();
						}
						while (got.startsWith("mute: "));
					}
					catch (java.net.SocketTimeoutException quiet) {
						got = null;
					}
				}
				assertThat(got).isEqualTo("late: hello");
			}
		}
	}

	/**
	 * A member who sends a message over {@link WebsocketChat#MAX_MESSAGE} is closed with 1009
	 * and leaves the room; the others go on chatting, and a message of exactly the limit is relayed.
	 */
	@Test
	void aMemberWhoSendsAnOversizedMessageIsClosedAndTheRoomChatsOn() throws Exception {
		server = WebsocketChat.server("127.0.0.1", 0);
		try (RawWebSocket eve = RawWebSocket.connect(server.port(), "/chat", "X-Name: eve\r\nSec-WebSocket-Protocol: chat.v1\r\n");
				RawWebSocket mal = RawWebSocket.connect(server.port(), "/chat", "X-Name: mal\r\nSec-WebSocket-Protocol: chat.v1\r\n")) {
			mal.sendText("x".repeat(WebsocketChat.MAX_MESSAGE + 1));
			assertThat(mal.awaitCloseAndEof().closeCode()).isEqualTo(1009);
			String atLimit = "y".repeat(WebsocketChat.MAX_MESSAGE);
			eve.sendText(atLimit);
			assertThat(eve.read().text()).as("nothing of mal's reached the room").isEqualTo("eve: " + atLimit);
		}
	}
}
