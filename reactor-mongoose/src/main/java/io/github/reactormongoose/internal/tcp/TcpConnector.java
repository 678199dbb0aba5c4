/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tcp;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.Kind;
import io.github.reactormongoose.internal.loop.StreamHandler;
import reactor.core.publisher.MonoSink;

/** Opens an outbound TCP connection and completes a sink once it is established. Poll thread. */
public final class TcpConnector implements StreamHandler {

	private final String url;
	private final MonoSink<Connection> sink;
	private TcpConnection connection;
	private boolean done;

	private TcpConnector(String url, MonoSink<Connection> sink) {
		this.url = url;
		this.sink = sink;
	}

	/**
	 * Connects to {@code url} (an IP literal); must run on {@code loop}'s poll thread.
	 * Cancelling the sink before the connection is established closes it.
	 */
	public static void connect(EventLoop loop, String url, MonoSink<Connection> sink) {
		TcpConnector pending = new TcpConnector(url, sink);
		Channel c;
		try {
			c = loop.connect(url, Kind.TCP, pending);
		}
		catch (RuntimeException e) {
			sink.error(e);
			return;
		}
		pending.connection = new TcpConnection(c, null, null);
		sink.onCancel(() -> loop.executeOrRun(() -> {
			if (!pending.done) {
				pending.done = true;
				c.close();
			}
		}));
	}

	@Override
	public void onConnect(InetSocketAddress local, InetSocketAddress remote) {
		if (done) {
			return;
		}
		done = true;
		connection.onConnect(local, remote);
		connection.channel().handler(connection);
		sink.success(connection);
	}

	@Override
	public void onRead(ByteBuffer buf, int offset, int length) {
		connection.onRead(buf, offset, length); // cannot happen before CONNECT; kept for safety
	}

	@Override
	public void onError(String message) {
		if (done) {
			return;
		}
		done = true;
		MongooseException e = new MongooseException("connect to " + url + " failed: " + message);
		e.initCause(new ConnectException("cannot connect to " + url + ": " + message));
		sink.error(e);
	}

	@Override
	public void onClosed() {
		if (done) {
			return;
		}
		done = true;
		sink.error(new ConnectionClosedException("connect to " + url + " failed: connection closed"));
	}
}
