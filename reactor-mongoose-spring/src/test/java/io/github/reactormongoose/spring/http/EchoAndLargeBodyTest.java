/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.Random;

import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.spring.test.AbstractAdapterTest;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

/** Request bodies in, response bodies out, big and small (Spring's Echo / Random handler tests). */
class EchoAndLargeBodyTest extends AbstractAdapterTest {

	private static byte[] random(int size) {
		byte[] b = new byte[size];
		new Random(size).nextBytes(b);
		return b;
	}

	@Test
	void echoesA512KiBBody() throws Exception {
		start((request, response) -> response.writeWith(request.getBody()));
		byte[] body = random(512 * 1024);
		HttpResponse<byte[]> r = this.client.send(request("/echo").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
				HttpResponse.BodyHandlers.ofByteArray());
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.body()).isEqualTo(body);
	}

	@Test
	void echoesWithWebClient() {
		start((request, response) -> {
			response.getHeaders().setContentType(MediaType.APPLICATION_OCTET_STREAM);
			return response.writeWith(request.getBody());
		});
		byte[] body = random(200_000);
		StepVerifier.create(webClient().post().uri("/echo").bodyValue(body).retrieve().bodyToMono(byte[].class))
				.assertNext(b -> assertThat(b).isEqualTo(body))
				.expectComplete()
				.verify(TIMEOUT);
	}

	@Test
	void joinsTheRequestBodyAndAnswersWithContentLength() throws Exception {
		start((request, response) -> DataBufferUtils.join(request.getBody()).flatMap(all -> {
			int n = all.readableByteCount();
			byte[] digest;
			try {
				byte[] bytes = new byte[n];
				all.read(bytes);
				digest = MessageDigest.getInstance("SHA-256").digest(bytes);
			}
			catch (Exception ex) {
				return Mono.error(ex);
			}
			finally {
				DataBufferUtils.release(all);
			}
			String text = n + ":" + java.util.HexFormat.of().formatHex(digest);
			return response.writeWith(Mono.just(response.bufferFactory().wrap(text.getBytes())));
		}));
		byte[] body = random(1000 * 1024); // streamed in pieces, joined by the handler
		HttpResponse<String> r = this.client.send(request("/").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
				HttpResponse.BodyHandlers.ofString());
		String expected = body.length + ":" + java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
		assertThat(r.body()).isEqualTo(expected);
		assertThat(r.headers().firstValue("Content-Length")).hasValue(String.valueOf(expected.length()));
		assertThat(r.headers().firstValue("Transfer-Encoding")).isEmpty();
	}

	@Test
	void bodyOverTheLimitGets413() throws Exception {
		start(HttpServer.create().maxRequestBodySize(64 * 1024), (request, response) -> response.writeWith(request.getBody()));
		// Announce the body, do not send it: the server answers from the Content-Length alone.
		// (A client still uploading when the server answers 413 and closes may see a connection
		// reset instead of the 413, see docs/webflux.md.)
		try (RawHttp http = RawHttp.connect(port())) {
			http.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + 100 * 1024 + "\r\n\r\n");
			assertThat(http.read().status()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE.value());
		}
		// the server still serves
		assertThat(this.client.send(request("/").POST(HttpRequest.BodyPublishers.ofString("ok")).build(),
				HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("ok");
	}

	@Test
	void streamsALargeResponseInManyBuffers() throws Exception {
		int chunk = 16 * 1024;
		int count = 256; // 4 MiB
		start((request, response) -> response.writeWith(Flux.range(0, count).map(i -> {
			byte[] b = new byte[chunk];
			java.util.Arrays.fill(b, (byte) i.intValue());
			return response.bufferFactory().wrap(b);
		})));
		HttpResponse<byte[]> r = this.client.send(request("/big").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.headers().firstValue("Transfer-Encoding")).hasValue("chunked");
		assertThat(r.body()).hasSize(chunk * count);
		for (int i = 0; i < count; i++) {
			assertThat(r.body()[i * chunk]).isEqualTo((byte) i);
			assertThat(r.body()[i * chunk + chunk - 1]).isEqualTo((byte) i);
		}
	}

	@Test
	void fluxBodyWithContentLengthIsNotChunked() throws Exception {
		start((request, response) -> {
			response.getHeaders().setContentLength(10);
			return response.writeWith(Flux.just("01234", "56789").map(s -> response.bufferFactory().wrap(s.getBytes())));
		});
		HttpResponse<String> r = get("/");
		assertThat(r.body()).isEqualTo("0123456789");
		assertThat(r.headers().firstValue("Content-Length")).hasValue("10");
		assertThat(r.headers().firstValue("Transfer-Encoding")).isEmpty();
	}

	@Test
	void emptyResponseAndStatusOnly() throws Exception {
		start((request, response) -> {
			response.setStatusCode(HttpStatus.NO_CONTENT);
			return response.setComplete();
		});
		HttpResponse<String> r = get("/");
		assertThat(r.statusCode()).isEqualTo(204);
		assertThat(r.body()).isEmpty();
	}

	@Test
	void handlerThatWritesNothingStillSendsItsStatusAndHeaders() throws Exception {
		start((request, response) -> {
			response.setStatusCode(HttpStatus.ACCEPTED);
			response.getHeaders().add("X-Custom", "yes");
			return Mono.empty();
		});
		HttpResponse<String> r = get("/");
		assertThat(r.statusCode()).isEqualTo(202);
		assertThat(r.headers().firstValue("X-Custom")).hasValue("yes");
		assertThat(r.headers().firstValue("Content-Length")).hasValue("0");
	}
}
