/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.WebsocketServerSpec;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * A WebSocket chat: a server that relays every message to every member ({@code ws /chat},
 * sub-protocol {@code chat.v1}), and a client built on {@link HttpClient#websocket()}.
 * <p>
 * A member sends its name in the {@code X-Name} header of the upgrade request. The server
 * prefixes each message with it and broadcasts it, including to the sender, so each member
 * sees the conversation in the same order. The server accepts permessage-deflate, which browsers
 * offer: long messages then travel compressed ({@link WebsocketServerSpec#builder()}
 * {@code .compress(true)}). It asks the members to compress each message on its own
 * ({@code .compressionPreferredClientNoContext(true)}), so that a room of thousands of
 * browsers holds no decompression state per member. The Java member ({@link #join}) offers
 * permessage-deflate as well, asking the server to compress each message on its own too
 * ({@code .compressionRequestedServerNoContext(true)}: an acceptance without it would fail the
 * upgrade), and grants the server's wish ({@code compressionAllowClientNoContext}, true by
 * default), so neither end keeps a compression context for this member. A chat line is short, so the endpoint takes messages of up to
 * {@value #MAX_MESSAGE} bytes ({@code .maxFramePayloadLength}, where the server's default is
 * 64 KiB): a member who sends a longer one is closed with 1009 and leaves the room, and the
 * others chat on.
 */
public final class WebsocketChat {

	/** The largest chat message, in bytes (after inflating a compressed one). */
	public static final int MAX_MESSAGE = 4096;

	private WebsocketChat() {
	}

	/** Starts the chat server on {@code host:port} (0: a free port). */
	public static DisposableServer server(String host, int port) {
		Sinks.Many<String> room = Sinks.many().multicast().directBestEffort();
		return HttpServer.create().host(host).port(port)
				.route(r -> r.ws("/chat", (in, out) -> {
					String name = String.valueOf(in.headers().get("X-Name"));
					Mono<Void> said = in.receiveText()
							.doOnNext(text -> say(room, name + ": " + text))
							.then()
							.cache(); // one subscription to the inbound, shared by the two uses below
					// relay the room until this member leaves
					return out.sendString(room.asFlux().takeUntilOther(said)).and(said);
				}, WebsocketServerSpec.builder().protocols("chat.v1").compress(true)
						.compressionPreferredClientNoContext(true).maxFramePayloadLength(MAX_MESSAGE).build()))
				.bindNow(Duration.ofSeconds(10));
	}

	/**
	 * Relays a line to the members who can take it now: a member whose output is full (it does
	 * not read) misses it, as {@code directBestEffort} drops it for that member, and so does the
	 * room when no member can take it. {@code emitNext} would end the room's sink with an
	 * overflow error then, closing every member and every later one. Members on two loops who
	 * speak at once: the second relays once the first is done.
	 */
	static void say(Sinks.Many<String> room, String line) {
		while (room.tryEmitNext(line) == Sinks.EmitResult.FAIL_NON_SERIALIZED) {
			Thread.onSpinWait();
		}
	}

	/**
	 * Joins the chat at {@code url} ({@code ws://host:port/chat}) as {@code name}: sends each
	 * of {@code messages} (then leaves, closing with 1000, once {@code messages} completes and
	 * {@code expected} lines were received) and emits what the room says.
	 */
	public static Flux<String> join(String url, String name, Flux<String> messages, int expected) {
		return HttpClient.create()
				.headers(h -> h.set("X-Name", name))
				.websocket().uri(url).protocols("chat.v1")
				.compress(true)
				.compressionRequestedServerNoContext(true)
				.handle((in, out) -> in.receiveText().take(expected)
						.mergeWith(out.sendString(messages).then(Mono.empty())));
	}

	/**
	 * {@code server [port]} runs the server (default port 8090); {@code client url name} joins
	 * and sends the lines typed on standard input.
	 */
	public static void main(String[] args) {
		if (args.length >= 1 && args[0].equals("client")) {
			String url = args.length > 1 ? args[1] : "ws://127.0.0.1:8090/chat";
			String name = args.length > 2 ? args[2] : "anonymous";
			BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			Flux<String> typed = Flux.<String>generate(sink -> {
				try {
					String line = stdin.readLine();
					if (line == null) {
						sink.complete();
					}
					else {
						sink.next(line);
					}
				}
				catch (java.io.IOException e) {
					sink.error(e);
				}
			}).subscribeOn(Schedulers.boundedElastic());
			join(url, name, typed, Integer.MAX_VALUE).doOnNext(System.out::println).blockLast();
			return;
		}
		int port = args.length > 1 ? Integer.parseInt(args[1]) : 8090;
		DisposableServer s = server("127.0.0.1", port);
		System.out.println("Chat on ws://127.0.0.1:" + s.port() + "/chat (join: WebsocketChat client <url> <name>)");
		s.onDispose().block();
	}
}
