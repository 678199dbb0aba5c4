/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static io.github.reactormongoose.testing.PythonPeers.counter;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.ServerSentEvent;
import io.github.reactormongoose.testing.PythonPeers;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Whatever a handler does (status, the framing and connection headers it sets, a whole, streamed,
 * empty or failing body, SSE, an unread request body), and whatever the request (GET, HEAD,
 * POST; HTTP/1.1 or 1.0; gzip accepted or not), the bytes on the wire are one well-framed
 * response, read by h11, a strict HTTP/1.1 parser nobody here wrote
 * ({@code src/test/python/response_shapes.py}), with a request pipelined behind it answered
 * intact, or the connection closed as announced. The one allowed break: a handler whose
 * streamed body contradicts the Content-Length it set gets its connection cut. Debian's
 * {@code python3-h11} ({@code .ci/run} installs it); skipped with a notice without it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ResponseShapesTest extends BaseHttpTest {

	private static HttpServer shapes(HttpServer base) {
		return base.route(r -> r
				.route("/r", (req, res) -> {
					String status = req.queryParam("status");
					if (status != null) {
						res.status(Integer.parseInt(status));
					}
					String length = req.queryParam("cl");
					if (length != null) {
						res.header("Content-Length", length);
					}
					if (req.queryParam("te") != null) {
						res.header("Transfer-Encoding", "chunked");
					}
					String connection = req.queryParam("conn");
					if (connection != null) {
						res.header("Connection", connection);
					}
					if (req.queryParam("ka0") != null) {
						res.keepAlive(false);
					}
					res.header("Content-Type", "text/plain");
					String body = req.queryParam("body");
					return switch (body == null ? "none" : body) {
						case "mono" -> res.sendString(Mono.just("hello mono"));
						case "flux" -> res.sendString(Flux.just("hel", "lo ", "flux"));
						case "slowflux" -> res.sendString(Flux.just("a", "b", "c").delayElements(Duration.ofMillis(2)));
						case "emptyflux" -> res.send(Flux.<ByteBuffer>empty());
						case "errbefore" -> res.sendString(Flux.error(new IllegalStateException("before the head")));
						case "errafter" -> res.sendString(Flux.just("part")
								.concatWith(Flux.error(new IllegalStateException("after the head"))));
						case "send" -> res.send();
						case "sse" -> res.sendSse(Flux.just(ServerSentEvent.of("e1")));
						case "readbody" -> res.sendString(req.receiveString().map(x -> "got " + x.length()));
						default -> Mono.empty();
					};
				})
				.get("/h", (req, res) -> res.sendString(Mono.just("hello"))));
	}

	@ParameterizedTest(name = "compression {0}")
	@ValueSource(booleans = { false, true })
	void aStrictParserReadsEveryResponseShape(boolean compress) throws Exception {
		String python = PythonPeers.pythonWith("h11", "python3-h11");
		DisposableServer s = bind(shapes(HttpServer.create().compress(compress ? 0 : -1)));
		String out = PythonPeers.run(python, "src/test/python/response_shapes.py", s.port(), 1200, compress ? 2 : 1);
		assertThat(counter(out, "rounds")).isEqualTo(1200);
		assertThat(counter(out, "bad")).as(out).isZero();
		assertThat(counter(out, "followup_ok")).as(out).isGreaterThan(500);
		assertThat(counter(out, "closed_ok")).as(out).isGreaterThan(100);
	}
}
