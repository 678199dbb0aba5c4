/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.sntp;

import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.time.Duration;
import java.time.Instant;

import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.ConnectionError;
import io.github.reactormongoose.internal.loop.DatagramHandler;
import io.github.reactormongoose.internal.loop.EventLoop;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.MonoSink;

/** One SNTP request on a socket of its own; poll thread. */
final class SntpExchange implements DatagramHandler {

	private final MonoSink<SntpTime> sink;
	private final InetSocketAddress server;
	private final Duration timeout;
	private @Nullable Channel channel;
	private @Nullable Disposable timer;
	private @Nullable Disposable shutdownHook;
	/** The loop's disposal closed the socket. */
	private boolean interrupted;
	private long sentNanos;
	private @Nullable String error;
	private boolean done;

	private SntpExchange(MonoSink<SntpTime> sink, InetSocketAddress server, Duration timeout) {
		this.sink = sink;
		this.server = server;
		this.timeout = timeout;
	}

	static void start(EventLoop loop, InetSocketAddress server, Duration timeout, MonoSink<SntpTime> sink) {
		SntpExchange x = new SntpExchange(sink, server, timeout);
		Channel c;
		try {
			c = loop.openUdp(null, 0, server.getAddress().getAddress(), server.getPort(), 0, 0, true, x);
		}
		catch (RuntimeException e) { // EMFILE with many requests at once: this request's failure
			sink.error(new SntpException("SNTP request to " + server + " failed: no socket: " + e.getMessage(), e));
			return;
		}
		x.channel = c;
		// the loop's disposal closes the socket at once (it would wait for it) and the request says why
		x.shutdownHook = loop.onShutdown(() -> {
			if (!c.isClosed()) {
				x.interrupted = true;
				c.close();
			}
		});
		sink.onCancel(() -> loop.executeOrRun(() -> x.finish(null, null)));
		x.timer = loop.schedule(timeout, () -> x.finish(null, new SntpException("no SNTP answer from " + server
				+ " within " + timeout.toMillis() + " ms")));
		x.sentNanos = System.nanoTime();
		long r = c.sntpRequest();
		if (r < 0) {
			x.finish(null, Errors.toException(r, "send an SNTP request to " + server));
		}
	}

	@Override
	public void onSntpTime(long serverMillis, long localMillis) {
		Duration rtt = Duration.ofNanos(System.nanoTime() - sentNanos);
		finish(new SntpTime(Instant.ofEpochMilli(serverMillis), Duration.ofMillis(serverMillis - localMillis), rtt,
				server), null);
	}

	@Override
	public void onSntpRefused(String reason) {
		finish(null, new SntpException("SNTP answer from " + server + " refused: " + reason));
	}

	@Override
	public void onSocketError(int errno) {
		String text = NativeConstants.errnoMessage(errno);
		Throwable cause = errno == NativeConstants.ECONNREFUSED ? new PortUnreachableException(server + ": " + text) : null;
		SntpException e = cause != null ? new SntpException("SNTP server " + server + " unreachable: " + text, cause)
				: new SntpException("SNTP request to " + server + " failed: " + text + " (errno " + errno + ")");
		finish(null, e);
	}

	@Override
	public void onError(ConnectionError e) {
		error = e.describe(); // the CLOSE follows; a socket error with its errno may come first
	}

	@Override
	public void onClosed() {
		String e = error;
		finish(null, new SntpException(interrupted
				? "SNTP request to " + server + " interrupted: its loop was disposed before the answer"
				: e != null ? "SNTP request to " + server + " failed: " + e
						: "SNTP socket to " + server + " closed before an answer"));
	}

	private void finish(@Nullable SntpTime time, @Nullable Throwable error) {
		if (done) {
			return;
		}
		done = true;
		Disposable t = timer;
		if (t != null) {
			t.dispose();
		}
		Disposable h = shutdownHook;
		if (h != null) {
			h.dispose();
		}
		Channel c = channel;
		if (c != null && !c.isClosed()) {
			c.close();
		}
		if (time != null) {
			sink.success(time);
		}
		else if (error != null) {
			sink.error(error);
		}
	}
}
