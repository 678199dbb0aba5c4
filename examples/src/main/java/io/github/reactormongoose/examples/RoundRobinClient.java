/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.http.client.HttpClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A client that spreads its calls over the instances of a service, without a load balancer in
 * between: {@link HttpClient#remoteAddress} is asked for the address of every request and
 * answers the next instance in turn, so relative URIs ({@code get().uri("/status")}) go to
 * each instance in order. Every instance has a pool of kept-alive connections of its own (the
 * client pools by host and port), so a call reuses the connection that the previous call to
 * the same instance opened.
 */
public final class RoundRobinClient {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final List<InetSocketAddress> instances;
	private final AtomicInteger next = new AtomicInteger();
	private final HttpClient client;

	/** A client for {@code instances} (at least one), in this order. */
	public RoundRobinClient(List<InetSocketAddress> instances) {
		if (instances.isEmpty()) {
			throw new IllegalArgumentException("no instances");
		}
		this.instances = List.copyOf(instances);
		this.client = HttpClient.create()
				.remoteAddress(this::nextInstance)
				.headers(h -> h.set("User-Agent", "reactor-mongoose-round-robin"))
				.responseTimeout(Duration.ofSeconds(5));
	}

	/** The instance of the next request. */
	private InetSocketAddress nextInstance() {
		return instances.get(Math.floorMod(next.getAndIncrement(), instances.size()));
	}

	/** GETs {@code path} from the next instance and returns {@code "<status> <body>"}. */
	public Mono<String> get(String path) {
		return client.get().uri(path)
				.responseSingle((res, body) -> body.map(b -> res.status() + " " + new String(b, UTF_8))
						.defaultIfEmpty(res.status() + " "));
	}

	/** {@code calls} GETs of {@code path}, one after another, so that each goes to the next instance. */
	public Flux<String> getEach(String path, int calls) {
		return Flux.range(0, calls).concatMap(i -> get(path));
	}

	/**
	 * Prints the answers to GETs spread over instances.
	 * @param args the path, the number of calls, then the instances as {@code host:port}
	 */
	public static void main(String[] args) {
		if (args.length < 3) {
			System.err.println("usage: RoundRobinClient PATH CALLS HOST:PORT [HOST:PORT...]");
			System.exit(2);
		}
		List<InetSocketAddress> instances = new ArrayList<>();
		for (int i = 2; i < args.length; i++) {
			int colon = args[i].lastIndexOf(':');
			instances.add(InetSocketAddress.createUnresolved(args[i].substring(0, colon),
					Integer.parseInt(args[i].substring(colon + 1))));
		}
		new RoundRobinClient(instances).getEach(args[0], Integer.parseInt(args[1]))
				.doOnNext(System.out::println).blockLast(TIMEOUT.multipliedBy(Integer.parseInt(args[1])));
	}
}
