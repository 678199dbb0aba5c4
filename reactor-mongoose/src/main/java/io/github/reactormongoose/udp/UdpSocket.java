/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.udp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.Addresses;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.ConnectionError;
import io.github.reactormongoose.internal.loop.DatagramHandler;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.InboundQueue;
import io.github.reactormongoose.internal.loop.LoopAccess;
import io.github.reactormongoose.internal.loop.Wiretap;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * One UDP socket on a loop: the handler of its channel (datagrams into a bounded
 * {@link InboundQueue} that pauses reading when full) and both sides the application sees.
 */
final class UdpSocket implements UdpConnection, DatagramHandler {

	static final Logger log = Loggers.getLogger(UdpSocket.class);

	private final EventLoop loop;
	private final InboundQueue<Datagram> inbound;
	private final Sinks.Empty<Void> closed = Sinks.empty();
	private @Nullable Channel channel;
	private InetSocketAddress local;
	private final @Nullable InetSocketAddress remote;
	private @Nullable Throwable failure;
	/** The failure is Mongoose's generic message; a socket error with its errno replaces it. */
	private boolean genericFailure;
	private @Nullable Disposable shutdownHook;
	private volatile boolean disposed;

	private UdpSocket(EventLoop loop, @Nullable InetSocketAddress remote, int queue) {
		this.loop = loop;
		this.remote = remote;
		this.local = new InetSocketAddress(0);
		this.inbound = new InboundQueue<>(loop, queue, queue / 2, () -> channel().pauseReading(),
				() -> channel().resumeReading(), () -> {
				}, d -> {
				});
	}

	/**
	 * Poll thread: opens a socket bound to {@code bind} (null address: the wildcard) and, with
	 * {@code remote}, connected to it. Throws when the socket cannot be opened.
	 */
	static UdpSocket open(EventLoop loop, @Nullable InetSocketAddress bind, @Nullable InetSocketAddress remote,
			UdpOptions options) {
		UdpSocket s = new UdpSocket(loop, remote, options.receiveQueue());
		InetAddress bindIp = bind == null ? null : bind.getAddress();
		InetAddress remoteIp = remote == null ? null : remote.getAddress();
		Channel c = loop.openUdp(bindIp == null ? null : bindIp.getAddress(), bind == null ? 0 : bind.getPort(),
				remoteIp == null ? null : remoteIp.getAddress(), remote == null ? 0 : remote.getPort(),
				options.receiveBufferSize(), options.sendBufferSize(), false, s);
		s.channel = c;
		InetSocketAddress a = c.address(true);
		if (a != null) {
			s.local = a;
		}
		Wiretap w = options.wiretap();
		if (w != null) {
			c.wiretapDatagrams(w, a, remote);
		}
		s.shutdownHook = loop.onShutdown(c::close);
		return s;
	}

	/**
	 * Opens a socket when subscribed: resolves {@code host} off the poll thread, then binds
	 * ({@code remote == false}: {@code host:port} is the local address) or connects
	 * ({@code host:port} is the remote, {@code bind} the optional local address) on the chosen
	 * loop, and starts the handler.
	 */
	static Mono<UdpConnection> open(@Nullable MongooseLoop loop, @Nullable MongooseLoops loops, String host, int port,
			boolean remote, @Nullable InetSocketAddress bind, UdpOptions options,
			@Nullable BiFunction<? super UdpInbound, ? super UdpOutbound, ? extends Publisher<Void>> handler) {
		return Mono.defer(() -> {
			EventLoop el = LoopAccess.engine(LoopAccess.choose(loop, loops));
			return Addresses.resolve(host).flatMap(ip -> Mono.<UdpConnection>create(sink -> {
				// cancelled before the socket was emitted (a timeout, take(0)): close it, or never open it
				AtomicReference<@Nullable UdpSocket> opened = new AtomicReference<>();
				AtomicBoolean cancelled = new AtomicBoolean();
				sink.onCancel(() -> {
					cancelled.set(true);
					UdpSocket o = opened.get();
					if (o != null) {
						o.dispose();
					}
				});
				el.executeOrRun(() -> {
					if (cancelled.get()) {
						return;
					}
					InetSocketAddress a = new InetSocketAddress(ip, port);
					UdpSocket s;
					try {
						s = open(el, remote ? bind : a, remote ? a : null, options);
					}
					catch (RuntimeException e) {
						sink.error(e);
						return;
					}
					opened.set(s);
					if (cancelled.get()) {
						s.dispose();
						return;
					}
					s.start(handler);
					sink.success(s);
				});
			}));
		});
	}

