/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.jni.NativeConstants;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;

/**
 * A server's listener on one loop and the connections it accepted, with graceful disposal:
 * stop accepting, let each connection end on its own (or close it when idle), close the rest
 * at the timeout, then report stopped. Shared by the HTTP and TCP servers. Poll-thread state
 * unless noted.
 *
 * @param <C> the server's connection type
 */
public final class ServerConnections<C> {

	private final EventLoop el;
	private final Consumer<C> onDisposeStart;
	private final Consumer<C> forceClose;
	private final Set<C> connections = new LinkedHashSet<>();
	private final Sinks.Empty<Void> stopped = Sinks.empty();
	private @Nullable Channel listener;
	private @Nullable Disposable shutdownHook;
	private @Nullable Disposable forceTimer;
	private long forceDeadline;
	private volatile boolean disposing;
	private boolean listenerClosed;

	/**
	 * @param onDisposeStart what disposal does to each open connection at first (close it if
	 *     idle, say goodbye...); may do nothing
	 * @param forceClose closes a connection still open at the timeout
	 */
	public ServerConnections(EventLoop el, Consumer<C> onDisposeStart, Consumer<C> forceClose) {
		this.el = el;
		this.onDisposeStart = onDisposeStart;
		this.forceClose = forceClose;
	}

	/**
	 * Any thread: listens on {@code scheme://host:port} on the loop, with TLS if {@code tls} is
	 * given, lets {@code configure} set the listening channel up (poll thread), and completes
	 * {@code bound} with the bound address or the error ({@code AddressInUseException}...).
	 */
	public void open(String scheme, InetAddress host, int port, Kind kind, ListenLimits limits, ListenerHandler handler,
			PortSharing sharing, @Nullable TlsContext tls, Consumer<Channel> configure, MonoSink<InetSocketAddress> bound) {
		el.executeOrRun(() -> {
			if (disposing) {
				// disposed before it listened: a cancelled bind's undo took the listener from the
				// server's list and queued its disposal ahead of this open; listening now would
				// leave a listener nobody closes and a disposal that never ends (the server's own
				// loops, disposed after it, then stayed up)
				bindFailed();
				bound.error(new IllegalStateException("the server was disposed before it listened on " + host.getHostAddress()
						+ ":" + port));
				return;
			}
			try {
				Channel c = el.listen(Addresses.url(scheme, host, port), kind, limits, handler, sharing);
				if (tls != null) {
					int rc = c.secure(tls, true);
					if (rc < 0) {
						c.close();
						throw Errors.toException(rc, "TLS on " + c.address(true));
					}
				}
				configure.accept(c);
				listening(c);
				bound.success(c.address(true));
			}
			catch (RuntimeException e) {
				bindFailed();
				bound.error(e);
			}
		});
	}

	/**
	 * Any thread: the connections the listener accepts from now on start TLS with {@code tls}
	 * (the listener takes its own reference; connections accepted before keep theirs), and
	 * {@code updated} runs on the poll thread right after. Completes then, or fails with an
	 * {@code IllegalStateException} when the listener has stopped listening (the server is
	 * disposed). The swap is queued when this is subscribed, and runs whatever becomes of the
	 * subscriber (queued tasks always run), so the caller may release its reference to
	 * {@code tls} once this has terminated.
	 */
	public Mono<Void> updateTls(TlsContext tls, Runnable updated) {
		return Mono.create(sink -> el.executeOrRun(() -> {
			Channel l = listener;
			int rc = l == null || disposing ? (int) NativeConstants.ERR_NO_CONN : l.updateTls(tls);
			if (rc == NativeConstants.ERR_NO_CONN) {
				sink.error(new IllegalStateException("the server is disposed: its TLS material was not updated"));
			}
			else if (rc < 0) {
				sink.error(Errors.toException(rc, "TLS update on " + l));
			}
			else {
				updated.run();
				sink.success();
			}
		}));
	}

	/** The listener is bound: disposal of its loop disposes the server too. */
	private void listening(Channel listener) {
		this.listener = listener;
		this.shutdownHook = el.onShutdown(() -> beginDispose(Duration.ofDays(1)));
	}

	/** The listener could not bind: nothing to wait for. */
	private void bindFailed() {
		disposing = true;
		listenerClosed = true;
		stopped.tryEmitEmpty();
	}

	/** Any thread: whether disposal started. */
	public boolean isDisposing() {
		return disposing;
	}

	/** Tracks an accepted connection; {@code false} (not tracked) once disposal started. */
	public boolean add(C c) {
		if (disposing) {
			return false;
		}
		connections.add(c);
		return true;
	}

	/** A connection closed. */
	public void removed(C c) {
		connections.remove(c);
		checkStopped();
	}

	/** The listener's CLOSE event. */
	public void listenerClosed() {
		listenerClosed = true;
		checkStopped();
	}

	/** Any thread: starts disposal (a later, shorter timeout wins); completes when stopped. */
	public Mono<Void> disposeLater(Duration timeout) {
		Duration t = Checks.atMostForever(timeout);
		if (!el.isTerminated()) {
			el.executeOrRun(() -> beginDispose(t));
		}
		else {
			stopped.tryEmitEmpty();
		}
		return stopped.asMono();
	}

	/** Any thread: completes when the listener and every connection are closed. */
	public Mono<Void> onStopped() {
		return stopped.asMono();
	}

	private void beginDispose(Duration timeout) {
		if (disposing) {
			long deadline = System.nanoTime() + timeout.toNanos();
			if (forceTimer != null && deadline - forceDeadline < 0) {
				forceTimer.dispose();
				scheduleForce(timeout);
			}
			return;
		}
		disposing = true;
		if (listener != null) {
			listener.close();
		}
		for (C c : new ArrayList<>(connections)) {
			onDisposeStart.accept(c);
		}
		if (!connections.isEmpty()) {
			scheduleForce(timeout);
		}
		checkStopped();
	}

	private void scheduleForce(Duration timeout) {
		forceDeadline = System.nanoTime() + timeout.toNanos();
		forceTimer = el.schedule(timeout, () -> new ArrayList<>(connections).forEach(forceClose));
	}

	private void checkStopped() {
		if (disposing && listenerClosed && connections.isEmpty()) {
			if (forceTimer != null) {
				forceTimer.dispose();
			}
			if (shutdownHook != null) {
				shutdownHook.dispose(); // the loop may outlive this server
			}
			stopped.tryEmitEmpty();
		}
	}
}
