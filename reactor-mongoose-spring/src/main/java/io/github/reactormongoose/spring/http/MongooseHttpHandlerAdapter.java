/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.net.URISyntaxException;
import java.util.Objects;
import java.util.function.BiFunction;

import io.github.reactormongoose.http.server.HttpServerRequest;
import io.github.reactormongoose.http.server.HttpServerResponse;
import org.apache.commons.logging.Log;
import org.reactivestreams.Publisher;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpLogging;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.HttpHeadResponseDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.adapter.HttpWebHandlerAdapter;

/**
 * Adapts a Spring {@link HttpHandler} to the reactor-mongoose server handler, the same way
 * Spring's {@code ReactorHttpHandlerAdapter} adapts it to Reactor Netty:
 * <pre>{@code
 * HttpHandler handler = WebHttpHandlerBuilder.applicationContext(context).build();
 * // or RouterFunctions.toHttpHandler(routes)
 * DisposableServer server = HttpServer.create()
 *     .host("0.0.0.0").port(8080)
 *     .handle(new MongooseHttpHandlerAdapter(handler))
 *     .bindNow();
 * }</pre>
 * Error policy (the library's): an error before the response is committed becomes a 500; an
 * error after the status line was written closes the connection. A request target that is
 * not a valid URI gets 400 without reaching the handler.
 */
public class MongooseHttpHandlerAdapter
		implements BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> {

	private static final Log logger = HttpLogging.forLogName(MongooseHttpHandlerAdapter.class);

	private final HttpHandler httpHandler;

	private final DataBufferFactory bufferFactory;

	/**
	 * Whether the handler ends every successful exchange with {@code setComplete()} itself, as
	 * Spring's {@link HttpWebHandlerAdapter} does (the handler of every WebFlux application): then
	 * this adapter does not add a second one.
	 */
	private final boolean completesResponse;

	public MongooseHttpHandlerAdapter(HttpHandler httpHandler) {
		this(httpHandler, DefaultDataBufferFactory.sharedInstance);
	}

	/**
	 * @param bufferFactory the factory of response (and wrapped request) buffers; the default is
	 * {@link DefaultDataBufferFactory#sharedInstance} (heap buffers, no reference counting)
	 */
	public MongooseHttpHandlerAdapter(HttpHandler httpHandler, DataBufferFactory bufferFactory) {
		this.httpHandler = Objects.requireNonNull(httpHandler, "httpHandler");
		this.bufferFactory = Objects.requireNonNull(bufferFactory, "bufferFactory");
		this.completesResponse = httpHandler instanceof HttpWebHandlerAdapter;
	}

	public HttpHandler getHttpHandler() {
		return this.httpHandler;
	}

	@Override
	public Mono<Void> apply(HttpServerRequest nativeRequest, HttpServerResponse nativeResponse) {
		MongooseServerHttpRequest request;
		try {
			request = new MongooseServerHttpRequest(nativeRequest, this.bufferFactory);
		}
		catch (URISyntaxException | IllegalArgumentException ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Failed to get request URI: " + ex.getMessage());
			}
			nativeResponse.status(400);
			return Mono.empty();
		}
		MongooseServerHttpResponse mongooseResponse = new MongooseServerHttpResponse(nativeResponse, this.bufferFactory);
		ServerHttpResponse finalResponse = request.getMethod() == HttpMethod.HEAD
				? new HttpHeadResponseDecorator(mongooseResponse) : mongooseResponse;
		Mono<Void> handled;
		try {
			handled = this.httpHandler.handle(request, finalResponse);
		}
		catch (Throwable ex) {
			Exceptions.throwIfFatal(ex); // as Mono.defer would
			handled = Mono.error(ex);
		}
		if (!this.completesResponse) {
			// a handler that wrote nothing (or a HEAD decorator that swallowed the body)
			// still has to hand its status and headers to the native response
			handled = handled.then(Mono.defer(finalResponse::setComplete));
		}
		Mono<Void> result = handled.onErrorResume(ex -> {
			if (logger.isTraceEnabled()) {
				logger.trace("[" + request.getId() + "] Failed to complete: " + ex.getMessage());
			}
			if (!nativeResponse.hasSentHeaders()) {
				// the library answers 500 with its own body: drop a length meant for ours,
				// and every header of a response Spring never committed
				try {
					mongooseResponse.discardUncommittedHeaders();
					nativeResponse.responseHeaders().remove("Content-Length");
				}
				catch (RuntimeException ignored) {
					// best effort
				}
			}
			return Mono.error(ex);
		});
		return logger.isTraceEnabled()
				? result.doOnSuccess(v -> logger.trace("[" + request.getId() + "] Handling completed"))
				: result;
	}
}
