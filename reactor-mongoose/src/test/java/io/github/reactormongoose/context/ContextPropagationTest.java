/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.context;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.micrometer.context.ContextRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * Reactor's automatic context propagation (what Spring Boot turns on with
 * {@code spring.reactor.context-propagation=auto}, and Micrometer Tracing relies on for the trace
 * id in logs): a ThreadLocal registered with Micrometer's {@code ContextRegistry} is restored
 * from the subscriber's Reactor {@code Context} when signals come from a poll thread: request
 * bodies on the server, responses and response bodies on the client. And it does not stay
 * behind on the poll thread for the next exchange.
 */
class ContextPropagationTest extends BaseHttpTest {

	static final String KEY = "rmg.trace";
	static final ThreadLocal<String> TRACE = new ThreadLocal<>();

	@BeforeAll
	static void enable() {
		ContextRegistry.getInstance().registerThreadLocalAccessor(KEY, TRACE::get, TRACE::set, TRACE::remove);
		Hooks.enableAutomaticContextPropagation();
	}

	@AfterAll
	static void disable() {
		Hooks.disableAutomaticContextPropagation();
		ContextRegistry.getInstance().removeThreadLocalAccessor(KEY);
	}

	/** The ThreadLocal's value and the kind of thread: {@code trace@mongoose}. */
	private static String here() {
		return TRACE.get() + "@" + Thread.currentThread().getName().replaceAll("-\\d+$", "");
	}

	@Test
	void threadLocalsFollowTheReactorContextOntoThePollThreads() {
		List<String> server = new CopyOnWriteArrayList<>();
		DisposableServer s = bind(HttpServer.create().host("127.0.0.1").port(0).route(r -> r
			.post("/echo", (req, res) -> res.send(req.receive().doOnNext(b -> server.add(here())))
				.then()
				.doOnSuccess(v -> server.add(here()))
				.contextWrite(Context.of(KEY, "server-trace")))
			.get("/peek", (req, res) -> res.sendString(Mono.fromSupplier(ContextPropagationTest::here)))));
		HttpClient c = HttpClient.create().runOn(newLoop("client")).baseUrl("http://127.0.0.1:" + s.port());
		List<String> client = new CopyOnWriteArrayList<>();

		// a streamed upload: the server's body chunks and completion see the handler's context
		Integer echoed = c.post().uri("/echo").send(Flux.range(0, 4).map(i -> ByteBuffer.wrap(new byte[20_000])))
			.responseSingle((res, body) -> {
				client.add(here());
				return body.map(b -> b.length);
			})
			.doOnNext(n -> client.add(here()))
			.contextWrite(Context.of(KEY, "trace-1"))
			.block(TIMEOUT);
		assertThat(echoed).isEqualTo(80_000);
		assertThat(server).hasSizeGreaterThanOrEqualTo(2).containsOnly("server-trace@mongoose");
		assertThat(client).containsExactly("trace-1@client", "trace-1@client");

		// a streamed response body, another trace
		client.clear();
		c.post().uri("/echo").send(Mono.just(ByteBuffer.wrap(new byte[100_000]))).responseContent()
			.doOnNext(b -> client.add(here()))
			.then()
			.contextWrite(Context.of(KEY, "trace-2"))
			.block(TIMEOUT);
		assertThat(client).isNotEmpty().containsOnly("trace-2@client");

		// nothing stays behind on the poll threads: an exchange without a context sees none
		assertThat(c.get().uri("/peek").responseSingle((res, b) -> b.map(String::new).doOnNext(x -> client.add(here())))
			.block(TIMEOUT)).isEqualTo("null@mongoose");
		assertThat(client).last().isEqualTo("null@client");
	}
}
