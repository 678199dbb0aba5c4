/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.internal.loop.BoundServer;
import io.github.reactormongoose.internal.metrics.HttpServerMetrics;
import io.github.reactormongoose.internal.tls.TlsAccess;
import io.github.reactormongoose.tls.TlsSpec;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Binds an {@link HttpServer}: a {@link BoundServer} with one {@link HttpListener} per loop the
 * server runs on, all on the same address.
 */
final class BoundHttpServer {

	static final Logger log = Loggers.getLogger(HttpServer.class);

	private BoundHttpServer() {
	}

	static Mono<DisposableServer> bind(HttpServerConfig config) {
		HttpServerMetrics metrics = config.metricsEnabled() ? HttpServerMetrics.micrometer(config.uriTagValue())
				: HttpServerMetrics.NONE;
		TlsSpec tls = config.tls();
		// maxConnections counts over all the server's loops
		AtomicInteger open = config.maxConnections() > 0 ? new AtomicInteger() : null;
		// cancelled after the server was made (doOnBound holding it, say): disposed, not dropped
		return BoundServer.disposeIfDropped(BoundServer.bind(config.loopChoice(), "mongoose-http", config.host(),
						config.port(), tls != null ? TlsAccess.serverContexts(tls) : null,
						el -> new HttpListener(config, metrics, el, open))
				.<DisposableServer>flatMap(s -> {
					metrics.bound(s.address().getAddress().getHostAddress() + ":" + s.port(), s.loops());
					Consumer<? super DisposableServer> unbound = config.doOnUnbound();
					// before onDispose() and disposeNow() complete: a shutdown hook's disposeNow
					// returned, and the JVM halted, before doOnUnbound had run
					s.whenUnbound(error -> {
						metrics.unbound();
						if (unbound != null && error == null) {
							try {
								unbound.accept(s);
							}
							catch (RuntimeException e) {
								log.error("doOnUnbound failed for " + s, e);
							}
						}
					});
					Consumer<? super DisposableServer> bound = config.doOnBound();
					if (bound != null) {
						try {
							bound.accept(s);
						}
						catch (Throwable e) {
							// a JVM error too (rethrown to the poll thread, it was lost there); deferred:
							// then(Mono.error(e)) would call it and so rethrow a JVM error again
							return s.disposeLater(Duration.ZERO).then(Mono.defer(() -> Mono.error(e)));
						}
					}
					return Mono.just(s);
				}));
	}
}
