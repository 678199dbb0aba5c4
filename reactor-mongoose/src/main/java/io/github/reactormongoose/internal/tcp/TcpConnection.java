/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tcp;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Consumer;

import javax.net.ssl.X509TrustManager;

import io.github.reactormongoose.AbortedException;
import io.github.reactormongoose.ByteBufferFlux;
import io.github.reactormongoose.Connection;
import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.ConnectionEvent;
import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.ConnectionError;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.InboundQueue;
import io.github.reactormongoose.internal.loop.StreamHandler;
import io.github.reactormongoose.internal.loop.TlsHandshakeHandler;
import io.github.reactormongoose.internal.loop.WriteSubscriber;
import io.github.reactormongoose.internal.tls.PeerVerifier;
import io.github.reactormongoose.internal.tls.TlsFailures;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;

/**
 * A raw TCP connection: listener, accepted or outbound. An accepted TLS connection is the
 * channel's handler from the accept on, and starts its pipeline when the handshake is done
 * ({@link #afterHandshake}). Poll-thread state only, unless noted.
 */
public final class TcpConnection implements Connection, StreamHandler, TlsHandshakeHandler {

	private static final int RECEIVE_HIGH = 64;
	private static final int RECEIVE_LOW = 16;

	private final Channel channel;
	private final EventLoop loop;
	private final Sinks.Empty<Void> closed = Sinks.empty();
	private volatile @Nullable InetSocketAddress local;
	private volatile @Nullable InetSocketAddress remote;
	private volatile boolean active = true;
	/** Completes when our FIN went out (shutdownOutput), fails when that is refused or the connection closed first. */
	private final Sinks.Empty<Void> outputShut = Sinks.empty();
	private boolean shutdownRequested;
	private @Nullable InboundQueue<ByteBuffer> inbound;
	/** Set on the poll thread before the handler starts; read from any thread. */
	private volatile List<X509Certificate> peerCertificates = List.of();
	/** An accepted TLS connection's start, run when its handshake is done. */
	private @Nullable Runnable onHandshakeDone;
	/** The JDK's check of the client's chain (an accepted connection whose server asks for one). */
	private @Nullable X509TrustManager clientTrust;
	/** Accepted connections of {@code MongooseLoop.listen} report to their listener's event stream. */
	@Nullable
	Consumer<ConnectionEvent> events;

	public TcpConnection(Channel channel, @Nullable InetSocketAddress local, @Nullable InetSocketAddress remote) {
		this.channel = channel;
		this.loop = channel.loop();
		this.local = local;
		this.remote = remote;
	}

	Channel channel() {
		return channel;
	}

	@Override
	public long id() {
		return channel.id();
	}

	@Override
	public @Nullable InetSocketAddress localAddress() {
		return local;
	}

	@Override
	public @Nullable InetSocketAddress remoteAddress() {
		return remote;
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
		long r = channel.write(data);
		if (r < 0) {
			sink.error(Errors.toException(r, "send"));
		}
		else if (channel.aboveHighWater(r)) {
			channel.awaitWritable(sink::success);
		}
		else {
			sink.success();
		}
	}

	@Override
	public Mono<Void> send(Publisher<? extends ByteBuffer> data) {
		return Mono.create(sink -> {
			// the close watch goes once the send is done: a long-lived connection makes many sends
			Disposable.Swap closeWatch = Disposables.swap();
			WriteSubscriber<ByteBuffer> w = WriteSubscriber.forSink(loop, new WriteSubscriber.Target<>() {
				@Override
				public long write(ByteBuffer item) {
					return channel.write(item);
				}

				@Override
				public void awaitWritable(Runnable action) {
					channel.awaitWritable(action);
				}
			}, sink, closeWatch::dispose);
			data.subscribe(w);
			closeWatch.update(onClose().subscribe(null, null, () -> loop.executeOrRun(
					() -> w.cancel(new ConnectionClosedException("Connection closed while sending")))));
		});
	}

	@Override
	public ByteBufferFlux receive() {
		return ByteBufferFlux.fromInbound(Flux.defer(this::inbound));
	}

	private synchronized InboundQueue<ByteBuffer> inbound() {
		if (inbound == null) {
			inbound = new InboundQueue<>(loop, RECEIVE_HIGH, RECEIVE_LOW, channel::pauseReading,
					channel::resumeReading, () -> {
					}, b -> {
					});
		}
		return inbound;
	}

	@Override
	public void close() {
		loop.executeOrRun(channel::close);
	}

	@Override
	public Mono<Void> drain() {
		return Mono.defer(() -> {
			loop.executeOrRun(channel::drain);
			return onClose();
		});
	}

	@Override
	public Mono<Void> shutdownOutput() {
		return Mono.defer(() -> {
			loop.executeOrRun(this::requestShutdown);
			return outputShut.asMono();
		});
	}

