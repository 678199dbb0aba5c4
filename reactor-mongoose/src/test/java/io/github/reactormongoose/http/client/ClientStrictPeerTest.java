/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static io.github.reactormongoose.testing.PythonPeers.counter;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.testing.PythonPeers;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The client's requests judged by h11, a strict HTTP/1.1 parser nobody here wrote
 * ({@code src/test/python/strict_server.py}): 1,000 random shapes (method; Content-Length,
 * Transfer-Encoding, Connection and Host headers the application set; Mono, Flux, empty and
 * form bodies). Each is well framed, or refused here before anything is sent because the
 * application's Content-Length contradicts a streamed body. Debian's {@code python3-h11};
 * skipped with a notice without it.
 */
class ClientStrictPeerTest extends BaseHttpTest {

	@Test
	void everyRequestShapeIsWellFramed() throws Exception {
		String python = PythonPeers.pythonWith("h11", "python3-h11");
		Process server = new ProcessBuilder(python, "src/test/python/strict_server.py").redirectErrorStream(true).start();
		try {
			BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
			String line = out.readLine();
			assertThat(line).startsWith("listening ");
			HttpClient base = HttpClient.create().runOn(newLoop()).responseTimeout(Duration.ofSeconds(5))
					.baseUrl("http://127.0.0.1:" + line.substring("listening ".length()).trim());
			Random rnd = new Random(42);
			int ok = 0;
			int refusedHere = 0;
			for (int i = 0; i < 1000; i++) {
				String method = List.of("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH").get(rnd.nextInt(6));
				Map<String, String> headers = new LinkedHashMap<>();
				if (rnd.nextInt(5) == 0) {
					headers.put("Content-Length", List.of("0", "3", "11", "abc").get(rnd.nextInt(4)));
				}
				if (rnd.nextInt(5) == 0) {
					headers.put("Transfer-Encoding", "chunked");
				}
				if (rnd.nextInt(5) == 0) {
					headers.put("Connection", List.of("close", "keep-alive", "X-Hop").get(rnd.nextInt(3)));
				}
				if (rnd.nextInt(8) == 0) {
					headers.put("Host", "other.example");
				}
				HttpClient.RequestSender s = base.headers(h -> headers.forEach(h::set)).request(method).uri("/x?i=" + i);
				HttpClient.ResponseReceiver r = switch (rnd.nextInt(7)) {
					case 0 -> s.sendString(Mono.just("hello world"));
					case 1 -> s.send(Mono.empty());
					case 2 -> s.sendString(Flux.just("hel", "lo"));
					case 3 -> s.send(Flux.<ByteBuffer>empty());
					case 4 -> s.sendForm(f -> f.attr("a", "1").attr("b", "x y"));
					case 5 -> s.sendForm(f -> f.attr("a", "1").file("f", "f.txt", "abc".getBytes(), "text/plain"));
					default -> s;
				};
				try {
					assertThat(r.response().block(TIMEOUT).status()).isEqualTo(200);
					ok++;
				}
				catch (IllegalArgumentException e) {
					assertThat(e).hasMessageContaining("Content-Length"); // the documented refusal of a contradicted length
					refusedHere++;
				}
			}
			String stats = base.get().uri("/__stats").responseSingle((res, b) -> b.map(x -> new String(x,
					StandardCharsets.UTF_8))).block(TIMEOUT);
			assertThat(counter(stats, "bad")).as(stats).isZero();
			assertThat(counter(stats, "requests")).as(stats).isEqualTo(ok);
			assertThat(ok).isGreaterThan(900);
			assertThat(ok + refusedHere).isEqualTo(1000);
		}
		finally {
			server.destroyForcibly();
		}
	}
}
