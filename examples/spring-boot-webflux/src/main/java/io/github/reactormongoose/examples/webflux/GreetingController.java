/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples.webflux;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

/** Annotated endpoints: JSON in and out, a JSON array, an error, and Server-Sent Events. */
@RestController
@RequestMapping("/api")
public class GreetingController {

	/** A greeting. */
	public record Greeting(long id, String message) {
	}

	/** A message to echo. */
	public record Message(String text, int count) {
	}

	/** What the server saw. */
	public record Echo(Message message, String server, String remote) {
	}

	/** One tick of the event stream. */
	public record Tick(long sequence, String label) {
	}

	private final AtomicLong ids = new AtomicLong();

	@GetMapping("/greetings/{name}")
	public Mono<Greeting> greet(@PathVariable String name) {
		return Mono.just(new Greeting(this.ids.incrementAndGet(), "Hello, " + name + "!"));
	}

	@GetMapping("/greetings")
	public Flux<Greeting> greetings() {
		return Flux.fromIterable(List.of("Ada", "Grace", "Linus")).map(n -> new Greeting(this.ids.incrementAndGet(), "Hello, " + n + "!"));
	}

	@PostMapping(path = "/echo", consumes = MediaType.APPLICATION_JSON_VALUE)
	public Mono<Echo> echo(@RequestBody Mono<Message> message, ServerWebExchange exchange) {
		String server = exchange.getRequest().getLocalAddress() != null ? "port " + exchange.getRequest().getLocalAddress().getPort() : "?";
		String remote = String.valueOf(exchange.getRequest().getRemoteAddress());
		return message.map(m -> new Echo(m, server, remote));
	}

	@GetMapping("/teapot")
	public ResponseEntity<String> teapot() {
		return ResponseEntity.status(HttpStatusCode.valueOf(418)).body("short and stout");
	}

	@GetMapping("/boom")
	public Mono<String> boom() {
		return Mono.error(new IllegalStateException("this endpoint always fails"));
	}

	/** Server-Sent Events: {@code count} ticks (default: endless), one every {@code periodMs}. */
	@GetMapping(path = "/ticks", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	public Flux<ServerSentEvent<Tick>> ticks(@RequestParam(defaultValue = "-1") long count,
			@RequestParam(defaultValue = "500") long periodMs) {
		Flux<Long> source = Flux.interval(Duration.ZERO, Duration.ofMillis(periodMs));
		if (count >= 0) {
			source = source.take(count);
		}
		return source.map(i -> ServerSentEvent.builder(new Tick(i, "tick " + i)).id(String.valueOf(i)).event("tick").build());
	}
}
