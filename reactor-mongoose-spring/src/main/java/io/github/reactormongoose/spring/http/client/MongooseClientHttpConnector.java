/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http.client;

import java.net.URI;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import io.github.reactormongoose.http.client.HttpClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpResponse;

/**
 * Spring's {@link ClientHttpConnector} over the reactor-mongoose {@link HttpClient}: a
 * {@code WebClient} built with it runs its exchanges on Mongoose poll loops, with the client's
 * connection pool, timeouts, redirects, TLS and compression, and without Reactor Netty.
 * <pre>{@code
 * WebClient web = WebClient.builder()
 *         .clientConnector(new MongooseClientHttpConnector(HttpClient.create().responseTimeout(Duration.ofSeconds(5))))
 *         .baseUrl("http://127.0.0.1:8080")
 *         .build();
 * }</pre>
 * The request is sent once the {@code WebClient} has written it (headers and body publisher);
 * a body of one buffer ({@code Mono}, as Spring's encoders write single values) goes with
 * {@code Content-Length}, any other publisher chunked unless a {@code Content-Length} header is
 * set. The response body streams, demand-driven: without demand, reading the socket pauses. A
 * body that is not read is drained by {@code WebClient} (its {@code releaseBody}) and the
 * connection goes back to the pool.
 */
public final class MongooseClientHttpConnector implements ClientHttpConnector {

	private final HttpClient client;

	private final DataBufferFactory bufferFactory;

	/** A connector over {@link HttpClient#create()} (the shared default loops). */
	public MongooseClientHttpConnector() {
		this(HttpClient.create());
	}

	/** A connector over {@code client}, with its base URL ignored (WebClient gives absolute URIs). */
	public MongooseClientHttpConnector(HttpClient client) {
		this(client, DefaultDataBufferFactory.sharedInstance);
	}

	/** A connector over {@code client} whose response bodies are wrapped by {@code bufferFactory}. */
	public MongooseClientHttpConnector(HttpClient client, DataBufferFactory bufferFactory) {
		this.client = Objects.requireNonNull(client, "client");
		this.bufferFactory = Objects.requireNonNull(bufferFactory, "bufferFactory");
	}

	@Override
	public Mono<ClientHttpResponse> connect(HttpMethod method, URI uri,
			Function<? super ClientHttpRequest, Mono<Void>> requestCallback) {
		return Mono.defer(() -> {
			MongooseClientHttpRequest request = new MongooseClientHttpRequest(method, uri, this.client,
					this.bufferFactory);
			return requestCallback.apply(request).then(Mono.defer(() -> exchange(request)));
		});
	}

	/** Sends the committed {@code request}; the response once its head arrived. */
	private Mono<ClientHttpResponse> exchange(MongooseClientHttpRequest request) {
		return Mono.create(sink -> {
			AtomicBoolean emitted = new AtomicBoolean();
			Disposable exchange = request.sender().response((head, content) -> {
				// the exchange lasts until the application has consumed or released the body
				Sinks.Empty<Void> done = Sinks.empty();
				Flux<DataBuffer> body = content.map(this.bufferFactory::wrap)
					.doFinally(s -> done.tryEmitEmpty());
				emitted.set(true);
				sink.success(new MongooseClientHttpResponse(head, body));
				return done.asMono();
			}).subscribe(null, e -> {
				if (!emitted.get()) {
					sink.error(e);
				}
				// after the head, a failure reaches the application through the body
			});
			sink.onCancel(() -> {
				if (!emitted.get()) {
					exchange.dispose();
				}
			});
		});
	}

	@Override
	public String toString() {
		return "MongooseClientHttpConnector[" + this.client + "]";
	}
}
