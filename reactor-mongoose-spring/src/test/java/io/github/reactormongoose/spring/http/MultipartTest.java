/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import io.github.reactormongoose.spring.test.AbstractAdapterTest;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.codec.multipart.DefaultPartHttpMessageReader;
import org.springframework.http.codec.multipart.FilePart;
import org.springframework.http.codec.multipart.FormFieldPart;
import org.springframework.http.codec.multipart.MultipartHttpMessageReader;
import org.springframework.http.codec.multipart.Part;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

import static org.assertj.core.api.Assertions.assertThat;

/** Multipart forms parsed by WebFlux ({@code ServerWebExchange.getMultipartData()}). */
class MultipartTest extends AbstractAdapterTest {

	@Test
	void parsesFieldsAndFiles() {
		start(WebHttpHandlerBuilder.webHandler(MultipartTest::describeParts).build());
		byte[] file = new byte[100_000];
		for (int i = 0; i < file.length; i++) {
			file[i] = (byte) ('a' + i % 26);
		}
		MultipartBodyBuilder body = new MultipartBodyBuilder();
		body.part("fieldPart", "fieldValue");
		body.part("fileParts", new ByteArrayResource(file) {
			@Override
			public String getFilename() {
				return "letters.txt";
			}
		}, MediaType.TEXT_PLAIN);
		body.part("fileParts", new ByteArrayResource("second".getBytes()) {
			@Override
			public String getFilename() {
				return "second.bin";
			}
		});
		Mono<String> result = webClient().post().uri("/upload")
				.body(BodyInserters.fromMultipartData(body.build()))
				.retrieve()
				.bodyToMono(String.class);
		StepVerifier.create(result)
				.expectNext("fieldPart=field:fieldValue;fileParts=file:letters.txt:100000,file:second.bin:6;")
				.expectComplete()
				.verify(TIMEOUT);
	}

	/**
	 * A multipart limit that cuts an upload whose client sent {@code Expect: 100-continue} (curl
	 * does for chunked and large uploads): the 413 says {@code Connection: close} and the
	 * connection closes after it, as on Reactor Netty; it said nothing before.
	 */
	@Test
	void aPartLimitCuttingAnUploadAfter100ContinueClosesTheConnection() throws Exception {
		DefaultPartHttpMessageReader reader = new DefaultPartHttpMessageReader();
		reader.setMaxInMemorySize(1024);
		ServerCodecConfigurer codecs = ServerCodecConfigurer.create();
		codecs.defaultCodecs().multipartReader(new MultipartHttpMessageReader(reader));
		start(WebHttpHandlerBuilder.webHandler(exchange -> describeParts(exchange)
				.onErrorResume(DataBufferLimitException.class, e -> {
					// as WebFlux's argument resolvers answer a limit of the codecs
					exchange.getResponse().setStatusCode(HttpStatus.CONTENT_TOO_LARGE);
					return exchange.getResponse().setComplete();
				}))
			.codecConfigurer(codecs)
			.build());
		try (RawHttp c = RawHttp.connect(port()).soTimeout(5_000)) {
			c.write("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n"
					+ "Content-Type: multipart/form-data; boundary=b0undary\r\n\r\n");
			assertThat(c.readHead().status()).isEqualTo(100);
			String part = "--b0undary\r\nContent-Disposition: form-data; name=\"field\"\r\n"
					+ "\r\n" + "x".repeat(64 * 1024);
			c.write(Integer.toHexString(part.length()) + "\r\n" + part + "\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(413);
			assertThat(r.header("Connection")).isEqualTo("close");
			assertThat(c.isClosedByPeer()).isTrue();
		}
	}


	private static Mono<Void> describeParts(ServerWebExchange exchange) {
		return exchange.getMultipartData().flatMap(parts -> {
			Map<String, java.util.List<Part>> sorted = new TreeMap<>(parts);
			return Flux.fromIterable(sorted.entrySet())
					.concatMap(e -> Flux.fromIterable(e.getValue()).concatMap(MultipartTest::describe)
							.collectList()
							.map(l -> e.getKey() + "=" + String.join(",", l) + ";"))
					.collectList()
					.map(l -> String.join("", l));
		}).flatMap(text -> exchange.getResponse().writeWith(
				Mono.just(exchange.getResponse().bufferFactory().wrap(text.getBytes(StandardCharsets.UTF_8)))));
	}

	private static Mono<String> describe(Part part) {
		if (part instanceof FormFieldPart field) {
			return Mono.just("field:" + field.value());
		}
		FilePart file = (FilePart) part;
		return DataBufferUtils.join(file.content()).map(b -> {
			int n = b.readableByteCount();
			DataBufferUtils.release(b);
			return "file:" + file.filename() + ":" + n;
		});
	}
}