	/** Blocks for {@link #open}'s socket. */
	static UdpConnection await(Mono<UdpConnection> open, Duration timeout, String what) {
		UdpConnection c = open.block(Checks.atMostForever(timeout));
		if (c == null) {
			throw new IllegalStateException(what + " did not complete");
		}
		return c;
	}

	private Channel channel() {
		return Objects.requireNonNull(channel, "channel");
	}

	// ---- events, poll thread ----

	@Override
	public void onDatagram(InetSocketAddress sender, java.nio.ByteBuffer buf, int offset, int length) {
		byte[] data = new byte[length];
		buf.get(offset, data);
		channel().wireDatagram(false, sender, data, 0, length);
		inbound.offer(Datagram.wrap(data, sender));
	}

	@Override
	public void onSocketError(int errno) {
		if (failure == null || genericFailure) {
			genericFailure = false;
			String text = NativeConstants.errnoMessage(errno);
			MongooseException e = new MongooseException("UDP socket " + local
					+ (remote != null ? " -> " + remote : "") + ": " + text + " (errno " + errno + ")");
			if (errno == NativeConstants.ECONNREFUSED) {
				e.initCause(new PortUnreachableException(remote + ": " + text));
			}
			failure = e;
		}
		channel().close();
	}

	@Override
	public void onError(ConnectionError error) {
		if (failure == null) {
			failure = new MongooseException("UDP socket " + local + ": " + error.describe());
			genericFailure = true;
		}
	}

	@Override
	public void onClosed() {
		disposed = true;
		Throwable f = failure;
		if (f != null) {
			inbound.fail(f);
		}
		else {
			inbound.complete();
		}
		Disposable hook = shutdownHook;
		if (hook != null) {
			hook.dispose();
		}
		closed.tryEmitEmpty();
	}

	// ---- the application's side ----

	@Override
	public Flux<Datagram> receive() {
		return inbound;
	}

	@Override
	public Mono<Void> send(Publisher<? extends Datagram> datagrams) {
		Objects.requireNonNull(datagrams, "datagrams");
		return DatagramSender.send(loop, new DatagramSender.Io() {
			@Override
			public long send(Datagram d) {
				return sendOne(d);
			}

			@Override
			public RuntimeException error(long code, Datagram d) {
				return sendError(code, d);
			}

			@Override
			public Mono<Void> onClose() {
				return closed.asMono();
			}

			@Override
			public RuntimeException closed() {
				// TCP's words; the socket's failure, if any (an ICMP port unreachable), as the cause
				ConnectionClosedException e = new ConnectionClosedException("Connection closed while sending ("
						+ UdpSocket.this + ")");
				Throwable f = failure;
				if (f != null) {
					e.initCause(f);
				}
				return e;
			}
		}, datagrams);
	}

	@Override
	public InetSocketAddress localAddress() {
		return local;
	}

	@Override
	public @Nullable InetSocketAddress remoteAddress() {
		return remote;
	}

	@Override
	public Mono<Long> receiveDrops() {
		return Mono.create(sink -> loop.executeOrRun(() -> {
			long r = channel().datagramDrops();
			if (r < 0) {
				sink.error(Errors.toException(r, "read the drop counter of " + local));
			}
			else {
				sink.success(r);
			}
		}));
	}

