/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

import io.github.reactormongoose.spring.boot.MongooseReactiveWebServerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.web.server.WebServer;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.config.EnableWebFlux;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

/**
 * A WebFlux application with an annotated controller that counts the bytes of an upload read
 * as {@code Flux<DataBuffer>}, on the Mongoose server factory with its defaults. Run in a
 * child JVM by {@link LargeUploadTest} (with a small heap). Prints {@code port=N}, then
 * serves until its standard input closes.
 */
public final class LargeUploadMain {

	private LargeUploadMain() {
	}

	@RestController
	static class UploadController {

		@PostMapping("/count")
		Mono<String> count(@RequestBody Flux<DataBuffer> body) {
			return body.map(b -> {
				long n = b.readableByteCount();
				DataBufferUtils.release(b);
				return n;
			}).reduce(0L, Long::sum).map(n -> n + " " + Runtime.getRuntime().maxMemory());
		}
	}

	@Configuration(proxyBeanMethods = false)
	@EnableWebFlux
	static class App {

		@Bean
		UploadController uploadController() {
			return new UploadController();
		}
	}

	public static void main(String[] args) throws Exception {
		try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(App.class)) {
			HttpHandler handler = WebHttpHandlerBuilder.applicationContext(context).build();
			MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
			factory.setAddress(InetAddress.getLoopbackAddress());
			WebServer server = factory.getWebServer(handler);
			server.start();
			System.out.println("port=" + server.getPort());
			System.out.flush();
			BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			while (in.readLine() != null) {
				// serve until the parent closes our input
			}
			server.stop();
		}
	}
}
