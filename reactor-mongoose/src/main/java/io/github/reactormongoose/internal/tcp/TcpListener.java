/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tcp;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import io.github.reactormongoose.ConnectionEvent;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.ChannelHandler;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.InboundQueue;
import io.github.reactormongoose.internal.loop.Kind;
import io.github.reactormongoose.internal.loop.ListenLimits;
import io.github.reactormongoose.internal.loop.ListenerHandler;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * A TCP listener whose every connection reports to one event stream (BOUND, then ACCEPT,
 * READ, WRITE, HALF_CLOSE, ERROR and CLOSE of each connection). While the subscriber has no demand the
 * events queue up to a small limit, then every connection stops reading. Poll-thread state.
 */
public final class TcpListener implements ListenerHandler {

	private final EventLoop loop;
	private final String url;
	/** A peer's FIN is a HALF_CLOSE event and the connection stays open, instead of closing it. */
	private final boolean halfClose;
	private final Map<Long, TcpConnection> children = new LinkedHashMap<>();
	private final InboundQueue<ConnectionEvent> events;
	private @Nullable Channel channel;
	private @Nullable Disposable shutdownHook;
	private boolean closed;
	/** The events wait for demand: every connection's reading is paused, also one accepted now. */
	private boolean paused;

	private TcpListener(EventLoop loop, String url, boolean halfClose) {
		this.loop = loop;
		this.url = url;
		this.halfClose = halfClose;
		this.events = new InboundQueue<>(loop, 256, 64, this::pauseAll, this::resumeAll, this::closeAll, e -> {
		});
	}

	/**
	 * Binds {@code url} (an IP literal) on the poll thread; the events of the listener. With
	 * {@code halfClose}, a peer's FIN is a HALF_CLOSE event and the connection stays open for
	 * output until the subscriber drains or closes it; else the FIN closes it.
	 */
	public static Flux<ConnectionEvent> listen(EventLoop loop, String url, boolean halfClose) {
		TcpListener l = new TcpListener(loop, url, halfClose);
		loop.executeOrRun(l::bind);
		return l.events;
	}

	private void bind() {
		Channel c;
		try {
			c = loop.listen(url, Kind.TCP, ListenLimits.NONE, this);
		}
		catch (RuntimeException e) {
			events.fail(e);
			return;
		}
		channel = c;
		TcpConnection self = new TcpConnection(c, c.address(true), null);
		events.offer(new ConnectionEvent(ConnectionEvent.Type.BOUND, self, ByteBuffer.allocate(0), null));
		shutdownHook = loop.onShutdown(this::closeListener);
	}

	private void closeListener() {
		if (channel != null) {
			channel.close();
		}
	}

	private void pauseAll() {
		paused = true;
		children.values().forEach(c -> c.channel().pauseReading());
	}

	private void resumeAll() {
		paused = false;
		children.values().forEach(c -> c.channel().resumeReading());
	}

	private void closeAll() {
		closeListener();
		children.values().forEach(c -> c.channel().close());
	}

	@Override
	public @Nullable ChannelHandler onAccept(Channel child, InetSocketAddress local, InetSocketAddress remote) {
		if (closed) {
			return null;
		}
		TcpConnection c = new TcpConnection(child, local, remote);
		long id = child.id();
		c.events = e -> {
			if (e.type() == ConnectionEvent.Type.CLOSE) {
				children.remove(id);
			}
			events.offer(e);
		};
		children.put(id, c);
		if (halfClose) {
			child.halfClose(); // a peer's FIN is a HALF_CLOSE event; the subscriber closes the connection
		}
		if (paused) {
			child.pauseReading(); // else it would read on into the full queue, without bound
		}
		events.offer(new ConnectionEvent(ConnectionEvent.Type.ACCEPT, c, ByteBuffer.allocate(0), null));
		return c;
	}

	@Override
	public void onClosed() {
		closed = true;
		if (shutdownHook != null) {
			shutdownHook.dispose(); // the loop may outlive this listener
		}
		if (children.isEmpty()) {
			events.complete();
			return;
		}
		// complete after the last child closed
		for (TcpConnection c : children.values()) {
			Consumer<ConnectionEvent> prev = c.events;
			c.events = e -> {
				prev.accept(e);
				if (e.type() == ConnectionEvent.Type.CLOSE && children.isEmpty()) {
					events.complete();
				}
			};
		}
	}
}
