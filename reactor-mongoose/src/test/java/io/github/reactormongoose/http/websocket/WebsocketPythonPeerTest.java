/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.websocket;

import static io.github.reactormongoose.testing.PythonPeers.counter;
import static io.github.reactormongoose.testing.PythonPeers.string;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.WebsocketServerSpec;
import io.github.reactormongoose.testing.PythonPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

/**
 * permessage-deflate against Python's {@code websockets} (Debian's python3-websockets), an
 * implementation nobody here wrote. It keeps its own compression context between messages (so
 * our session inflates with an inflater of its own); its server limits the peer's window to 12
 * bits (so we compress only messages of up to 4 KiB), and its client is run with its default
 * offer and with that limit asked of our server. Both directions: its client against our
 * server, our client against its server; {@code src/test/python/websockets_peer.py} counts the
 * frames that reached it compressed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebsocketPythonPeerTest extends BaseHttpTest {

	private static final String SCRIPT = "src/test/python/websockets_peer.py";

	/**
	 * The longest message the client may compress under a permessage-deflate answer: 2^n bytes
	 * for a client window of n bits below 15, else no limit.
	 */
	private static int longestClientCompressed(String answer) {
		Matcher m = Pattern.compile("client_max_window_bits=(\\d+)").matcher(answer);
		int bits = m.find() ? Integer.parseInt(m.group(1)) : 15;
		return bits >= 15 ? Integer.MAX_VALUE : 1 << bits;
	}

	@Test
	void itsClientAgainstOurServer() throws Exception {
		String python = PythonPeers.pythonWith("websockets", "python3-websockets");
		DisposableServer s = bind(HttpServer.create().maxWebsocketFrameSize(1 << 20).route(r -> r.ws("/echo",
				(in, out) -> out.send(in.receive()), WebsocketServerSpec.builder().compress(true).build())));
		for (String mode : new String[] {"default", "window12"}) {
			String out = PythonPeers.run(python, SCRIPT, "client", s.port(), mode);
			assertThat(counter(out, "bad")).as(out).isZero();
			assertThat(counter(out, "messages")).as(out).isEqualTo(11 * 3 + 1 + 50);
			assertThat(counter(out, "close_code")).as(out).isEqualTo(1000);
			String answer = string(out, "extensions");
			assertThat(answer).as(out).isEqualTo(mode.equals("default") ? "permessage-deflate"
					: "permessage-deflate; server_max_window_bits=12");
			// our echoes reached it compressed: without a limit the 300 KB ones too, with 12 bits
			// only those of up to 4 KiB (its zlib inflates with that window: a longer
			// back-reference would have failed the session)
			assertThat(counter(out, "rsv1_frames")).as(out).isGreaterThan(50);
			long longest = counter(out, "longest_compressed");
			if (mode.equals("default")) {
				assertThat(longest).as(out).isEqualTo(300_000);
			}
			else {
				assertThat(longest).as(out).isEqualTo(4096);
			}
		}
	}

	/**
	 * compressionPreferredClientNoContext: the answer asks its client to compress each message on
	 * its own, and it does: its runs of small similar messages, which it would otherwise compress
	 * with the earlier ones as context, are inflated by the loop's shared inflater.
	 */
	@Test
	void itsClientAgainstAServerThatAsksItToKeepNoContext() throws Exception {
		String python = PythonPeers.pythonWith("websockets", "python3-websockets");
		DisposableServer s = bind(HttpServer.create().maxWebsocketFrameSize(1 << 20).route(r -> r.ws("/echo",
				(in, out) -> out.send(in.receive()),
				WebsocketServerSpec.builder().compress(true).compressionPreferredClientNoContext(true).build())));
		String out = PythonPeers.run(python, SCRIPT, "client", s.port(), "default");
		assertThat(string(out, "extensions")).as(out).isEqualTo("permessage-deflate; client_no_context_takeover");
		assertThat(counter(out, "bad")).as(out).isZero();
		assertThat(counter(out, "messages")).as(out).isEqualTo(11 * 3 + 1 + 50);
		assertThat(counter(out, "close_code")).as(out).isEqualTo(1000);
		assertThat(counter(out, "rsv1_frames")).as(out).isGreaterThan(50);
	}

	@Test
	void ourClientAgainstItsServer() throws Exception {
		String python = PythonPeers.pythonWith("websockets", "python3-websockets");
		Process p = new ProcessBuilder(python, SCRIPT, "server").redirectError(ProcessBuilder.Redirect.INHERIT).start();
		try {
			BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
			String first = lines.readLine();
			assertThat(first).isNotNull().startsWith("PORT ");
			int port = Integer.parseInt(first.substring(5).trim());
			String words = "the same words again and again, ";
			List<String> messages = new ArrayList<>();
			for (int size : new int[] {100, 1000, 4096, 4097, 20000, 100000}) {
				messages.add(words.repeat(size / words.length() + 1).substring(0, size));
			}
			for (int i = 0; i < 40; i++) { // small similar ones: its server compresses them with context
				messages.add(("{\"id\": " + i + ", \"event\": \"tick\", \"symbol\": \"ACME\"}").repeat(3));
			}
			List<String> got = HttpClient.create().websocket().compress(true).maxFramePayloadLength(1 << 20)
					.uri("ws://127.0.0.1:" + port + "/")
					.handle((in, o) -> o.sendString(Flux.fromIterable(messages).concatWithValues("stats"))
							.thenMany(in.receiveText().take(messages.size() + 1)))
					.collectList()
					.block(Duration.ofSeconds(30));
			assertThat(got).hasSize(messages.size() + 1);
			assertThat(got.subList(0, messages.size())).isEqualTo(messages);
			String stats = got.get(messages.size());
			String answer = string(stats, "extensions");
			assertThat(answer).as(stats).startsWith("permessage-deflate");
			int window = longestClientCompressed(answer);
			assertThat(window).as("its server limits our window to 12 bits: " + answer).isEqualTo(4096);
			long fit = messages.stream().filter(m -> m.length() <= window).count();
			// compressed (RSV1 on a message's first frame) exactly when it fits in the window it allowed us
			assertThat(counter(stats, "messages")).as(stats).isEqualTo(messages.size());
			assertThat(counter(stats, "frames")).as(stats).isGreaterThanOrEqualTo(messages.size() + 1);
			assertThat(counter(stats, "rsv1_frames")).as(stats).isEqualTo(fit);
			assertThat(counter(stats, "longest_compressed")).as(stats)
					.isEqualTo(messages.stream().mapToInt(String::length).filter(n -> n <= window).max().orElseThrow());
		}
		finally {
			p.getOutputStream().close(); // its stdin: the server stops
			if (!p.waitFor(10, TimeUnit.SECONDS)) {
				p.destroyForcibly();
			}
		}
	}
}
