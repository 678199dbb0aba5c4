/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;

/**
 * Shared base of the integration tests: tracks the servers, loops and subscriptions a test
 * creates and disposes them after each test. After each test class,
 * {@link io.github.reactormongoose.testing.NativeLeakCheck} (enabled for every test class of
 * the module by {@code junit-platform.properties}) asserts that no native manager and no
 * native allocation of the glue is left.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class BaseHttpTest {

	/** Bound of every blocking wait and StepVerifier in the suite. */
	protected static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final List<Disposable> subscriptions = new CopyOnWriteArrayList<>();
	private final List<DisposableServer> servers = new CopyOnWriteArrayList<>();
	private final List<MongooseLoop> loops = new CopyOnWriteArrayList<>();

	/** Binds {@code server} and tracks it for disposal. */
	protected DisposableServer bind(HttpServer server) {
		DisposableServer s = server.bindNow(TIMEOUT);
		servers.add(s);
		return s;
	}

	/** Tracks a server bound elsewhere. */
	protected DisposableServer track(DisposableServer server) {
		servers.add(server);
		return server;
	}

	/** Starts a loop tracked for disposal. */
	protected MongooseLoop newLoop() {
		MongooseLoop loop = MongooseLoop.create();
		loops.add(loop);
		return loop;
	}

	/** Tracks a loop built elsewhere (e.g. with {@link MongooseLoop#builder()}). */
	protected MongooseLoop track(MongooseLoop loop) {
		loops.add(loop);
		return loop;
	}

	protected MongooseLoop newLoop(String name) {
		MongooseLoop loop = MongooseLoop.create(name);
		loops.add(loop);
		return loop;
	}

	/** Tracks a subscription, disposed before the servers and loops. */
	protected <T extends Disposable> T track(T subscription) {
		subscriptions.add(subscription);
		return subscription;
	}

	@AfterEach
	void disposeTrackedResources() {
		List<Throwable> failures = new ArrayList<>();
		for (Disposable d : subscriptions) {
			try {
				d.dispose();
			}
			catch (Throwable t) {
				failures.add(t);
			}
		}
		List<DisposableServer> s = new ArrayList<>(servers);
		Collections.reverse(s);
		for (DisposableServer server : s) {
			try {
				server.disposeNow();
			}
			catch (Throwable t) {
				failures.add(t);
			}
		}
		List<MongooseLoop> l = new ArrayList<>(loops);
		Collections.reverse(l);
		for (MongooseLoop loop : l) {
			try {
				loop.disposeNow();
			}
			catch (Throwable t) {
				failures.add(t);
			}
		}
		subscriptions.clear();
		servers.clear();
		loops.clear();
		if (!failures.isEmpty()) {
			AssertionError e = new AssertionError("disposal failed: " + failures.get(0), failures.get(0));
			failures.stream().skip(1).forEach(e::addSuppressed);
			throw e;
		}
	}

	// ---- peers ----

	/** A JDK client forced to HTTP/1.1. */
	protected static HttpClient jdkClient() {
		return HttpClient.newBuilder()
				.version(HttpClient.Version.HTTP_1_1)
				.connectTimeout(Duration.ofSeconds(5))
				.build();
	}

	protected static URI uri(DisposableServer server, String pathAndQuery) {
		return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
	}

	protected static HttpRequest.Builder request(DisposableServer server, String pathAndQuery) {
		return HttpRequest.newBuilder(uri(server, pathAndQuery)).timeout(TIMEOUT);
	}

	protected static HttpResponse<String> get(HttpClient client, DisposableServer server, String pathAndQuery)
			throws IOException, InterruptedException {
		return client.send(request(server, pathAndQuery).GET().build(),
				HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
	}

	protected static HttpResponse<String> get(DisposableServer server, String pathAndQuery)
			throws IOException, InterruptedException {
		return get(jdkClient(), server, pathAndQuery);
	}
}