	@Override
	public Mono<Void> onDispose() {
		return closed.asMono();
	}

	@Override
	public void dispose() {
		disposed = true;
		loop.executeOrRun(() -> channel().close());
	}

	@Override
	public boolean isDisposed() {
		return disposed;
	}

	@Override
	public String toString() {
		return "UdpConnection[" + local + (remote != null ? " -> " + remote : "") + "]";
	}

	/** Poll thread: runs the application's handler; its end closes the socket. */
	void start(@Nullable BiFunction<? super UdpInbound, ? super UdpOutbound, ? extends Publisher<Void>> handler) {
		if (handler == null) {
			return;
		}
		Publisher<Void> p;
		try {
			p = Objects.requireNonNull(handler.apply(this, this), "the handler returned null");
		}
		catch (Throwable e) {
			log.error("UDP handler failed for " + this + "; closing the socket", e);
			failWith(e);
			return;
		}
		BaseSubscriber<Void> s = new BaseSubscriber<>() {
			@Override
			protected void hookOnError(Throwable e) {
				log.warn("UDP handler of " + UdpSocket.this + " failed; closing the socket", e);
				failWith(e);
			}

			@Override
			protected void hookFinally(reactor.core.publisher.SignalType type) {
				UdpSocket.this.dispose();
			}
		};
		Flux.from(p).subscribe(s);
		closed.asMono().subscribe(null, null, s::dispose);
	}

	/**
	 * Any thread: the handler failed with {@code e}. The socket ends with it as with an ICMP error (its
	 * {@code receive()} fails with it, pending sends fail with it as the cause), and
	 * {@link #onDispose()} completes, as Reactor Netty's.
	 */
	private void failWith(Throwable e) {
		disposed = true;
		loop.executeOrRun(() -> {
			if (failure == null) {
				failure = e;
			}
			channel().close();
		});
	}

	/**
	 * Poll thread: hands one datagram to the kernel. Returns 0, {@link DatagramSender#AGAIN}
	 * when the send buffer is full, or a negative native error code.
	 * @throws IllegalArgumentException when the datagram has no usable address
	 */
	private long sendOne(Datagram d) {
		InetSocketAddress to = d.address();
		if (to == null && remote == null) {
			throw new IllegalArgumentException("A datagram without an address on " + this
					+ ", which is not connected: use Datagram.of(data, recipient)");
		}
		if (to != null && to.isUnresolved()) {
			throw new IllegalArgumentException("Unresolved recipient " + to + ": resolve it first");
		}
		byte[] data = d.array();
		long r = channel().sendDatagram(to == null ? null : to.getAddress().getAddress(),
				to == null ? 0 : to.getPort(), data, 0, data.length);
		if (r >= 0) {
			channel().wireDatagram(true, to != null ? to : remote, data, 0, data.length);
		}
		if (r == -(NativeConstants.ERR_ERRNO_BASE + NativeConstants.EAGAIN)
				|| r == -(NativeConstants.ERR_ERRNO_BASE + NativeConstants.ENOBUFS)) {
			return DatagramSender.AGAIN;
		}
		return r;
	}


	/** The exception for a failed send: an ICMP port unreachable shows as {@link PortUnreachableException}. */
	private RuntimeException sendError(long code, Datagram d) {
		InetSocketAddress to = d.address() != null ? d.address() : remote;
		String op = "send a datagram of " + d.length() + " bytes from " + local + " to " + to;
		if (code == -(NativeConstants.ERR_ERRNO_BASE + NativeConstants.ECONNREFUSED)) {
			String text = NativeConstants.errnoMessage(NativeConstants.ECONNREFUSED);
			MongooseException e = new MongooseException(op + " failed: " + text);
			e.initCause(new PortUnreachableException(to + ": " + text));
			return e;
		}
		return Errors.toException(code, op);
	}
}
