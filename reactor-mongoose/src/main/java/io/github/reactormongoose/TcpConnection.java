/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

import io.github.reactormongoose.internal.loop.ChannelHandler;
import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.InboundQueue;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.WritableWaiters;
import io.github.reactormongoose.internal.loop.WriteSubscriber;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;

/** A raw TCP connection: listener, accepted or outbound. Poll-thread state only. */
final class TcpConnection implements Connection, ChannelHandler {

	private static final int RECEIVE_HIGH = 64;
	private static final int RECEIVE_LOW = 16;

	final EventLoop loop;
	final long id;
	private final Sinks.Empty<Void> closed = Sinks.empty();
	private final WritableWaiters writableWaiters = new WritableWaiters();
	private volatile InetSocketAddress local;
	private volatile InetSocketAddress remote;
	private volatile boolean active = true;
	private InboundQueue<ByteBuffer> inbound;
	/** Accepted connections report reads and closes to their listener's event stream. */
	Consumer<ConnectionEvent> events;

	TcpConnection(EventLoop loop, long id, InetSocketAddress local, InetSocketAddress remote) {
		this.loop = loop;
		this.id = id;
		this.local = local;
		this.remote = remote;
	}

	@Override
	public long id() {
		return id;
	}

	@Override
	public InetSocketAddress localAddress() {
		return local;
	}

	@Override
	public InetSocketAddress remoteAddress() {
		return remote;
	}

	void addresses(InetSocketAddress local, InetSocketAddress remote) {
		this.local = local;
		this.remote = remote;
	}

	@Override
	public Mono<Void> send(ByteBuffer data) {
		ByteBuffer copy = data.duplicate();
		return Mono.create(sink -> loop.executeOrRun(() -> write(copy, sink)));
	}

	@Override
	public Mono<Void> send(byte[] data) {
		return send(ByteBuffer.wrap(data));
	}

	private void write(ByteBuffer data, MonoSink<Void> sink) {
		long r = loop.send(id, data, 0);
		if (r < 0) {
			sink.error(Errors.toException(r, "send"));
		}
		else if (r > loop.highWater()) {
			awaitWritable(sink::success);
		}
		else {
			sink.success();
		}
	}

	@Override
	public Mono<Void> send(Publisher<? extends ByteBuffer> data) {
		return Mono.create(sink -> {
			WriteSubscriber<ByteBuffer> w = new WriteSubscriber<>(loop, new WriteSubscriber.Target<>() {
				@Override
				public long write(ByteBuffer item) {
					return loop.send(id, item, 0);
				}

				@Override
				public void awaitWritable(Runnable action) {
					TcpConnection.this.awaitWritable(action);
				}
			}, e -> {
				if (e == null) {
					sink.success();
				}
				else {
					sink.error(e);
				}
			}, sink.contextView() instanceof reactor.util.context.Context c ? c : reactor.util.context.Context.of(sink.contextView()));
			data.subscribe(w);
			onClose().subscribe(null, null, () -> loop.executeOrRun(
					() -> w.cancel(new ConnectionClosedException("Connection closed while sending"))));
		});
	}

	void awaitWritable(Runnable action) {
		if (!active) {
			action.run();
			return;
		}
		writableWaiters.await(loop, id, action);
	}

	@Override
	public void onWritable() {
		writableWaiters.fire();
	}

	@Override
	public Flux<ByteBuffer> receive() {
		return Flux.defer(() -> {
			InboundQueue<ByteBuffer> q = inbound();
			return q;
		});
	}

	private synchronized InboundQueue<ByteBuffer> inbound() {
		if (inbound == null) {
			inbound = newInbound();
		}
		return inbound;
	}

	private InboundQueue<ByteBuffer> newInbound() {
		return new InboundQueue<>(loop, RECEIVE_HIGH, RECEIVE_LOW, () -> loop.control(id, NativeConstants.OP_PAUSE),
				() -> loop.control(id, NativeConstants.OP_RESUME), () -> {
				}, b -> {
				});
	}

	@Override
	public void close() {
		loop.executeOrRun(() -> loop.control(id, NativeConstants.OP_CLOSE));
	}

	@Override
	public Mono<Void> drain() {
		return Mono.defer(() -> {
			loop.executeOrRun(() -> loop.control(id, NativeConstants.OP_DRAIN));
			return onClose();
		});
	}

	@Override
	public Mono<Void> onClose() {
		return closed.asMono();
	}

	@Override
	public boolean isActive() {
		return active;
	}

	@Override
	public void onRead(ByteBuffer buf, int offset, int length) {
		ByteBuffer copy = ByteBuffer.allocate(length);
		copy.put(buf.slice(offset, length)).flip();
		if (events != null) {
			events.accept(new ConnectionEvent(ConnectionEvent.Type.READ, this, copy.asReadOnlyBuffer(), null));
		}
		else {
			inbound().offer(copy);
		}
	}

	@Override
	public void onDrained(long written) {
		if (events != null) {
			events.accept(new ConnectionEvent(ConnectionEvent.Type.WRITE, this, ByteBuffer.allocate(0), null));
		}
	}

	@Override
	public void onError(String message) {
		if (events != null) {
			events.accept(new ConnectionEvent(ConnectionEvent.Type.ERROR, this, ByteBuffer.allocate(0), message));
		}
		else {
			inbound().fail(new MongooseException(message));
		}
	}

	@Override
	public void onClosed() {
		active = false;
		onWritable();
		if (events != null) {
			events.accept(new ConnectionEvent(ConnectionEvent.Type.CLOSE, this, ByteBuffer.allocate(0), null));
		}
		InboundQueue<ByteBuffer> q = inbound();
		q.complete();
		closed.tryEmitEmpty();
	}

	@Override
	public String toString() {
		return "Connection[id=" + id + ", local=" + local + ", remote=" + remote + "]";
	}
}
