/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.contract;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.GlobalMeters;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Issue 13 ("Prove it cannot be knocked over ... metrics and access log"), the API part:
 * {@code HttpServer.metrics(true)} with Reactor Netty's meter names where the meaning is the
 * same (connections active/total, data received/sent, request/response time, errors).
 * {@code accessLog(true)} and the configurable header timeout ({@code requestHeaderTimeout})
 * are called and checked by {@code ObservabilityTest} and {@code RequestHeaderTimeoutTest}.
 */
class Issue13ContractTest extends BaseHttpTest {

	private static final String P = "reactor.mongoose.http.server.";

	@RegisterExtension
	final GlobalMeters meters = new GlobalMeters();

	@Test
	void metricsTrueRecordsReactorNettysMetersIncludingRequestAndResponseTime() throws Exception {
		DisposableServer server = bind(HttpServer.create().metrics(true).route(r -> r
				.post("/upload", (req, res) -> res.sendString(req.receive().map(ByteBuffer::remaining).reduce(0, Integer::sum)
						.map(String::valueOf)))
				.get("/slow-stream", (req, res) -> res.sendString(Flux.just("a", "b", "c").delayElements(Duration.ofMillis(150))))
				.get("/fail", (req, res) -> Mono.error(new IllegalStateException("boom")))));
		String address = "127.0.0.1:" + server.port();
		try (RawHttp c = RawHttp.connect(server.port())) {
			// a body that takes 300 ms to arrive after its head (larger than the 16 KiB that the
			// native side gathers before the request is handed over, so it streams)
			OutputStream out = c.socket().getOutputStream();
			out.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n\r\n".getBytes(UTF_8));
			out.write(new byte[32768]);
			out.flush();
			Thread.sleep(300);
			out.write(new byte[32768]);
			out.flush();
			assertThat(c.read().bodyString()).isEqualTo("65536");
			assertThat(c.write(RawHttp.get("/slow-stream")).read().bodyString()).isEqualTo("abc");
			assertThat(c.write(RawHttp.get("/fail")).read().status()).isEqualTo(500);
			assertThat(meters.registry().get(P + "connections.total").tag("local.address", address).gauge().value()).isEqualTo(1.0);
			assertThat(meters.registry().get(P + "connections.active").tag("local.address", address).gauge()).isNotNull();
		}
		assertThat(meters.registry().get(P + "data.received").tags("uri", "/upload", "method", "POST").summary().totalAmount())
				.isEqualTo(65536.0);
		assertThat(meters.registry().get(P + "data.sent").tags("uri", "/slow-stream", "status", "200").summary().totalAmount())
				.isEqualTo(3.0);
		Timer requestTime = meters.registry().get(P + "data.received.time").tags("uri", "/upload", "method", "POST").timer();
		assertThat(requestTime.count()).isEqualTo(1);
		assertThat(requestTime.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(250);
		Timer sendTime = meters.registry().get(P + "data.sent.time").tags("uri", "/slow-stream", "method", "GET", "status", "200")
				.timer();
		assertThat(sendTime.count()).isEqualTo(1);
		// the head goes out with the first piece (after 150 ms), the last piece 300 ms later
		assertThat(sendTime.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(250);
		assertThat(meters.registry().get(P + "response.time").tags("uri", "/slow-stream", "status", "200").timer()
				.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(400);
		assertThat(meters.registry().get(P + "errors").tags("uri", "/fail", "method", "GET").counter().count()).isEqualTo(1.0);
	}
}
