/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.AddressInUseException;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.spring.http.MongooseHttpHandlerAdapter;
import io.github.reactormongoose.tls.TlsSpec;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.web.server.GracefulShutdownCallback;
import org.springframework.boot.web.server.GracefulShutdownResult;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.WebServerException;

/**
 * A Spring Boot {@link WebServer} running a reactor-mongoose {@link HttpServer}. Created
 * paused by {@link MongooseReactiveWebServerFactory}: nothing listens before {@link #start()}.
 * <p>
 * The server runs on its own {@link MongooseLoops} (daemon poll threads, one
 * {@link MongooseLoop} each, all accepting on the server's port); a non-daemon "server"
 * thread waits for the loops to end so that the JVM stays alive while serving, like
 * Spring Boot's Netty server does. Graceful shutdown stops accepting, closes idle keep-alive
 * connections at once, lets in-flight exchanges finish (WebSocket sessions get close 1001)
 * and reports {@link GracefulShutdownResult#IDLE}; {@link #stop()} aborts a graceful shutdown
 * still in progress (reporting {@link GracefulShutdownResult#REQUESTS_ACTIVE}) and closes
 * every connection.
 */
public class MongooseWebServer implements WebServer {

	private static final Log logger = LogFactory.getLog(MongooseWebServer.class);

	private static final AtomicInteger COUNTER = new AtomicInteger();

	/** The graceful phase itself is unbounded: Spring Boot's lifecycle timeout ends it by calling stop(). */
	private static final Duration GRACEFUL_TIMEOUT = Duration.ofDays(365);

	private static final Duration DEFAULT_BIND_TIMEOUT = Duration.ofSeconds(45);

	/** What {@link #start()} binds; {@link #updateTls} replaces its TLS spec. */
	private volatile HttpServer httpServer;

	private final MongooseHttpHandlerAdapter handler;

	private final @Nullable Duration lifecycleTimeout;

	private final boolean graceful;

	private final Object monitor = new Object();

	private volatile @Nullable DisposableServer disposableServer;

	private final int loopCount;

	private volatile @Nullable MongooseLoops loops;

	private volatile @Nullable Thread shutdownThread;

	/**
	 * @param httpServer the configured server (host, port, limits); the handler is set here
	 * @param loops how many poll loops (threads) serve, each accepting on the port
	 * @param lifecycleTimeout how long to wait for the bind and for the close ({@code null}: 45 s / 5 s)
	 * @param shutdown {@link Shutdown#GRACEFUL} to let in-flight requests finish on shutdown
	 */
	public MongooseWebServer(HttpServer httpServer, MongooseHttpHandlerAdapter handler, int loops,
			@Nullable Duration lifecycleTimeout, @Nullable Shutdown shutdown) {
		this.httpServer = Objects.requireNonNull(httpServer, "httpServer");
		this.handler = Objects.requireNonNull(handler, "handler");
		this.loopCount = loops;
		this.lifecycleTimeout = lifecycleTimeout;
		this.graceful = (shutdown == Shutdown.GRACEFUL);
	}

	@Override
	public void start() throws WebServerException {
		synchronized (this.monitor) {
			if (this.disposableServer != null) {
				return;
			}
			MongooseLoops loops = MongooseLoops.create("mongoose-http-" + COUNTER.incrementAndGet(), this.loopCount,
					MongooseLoop.builder().daemon(true));
			DisposableServer server;
			try {
				server = this.httpServer.runOn(loops).handle(this.handler)
						.bindNow(this.lifecycleTimeout != null ? this.lifecycleTimeout : DEFAULT_BIND_TIMEOUT);
			}
			catch (Exception ex) {
				loops.dispose();
				if (isAddressInUse(ex)) {
					throw new PortInUseException(this.httpServer.port(), ex);
				}
				throw new WebServerException("Unable to start reactor-mongoose", ex);
			}
			this.loops = loops;
			this.disposableServer = server;
			logger.info("reactor-mongoose started on port " + server.port() + " ("
					+ (this.httpServer.configuration().tls() != null ? "https" : "http") + ") with " + loops.size()
					+ (loops.size() == 1 ? " loop" : " loops"));
			startAwaitThread(loops);
		}
	}

