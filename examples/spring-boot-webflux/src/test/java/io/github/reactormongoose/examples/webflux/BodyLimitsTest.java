/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples.webflux;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which limit a JSON body meets: Spring Boot 4's codec limit
 * ({@code spring.http.codecs.max-in-memory-size}; Boot 3's {@code spring.codec.*} no longer
 * applies) and the server's {@code server.mongoose.max-request-body-size} (2MB in the example's
 * application.properties). The smaller wins, and either answers 413, with a
 * {@code Content-Length} and chunked alike.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "spring.http.codecs.max-in-memory-size=4MB")
class BodyLimitsTest {

	@LocalServerPort
	int port;

	final HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private int post(int textBytes, boolean chunked) throws Exception {
		byte[] json = ("{\"text\":\"" + "x".repeat(textBytes) + "\",\"count\":1}").getBytes(StandardCharsets.US_ASCII);
		HttpRequest.BodyPublisher body = chunked // an InputStream publisher has no length: chunked
				? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(json))
				: HttpRequest.BodyPublishers.ofByteArray(json);
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/api/echo"))
				.timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json").POST(body).build();
		return this.jdk.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
	}

	@Test
	void theCodecLimitPropertyRaisesSpringsLimitUpToTheServers() throws Exception {
		// 1 MB: over Spring's default of 256 KiB, under both limits set here
		assertThat(post(1 << 20, false)).isEqualTo(200);
		assertThat(post(1 << 20, true)).isEqualTo(200);
		// 3 MB: under the codec's 4MB, over the server's 2MB
		assertThat(post(3 << 20, false)).isEqualTo(413);
		assertThat(post(3 << 20, true)).isEqualTo(413);
	}
}
