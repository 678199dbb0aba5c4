/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.util.concurrent.atomic.AtomicInteger;

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
				.flatMap(s -> {
					metrics.bound(s.address().getAddress().getHostAddress() + ":" + s.port(), s.loops());
					return s.announce(config.doOnBound(), config.doOnUnbound(), error -> metrics.unbound(), log);
				}));
	}
}