	/**
	 * Poll thread: asks the native side for our FIN, behind what was written before; again is
	 * harmless. A request that the connection's close overtakes fails in {@link #onClosed()}.
	 */
	private void requestShutdown() {
		if (!active) {
			outputShut.tryEmitError(new AbortedException("Connection has been closed before shutdownOutput()"));
			return;
		}
		shutdownRequested = true;
		long r = channel.shutdownOutput();
		if (r == NativeConstants.ERR_UNSUPPORTED) {
			outputShut.tryEmitError(new UnsupportedOperationException("shutdownOutput() on " + this
					+ ": only a plain TCP connection can shut down its sending side alone, not a TLS one (no close_notify"
					+ " is sent: the peer would take the FIN for a truncation) nor a listener"));
		}
		else if (r < 0) {
			outputShut.tryEmitError(Errors.toException(r, "shutdownOutput()"));
		}
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
	public List<X509Certificate> peerCertificates() {
		return peerCertificates;
	}

	/** Poll thread: the server's chain, verified by the connector before it emits the connection. */
	void peerCertificates(List<X509Certificate> chain) {
		peerCertificates = List.copyOf(chain);
	}

	/**
	 * Poll thread: runs {@code start} when the TLS handshake of this accepted connection is
	 * done. If the handshake fails, the connection closes and {@code start} never runs.
	 * {@code clientTrust}: the JDK's check of a client chain (the server asks for one), else null.
	 */
	void afterHandshake(Runnable start, @Nullable X509TrustManager clientTrust) {
		onHandshakeDone = start;
		this.clientTrust = clientTrust;
	}

	/**
	 * Poll thread: the client's Certificate message (the server asked for one). If the JDK
	 * (PKIX, the server's one CA) or the built-in stack refuses the chain, the handshake fails
	 * and the handler never starts.
	 */
	@Override
	public void onTlsPeerCertificates(ByteBuffer buf, int offset, int length) {
		PeerVerifier.ClientChain chain = PeerVerifier.clientChain(buf, offset, length, remote, clientTrust);
		if (chain.refused()) {
			onHandshakeDone = null; // the handler never starts
			channel.closeWithAlert(chain.alert()); // the client learns why
			return;
		}
		peerCertificates = chain.certificates();
	}

	@Override
	public void onTlsHandshakeDone() {
		Runnable start = onHandshakeDone;
		onHandshakeDone = null;
		if (start != null && active) {
			start.run();
		}
	}

	@Override
	public void onConnect(InetSocketAddress local, InetSocketAddress remote) {
		this.local = local;
		this.remote = remote;
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

	/**
	 * The peer's FIN on a half-closing connection: the inbound completes (a listener's stream
	 * gets HALF_CLOSE), the connection stays open for output.
	 */
	@Override
	public void onReadEnd() {
		if (events != null) {
			events.accept(new ConnectionEvent(ConnectionEvent.Type.HALF_CLOSE, this, ByteBuffer.allocate(0), null));
		}
		else {
			inbound().complete();
		}
	}

	/** Our FIN went out, after everything written before it ({@link #shutdownOutput()}). */
	@Override
	public void onWriteEnd() {
		outputShut.tryEmitEmpty();
	}

	@Override
	public void onHandlerFailure(Throwable e) {
		inbound().fail(e);
	}

	@Override
	public void onError(ConnectionError error) {
		boolean handshake = error.kind() == ConnectionError.Kind.TLS_HANDSHAKE;
		if (handshake) {
			TlsFailures.handshakeFailed(remote, error.message()); // logged once there; no data was exchanged
		}
		if (events != null) {
			events.accept(new ConnectionEvent(ConnectionEvent.Type.ERROR, this, ByteBuffer.allocate(0), error.describe()));
		}
		else if (!handshake) {
			// a socket error on an established connection (poll saw POLLERR: the peer reset it, or
			// it became unreachable) is the peer's or the network's doing, like a close, not a
			// failure of ours; nor is the reset of a peer that took nothing for the write timeout
			// (a policy, as documented: logged at DEBUG, not as the handler's failure)
			inbound().fail(switch (error.kind()) {
				case SOCKET -> new ConnectionClosedException(error.isReset() ? "connection reset by the peer"
						: "connection lost: " + error.describe());
				case WRITE_TIMEOUT -> new ConnectionClosedException("connection reset by the server's " + error.message());
				default -> new MongooseException(error.describe());
			});
		}
	}

	@Override
	public void onClosed() {
		active = false;
		if (events != null) {
			events.accept(new ConnectionEvent(ConnectionEvent.Type.CLOSE, this, ByteBuffer.allocate(0), null));
		}
		inbound().complete();
		if (shutdownRequested) { // no effect once our FIN went out (or shutdownOutput was refused)
			outputShut.tryEmitError(new AbortedException("Connection has been closed before shutdownOutput() completed"));
		}
		closed.tryEmitEmpty();
	}

	@Override
	public String toString() {
		return "Connection[id=" + channel.id() + ", local=" + local + ", remote=" + remote + "]";
	}
}