	private static boolean isAddressInUse(Throwable ex) {
		for (Throwable t = ex; t != null; t = t.getCause()) {
			if (t instanceof AddressInUseException) {
				return true;
			}
		}
		return false;
	}

	private void startAwaitThread(MongooseLoops loops) {
		Thread awaitThread = new Thread("server") {
			@Override
			public void run() {
				try {
					loops.onDispose().block();
				}
				catch (RuntimeException ex) {
					// interrupted or the loop failed: nothing left to keep alive
				}
			}
		};
		awaitThread.setContextClassLoader(getClass().getClassLoader());
		awaitThread.setDaemon(false);
		awaitThread.start();
	}

	@Override
	public void shutDownGracefully(GracefulShutdownCallback callback) {
		if (!this.graceful) {
			callback.shutdownComplete(GracefulShutdownResult.IMMEDIATE);
			return;
		}
		DisposableServer server = this.disposableServer;
		if (server == null) {
			callback.shutdownComplete(GracefulShutdownResult.IDLE);
			return;
		}
		logger.info("Commencing graceful shutdown. Waiting for active requests to complete");
		Thread thread = new Thread(() -> {
			try {
				server.disposeLater(GRACEFUL_TIMEOUT).block();
				logger.info("Graceful shutdown complete");
				callback.shutdownComplete(GracefulShutdownResult.IDLE);
			}
			catch (Exception ex) {
				logger.info("Graceful shutdown aborted with one or more requests still active");
				callback.shutdownComplete(GracefulShutdownResult.REQUESTS_ACTIVE);
			}
			finally {
				this.shutdownThread = null;
			}
		}, "mongoose-shutdown");
		this.shutdownThread = thread;
		thread.start();
	}

	@Override
	public void stop() throws WebServerException {
		synchronized (this.monitor) {
			Thread graceful = this.shutdownThread;
			if (graceful != null) {
				graceful.interrupt();
			}
			DisposableServer server = this.disposableServer;
			MongooseLoops loops = this.loops;
			this.disposableServer = null;
			this.loops = null;
			if (server == null || loops == null) {
				return;
			}
			// closes the listener and every connection now (a graceful dispose already in
			// progress is overridden by the loop's zero deadline)
			server.dispose();
			try {
				loops.disposeNow(Duration.ZERO);
			}
			catch (IllegalStateException ex) {
				logger.warn("reactor-mongoose did not stop cleanly: " + ex.getMessage());
			}
			if (graceful != null) {
				try {
					graceful.join((this.lifecycleTimeout != null ? this.lifecycleTimeout : Duration.ofSeconds(5)).toMillis());
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		}
	}

	/**
	 * Serves {@code spec} from now on: a running server's new connections handshake with it,
	 * on every loop, while open ones keep theirs ({@link DisposableServer#updateTls}), and a
	 * later {@link #start()} binds with it. The factory calls this when the server's SSL bundle
	 * is updated ({@code reload-on-update}).
	 * @throws IllegalArgumentException if Mongoose's built-in TLS cannot use {@code spec}: the
	 *     server keeps serving what it had
	 */
	public void updateTls(TlsSpec spec) {
		synchronized (this.monitor) {
			HttpServer next = this.httpServer.secure(spec); // checks it first
			DisposableServer server = this.disposableServer;
			if (server != null) {
				server.updateTls(spec).block(this.lifecycleTimeout != null ? this.lifecycleTimeout : DEFAULT_BIND_TIMEOUT);
			}
			this.httpServer = next;
		}
	}

	@Override
	public int getPort() {
		DisposableServer server = this.disposableServer;
		return (server != null) ? server.port() : -1;
	}

	/** The running server, or {@code null} when not started. */
	public @Nullable DisposableServer getDisposableServer() {
		return this.disposableServer;
	}
}
