/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.spring.boot.autoconfigure.MongooseClientHttpConnectorAutoConfiguration;
import io.github.reactormongoose.spring.boot.autoconfigure.MongooseManagementContextAutoConfiguration;
import io.github.reactormongoose.spring.boot.autoconfigure.MongooseReactiveWebServerAutoConfiguration;
import io.github.reactormongoose.spring.boot.autoconfigure.MongooseWebSocketAutoConfiguration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.multipart.FilePart;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.CookieValue;
import org.springframework.web.bind.annotation.CrossOrigin;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.MatrixVariable;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;

/**
 * A small business application of the kind most WebFlux services are: annotated controllers
 * with validated JSON bodies, a {@code @RestControllerAdvice}, {@code ResponseStatusException}s,
 * ETags, multipart uploads stored with {@code FilePart.transferTo}, streaming JSON, a slow
 * handler, request headers, cookies and matrix variables, and a {@code @CrossOrigin}
 * controller. {@code BusinessAppTest} runs it on reactor-mongoose and on Reactor Netty
 * ({@link #ON_REACTOR_NETTY}: the application without reactor-mongoose's auto-configurations,
 * as with its starter excluded) with the same clients (docs/spring-boot.md, "A business
 * application on both servers").
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import({ BusinessApp.Orders.class, BusinessApp.Shop.class, BusinessApp.Advice.class })
public class BusinessApp {

	/** The argument that runs the application on Reactor Netty, the default without reactor-mongoose. */
	public static final String ON_REACTOR_NETTY = "--spring.autoconfigure.exclude="
			+ String.join(",", MongooseReactiveWebServerAutoConfiguration.class.getName(),
					MongooseWebSocketAutoConfiguration.class.getName(),
					MongooseClientHttpConnectorAutoConfiguration.class.getName(),
					MongooseManagementContextAutoConfiguration.class.getName());

	@Bean
	Events events() {
		return new Events();
	}

	/** What the handlers saw happen to their publishers. */
	public static final class Events {

		public final AtomicInteger streamCancelled = new AtomicInteger();

		public final AtomicInteger streamTerminated = new AtomicInteger();

		public final AtomicInteger slowCancelled = new AtomicInteger();

		public final AtomicInteger slowTerminated = new AtomicInteger();

		Map<String, Integer> snapshot() {
			Map<String, Integer> m = new LinkedHashMap<>();
			m.put("streamCancelled", this.streamCancelled.get());
			m.put("streamTerminated", this.streamTerminated.get());
			m.put("slowCancelled", this.slowCancelled.get());
			m.put("slowTerminated", this.slowTerminated.get());
			return m;
		}
	}

	public record Order(@NotBlank String name, @Min(1) @Max(1000) int quantity, @Email String email, String note) {
	}

	static final class OrderConflict extends RuntimeException {

		final int id;

		OrderConflict(int id) {
			super("order " + id + " was changed by someone else");
			this.id = id;
		}
	}

	@RestController
	@RequestMapping("/api")
	static class Orders {

		private final Events events;

		Orders(Events events) {
			this.events = events;
		}

		@PostMapping("/orders")
		ResponseEntity<Order> create(@Valid @RequestBody Order order) {
			return ResponseEntity.created(URI.create("/api/orders/7")).body(order);
		}

		@GetMapping("/orders/{id}")
		ResponseEntity<Order> order(@PathVariable("id") int id) {
			if (id == 404) {
				throw new ResponseStatusException(HttpStatus.NOT_FOUND, "order 404 does not exist");
			}
			if (id == 409) {
				throw new OrderConflict(id);
			}
			if (id == 500) {
				throw new IllegalStateException("the database password is hunter2");
			}
			return ResponseEntity.ok()
				.eTag("v" + id)
				.cacheControl(CacheControl.maxAge(Duration.ofMinutes(1)))
				.body(new Order("order " + id, id, "buyer@shop.example", "n".repeat(id)));
		}

		@PutMapping("/orders/{id}")
		Order replace(@PathVariable("id") int id, @Valid @RequestBody Order order) {
			return order;
		}

		@GetMapping("/orders")
		List<Order> orders(@RequestParam(name = "count", defaultValue = "100") int count) {
			List<Order> orders = new ArrayList<>();
			for (int i = 1; i <= count; i++) {
				orders.add(new Order("order " + i, i, "buyer" + i + "@shop.example", null));
			}
			return orders;
		}

		@GetMapping(path = "/lines", produces = MediaType.TEXT_PLAIN_VALUE)
		Flux<String> lines(@RequestParam(name = "count", defaultValue = "3") int count) {
			return Flux.range(1, count).map(i -> "line " + i + "\n");
		}

		@GetMapping(path = "/stream", produces = MediaType.APPLICATION_NDJSON_VALUE)
		Flux<Map<String, Long>> stream() {
			return Flux.interval(Duration.ofMillis(20))
				.map(i -> Map.of("n", i))
				.doOnCancel(this.events.streamCancelled::incrementAndGet)
				.doOnTerminate(this.events.streamTerminated::incrementAndGet);
		}

		@GetMapping("/slow")
		Mono<String> slow(@RequestParam(name = "ms", defaultValue = "3000") long ms) {
			return Mono.delay(Duration.ofMillis(ms))
				.thenReturn("late")
				.doOnCancel(this.events.slowCancelled::incrementAndGet)
				.doOnTerminate(this.events.slowTerminated::incrementAndGet);
		}

		@GetMapping("/events")
		Map<String, Integer> events() {
			return this.events.snapshot();
		}

		@GetMapping("/headers")
		Map<String, Object> headers(@RequestHeader("X-Trace") String trace,
				@RequestHeader(name = "X-List", required = false) List<String> list,
				@RequestHeader(name = "X-Number", defaultValue = "0") int number,
				@CookieValue("session") String session,
				@CookieValue(name = "lang", defaultValue = "en") String lang) {
			Map<String, Object> m = new LinkedHashMap<>();
			m.put("trace", trace);
			m.put("list", list);
			m.put("number", number);
			m.put("session", session);
			m.put("lang", lang);
			return m;
		}

		@GetMapping("/cars/{car}")
		Map<String, Object> car(@PathVariable("car") String car,
				@MatrixVariable(pathVar = "car") MultiValueMap<String, String> matrix) {
			Map<String, Object> m = new LinkedHashMap<>();
			m.put("car", car);
			m.put("matrix", matrix);
			return m;
		}

		@PostMapping(path = "/upload", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
		Mono<Map<String, Object>> upload(@RequestPart("description") String description,
				@RequestPart("file") FilePart file) {
			return Mono.fromCallable(() -> Files.createTempFile("business-app", ".upload"))
				.subscribeOn(Schedulers.boundedElastic())
				.flatMap(target -> file.transferTo(target)
					.then(Mono.fromCallable(() -> {
						Map<String, Object> m = new LinkedHashMap<>();
						m.put("description", description);
						m.put("filename", file.filename());
						m.put("size", Files.size(target));
						m.put("sha256", sha256(target));
						return m;
					}).subscribeOn(Schedulers.boundedElastic()))
					.doFinally(s -> {
						try {
							Files.deleteIfExists(target);
						}
						catch (IOException e) {
							throw new UncheckedIOException(e);
						}
					}));
		}
	}

	@RestController
	@RequestMapping("/shop")
	@CrossOrigin(origins = "https://shop.example", maxAge = 600, exposedHeaders = "X-Total")
	static class Shop {

		@GetMapping("/items")
		ResponseEntity<List<String>> items() {
			return ResponseEntity.ok().header("X-Total", "2").body(List.of("apple", "pear"));
		}

		@PutMapping("/items/{id}")
		String put(@PathVariable("id") String id, @RequestBody String body) {
			return id + "=" + body;
		}

		@DeleteMapping("/items/{id}")
		ResponseEntity<Void> delete(@PathVariable("id") String id) {
			return ResponseEntity.noContent().build();
		}
	}

	@RestControllerAdvice
	static class Advice {

		@ExceptionHandler(OrderConflict.class)
		ResponseEntity<ProblemDetail> conflict(OrderConflict e) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
			problem.setTitle("Order conflict");
			problem.setProperty("orderId", e.id);
			return ResponseEntity.status(HttpStatus.CONFLICT).body(problem);
		}
	}

	static String sha256(Path file) throws IOException {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
