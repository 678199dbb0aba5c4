/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http.client;

import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import javax.net.ssl.SSLException;

import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.http.client.HttpClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

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
 * set. Each hop of a 307 or 308 redirect the client follows sends the same body: the bytes of a
 * one-buffer body are kept for it, any other publisher is subscribed again (and streamed again,
 * not kept). The response body streams, demand-driven: without demand, reading the socket
 * pauses. A body that is not read is drained by {@code WebClient} (its {@code releaseBody}) and
 * the connection goes back to the pool.
 * <p>
 * The exchange runs in the Reactor context of the {@code WebClient} call, so the client's hooks
 * ({@link HttpClient#doOnRequest doOnRequest} and the others) see what the application put
 * there with {@code contextWrite}, and the request's attributes
 * ({@code WebClient...attribute(name, value)}) under {@link #ATTRIBUTES_KEY}: the way to set
 * something for one call, as with Reactor Netty's connector (which puts them on its channel).
 * For example a response timeout per call:
 * <pre>{@code
 * HttpClient client = HttpClient.create().doOnRequest(r -> r.currentContextView()
 *         .<Map<String, Object>>getOrEmpty(MongooseClientHttpConnector.ATTRIBUTES_KEY)
 *         .map(attributes -> attributes.get("timeout"))
 *         .ifPresent(t -> r.responseTimeout((Duration) t)));
 * web.get().uri("/report").attribute("timeout", Duration.ofSeconds(30)).retrieve()...
 * }</pre>
 */
public final class MongooseClientHttpConnector implements ClientHttpConnector {

	/**
	 * The Reactor context key of the request's attributes (a read-only {@code Map<String,
	 * Object>}: {@code ClientHttpRequest.getAttributes()} once the request is committed),
	 * present when the request has any.
	 */
	public static final String ATTRIBUTES_KEY = MongooseClientHttpConnector.class.getName() + ".attributes";

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
					sink.error(handshakeFailure(e));
				}
				// after the head, a failure reaches the application through the body
			}, null, context(request, sink.contextView()));
			// Reactor runs this only when the sink did not deliver the response: cancelled before
			// the head, or as it came (after emitted was set, the response dropped unseen), when
			// nobody will read the body: the exchange ends either way
			sink.onCancel(exchange::dispose);
		});
	}

	/**
	 * A failed TLS handshake as Reactor Netty's and the JDK's connectors report it, the
	 * {@link SSLException} itself (so that {@code WebClientRequestException.getCause()} is that),
	 * where the client wraps it in a {@link MongooseException} saying which connection failed
	 * (the {@code WebClientRequestException} gives the URI); any other failure as it is.
	 */
	private static Throwable handshakeFailure(Throwable e) {
		return e instanceof MongooseException && e.getCause() instanceof SSLException ssl ? ssl : e;
	}

	/** The caller's context, with the request's attributes under {@link #ATTRIBUTES_KEY} if it has any. */
	private static Context context(ClientHttpRequest request, ContextView caller) {
		Context context = Context.of(caller);
		Map<String, Object> attributes = request.getAttributes();
		// once the request is committed, Spring's view of them is read-only
		return attributes.isEmpty() ? context : context.put(ATTRIBUTES_KEY, attributes);
	}

	@Override
	public String toString() {
		return "MongooseClientHttpConnector[" + this.client + "]";
	}
}
