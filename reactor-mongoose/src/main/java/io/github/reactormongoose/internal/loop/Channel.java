/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;

import io.github.reactormongoose.internal.jni.ConnNative;
import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.jni.EventRecords;
import io.github.reactormongoose.internal.jni.LoopNative;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.jni.SntpNative;
import io.github.reactormongoose.internal.jni.UdpNative;
import io.github.reactormongoose.internal.jni.TlsNative;
import io.github.reactormongoose.internal.jni.WsNative;
import org.jspecify.annotations.Nullable;

/**
 * One native connection as protocol code sees it: its id, its handler, and the operations on
 * it, so that no protocol class passes native opcodes. Every method runs on the loop's poll
 * thread ({@link EventLoop#execute} gets you there). Writes return the connection's
 * send-buffer length, or a negative native error code for {@code Errors.toException}; after
 * the connection closed they return the "no connection" code.
 */
public final class Channel {

	private final EventLoop loop;
	private final long id;
	private ChannelHandler handler;
	private @Nullable ArrayDeque<Runnable> writableWaiters;
	private boolean closed;
	/** What the CLOSE event said was written and never taken by the socket. */
	private long unsentAtClose;
	private @Nullable Wiretap wiretap;
	/** The wiretap's name for the connection, with its addresses once they are known. */
	@Nullable String wireLabel;

	Channel(EventLoop loop, long id, ChannelHandler handler) {
		this.loop = loop;
		this.id = id;
		this.handler = handler;
	}

	/**
	 * Mongoose's connection id: unique in the process (each loop counts from its own start,
	 * 2^40 apart), never reused.
	 */
	public long id() {
		return id;
	}

	public EventLoop loop() {
		return loop;
	}

	public ChannelHandler handler() {
		return handler;
	}

	/** Replaces the handler (connect completed, WebSocket upgrade). */
	public void handler(ChannelHandler handler) {
		this.handler = handler;
	}

	/**
	 * Logs the connection's bytes from now on (a listener: those of the connections it accepts
	 * from now on), with the connection's opening and end.
	 */
	public void wiretap(Wiretap wiretap) {
		this.wiretap = wiretap;
		control(NativeConstants.OP_WIRETAP);
	}

	/** The wiretap of the connection, or {@code null}. */
	public @Nullable Wiretap wiretap() {
		return wiretap;
	}

	/** An accepted connection: the listener's wiretap (the native side copied its flag). */
	void inheritWiretap(Channel listener, InetSocketAddress local, InetSocketAddress remote) {
		wiretap = listener.wiretap;
		wireActive(local, remote);
	}

	/** The connection is up: the wiretap's ACTIVE line, if tapped. */
	void wireActive(InetSocketAddress local, InetSocketAddress remote) {
		if (wiretap != null) {
			wiretap.active(this, local, remote);
		}
	}

	/**
	 * A UDP socket logs its datagrams with {@code wiretap} (Java sees every datagram, so the
	 * native side is not asked): the ACTIVE line now, then {@link #wireDatagram}, INACTIVE.
	 */
	public void wiretapDatagrams(Wiretap wiretap, @Nullable InetSocketAddress local, @Nullable InetSocketAddress remote) {
		this.wiretap = wiretap;
		wiretap.active(this, local, remote);
	}

	/** A datagram received from {@code peer} or sent ({@code written}) to it (null: the connected peer). */
	public void wireDatagram(boolean written, @Nullable InetSocketAddress peer, byte[] data, int off, int len) {
		if (wiretap != null) {
			wiretap.bytes(this, written, peer, ByteBuffer.wrap(data), off, len);
		}
	}

	/** The peer's FIN ended reading ({@code input}) or ours went out: the wiretap's line, if tapped. */
	void wireShutdown(boolean input) {
		if (wiretap != null) {
			wiretap.shutdown(this, input);
		}
	}

	/** A WIRE record: bytes read, or {@code written}, for the wiretap. */
	void wire(boolean written, ByteBuffer b, int off, int len) {
		if (wiretap != null) {
			wiretap.bytes(this, written, null, b, off, len);
		}
	}

	/** Whether the CLOSE event was delivered. */
	public boolean isClosed() {
		return closed;
	}

	/** Whether a send-buffer length returned by a write is above the loop's high-water mark. */
	public boolean aboveHighWater(long sendBufferLength) {
		return sendBufferLength > loop.highWater();
	}

	// ---- writes ----

	/** Appends the remaining bytes of {@code data} (its position is not moved). */
	public long write(ByteBuffer data) {
		return write(data, 0);
	}

	/**
	 * Appends {@code data[offset, offset + length)} that the caller follows at once with more
	 * bytes (a head before its body), so that they may leave together.
	 */
	public long writeMore(byte[] data, int offset, int length) {
		return write(data, offset, length, NativeConstants.OP_MORE);
	}

	/** Appends {@code data[offset, offset + length)}. */
	public long write(byte[] data, int offset, int length) {
		return write(data, offset, length, 0);
	}

	/**
	 * Appends an interim (1xx) HTTP response: the final response has not started, so a request
	 * body refused after it still gets its 400 or 413.
	 */
	public long writeInterim(byte[] data, int offset, int length) {
		return write(data, offset, length, NativeConstants.OP_INTERIM);
	}

	/**
	 * Appends the last bytes of an HTTP exchange and ends it: the native side accepts the
	 * next pipelined request. With {@code close}, the connection is closed once all is sent.
	 */
	public long writeAndEndExchange(byte[] data, int offset, int length, boolean close) {
		return write(data, offset, length, NativeConstants.OP_HTTP_END | (close ? NativeConstants.OP_DRAIN : 0));
	}

	/**
	 * Appends {@code head} (may be {@code null}), then {@code count} bytes of {@code file} from
	 * {@code position}; the native side sends the file with {@code sendfile(2)}, without
	 * copying it through the JVM. The file is opened first: if that fails, nothing is written
	 * and an error code is returned. The file must be on the default file system.
	 */
	public long writeFile(byte @Nullable [] head, Path file, long position, long count) {
		return writeFile(head, file, null, -1, 0, position, count);
	}

	/**
	 * The same for a file looked at by name before: the file opened must have {@code size}
	 * bytes and the modification time {@code mtimeMillis} (when {@code size >= 0}; else the
	 * errno code ESTALE) and lie under the real directory {@code root} (when not {@code null};
	 * else EACCES), so that what is sent is what the response's head describes.
	 */
	public long writeFile(byte @Nullable [] head, Path file, @Nullable Path root, long size, long mtimeMillis, long position,
			long count) {
		long h = loop.nativeHandle();
		if (h == 0) {
			return NativeConstants.ERR_NO_CONN;
		}
		byte[] path = file.toAbsolutePath().toString().getBytes(FILE_NAMES);
		byte[] under = root == null ? null : root.toString().getBytes(FILE_NAMES);
		return ConnNative.sendFile(h, id, head, path, under, size, mtimeMillis, position, count, 0);
	}

	/**
	 * A large array body (a whole response, a request body of known length) is handed to the
	 * connection in slices of this size, each once the send buffer has fallen to the low-water
	 * mark: a slow peer then holds a slice of native memory, not a copy of the body.
	 */
	public static final int SLICE = 256 * 1024;

	/** Whether read-only heap buffers are sent from their array, without a copy. */
	private static final boolean HEAP_VIEWS = ConnNative.heapViews();

	/** How the platform encodes file names (what {@code open(2)} expects). */
	private static final Charset FILE_NAMES = fileNameCharset();

	private static Charset fileNameCharset() {
		try {
			return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
		}
		catch (RuntimeException e) {
			return StandardCharsets.UTF_8;
		}
	}

	private long write(ByteBuffer data, int ops) {
		long h = loop.nativeHandle();
		if (h == 0) {
			return NativeConstants.ERR_NO_CONN;
		}
		int len = data.remaining();
		if (data.isDirect()) {
			return ConnNative.send(h, id, data, data.position(), len, ops);
		}
		if (data.hasArray()) {
			return ConnNative.sendArray(h, id, data.array(), data.arrayOffset() + data.position(), len, ops);
		}
		if (HEAP_VIEWS) { // read-only heap buffers: request body pieces, Spring's readable views
			return ConnNative.sendHeap(h, id, data, data.position(), len, ops);
		}
		byte[] copy = new byte[len];
		data.duplicate().get(copy);
		return ConnNative.sendArray(h, id, copy, 0, len, ops);
	}

	private long write(byte[] data, int offset, int length, int ops) {
		long h = loop.nativeHandle();
		return h == 0 ? NativeConstants.ERR_NO_CONN : ConnNative.sendArray(h, id, data, offset, length, ops);
	}

	private long control(int ops) {
		long h = loop.nativeHandle();
		return h == 0 ? NativeConstants.ERR_NO_CONN : ConnNative.control(h, id, ops);
	}

	// ---- state ----

	/**
	 * Gathers the next writes (until {@link #uncork()}) into fewer, larger sends: they are
	 * copied at once, so the caller's buffers may be reused as each write returns. Only a
	 * plain HTTP connection gathers, one per loop at a time; otherwise writes go out as usual.
	 * Poll thread only; every cork must be followed by {@link #uncork()} before the poll
	 * thread returns to polling.
	 */
	public void cork() {
		control(NativeConstants.OP_CORK);
	}

	/** Sends what {@link #cork()} gathered; returns the send-buffer length or a negative native error. */
	public long uncork() {
		return control(NativeConstants.OP_UNCORK);
	}

	/** Bytes written that the socket never took, once closed (a client that left mid-response). */
	public long unsentAtClose() {
		return unsentAtClose;
	}

	/** Bytes written and not yet taken by the socket (0 once closed). */
	public long pendingOutput() {
		return Math.max(0, control(0));
	}

	/** Closes at once; pending output is dropped. */
	public void close() {
		control(NativeConstants.OP_CLOSE);
	}

	/**
	 * A TLS connection whose peer's certificate was refused (a server's client, or a client's
	 * server): sends the fatal alert {@code description} (RFC 8446 6.2: 42 bad_certificate, 48
	 * unknown_ca...) with the keys the peer reads with, reads nothing more and closes a moment
	 * later (the peer's writes in flight must not meet a reset before it reads the alert);
	 * pending output is dropped. A connection that the built-in stack failed (with its own
	 * alert) is left to close so; one that is not TLS closes at once.
	 */
	public void closeWithAlert(int description) {
		control(NativeConstants.OP_TLS_ALERT | ((description & 0xff) << NativeConstants.OP_ALERT_SHIFT));
	}

	/**
	 * Closes at once unless bytes of a next request have arrived (a head still coming in, or a
	 * small body with it): the idle timeout's close, which must not cut a request short.
	 */
	public void closeIfNothingReceived() {
		control(NativeConstants.OP_CLOSE_IDLE);
	}

	/**
	 * Raw TCP without TLS: the peer's FIN ends reading only ({@link StreamHandler#onReadEnd}),
	 * not the connection, which stays open for output until drained or closed. Set before the
	 * connection reads (on the poll thread, when it is accepted or connected); a TLS connection
	 * still closes at the FIN.
	 */
	public void halfClose() {
		control(NativeConstants.OP_HALF_CLOSE);
	}

	/**
	 * Raw TCP without TLS: shuts down our sending side (a FIN) once everything written before is
	 * out of the native buffers ({@link StreamHandler#onWriteEnd}); writes fail from now on, reading
	 * goes on. Returns the pending output, or a negative native error code (ERR_UNSUPPORTED for a
	 * TLS connection or a listener). Asking again changes nothing.
	 */
	public long shutdownOutput() {
		return control(NativeConstants.OP_SHUT_WR);
	}

	/**
	 * Listener: its accepted connections start TLS with ctx. Outbound connection: starts TLS
	 * as a client once connected. 0 or a negative native error code.
	 */
	public int secure(TlsContext ctx, boolean listener) {
		long h = loop.nativeHandle();
		if (h == 0) {
			return (int) NativeConstants.ERR_NO_CONN;
		}
		return listener ? TlsNative.listener(h, id, ctx.handle()) : TlsNative.client(h, id, ctx.handle());
	}

	/**
	 * TLS listener: the connections it accepts from now on start TLS with ctx (a running server's
	 * new certificate); those accepted before keep theirs. 0 or a negative native error code.
	 */
	public int updateTls(TlsContext ctx) {
		long h = loop.nativeHandle();
		if (h == 0) {
			return (int) NativeConstants.ERR_NO_CONN;
		}
		return TlsNative.update(h, id, ctx.handle());
	}

	/** Closes once the pending output is written. */
	public void drain() {
		control(NativeConstants.OP_DRAIN);
	}

	/**
	 * A raw TCP connection waits for its peer to close (the WebSocket client after its CLOSE):
	 * the native side closes it {@code wait} after the output is all out (the send buffer
	 * empty, not merely queued: a large message before the CLOSE goes out whole first), and
	 * resets it, with a {@link ConnectionError.Kind#WRITE_TIMEOUT} error, once its output has not
	 * moved for {@code stall} (zero: never), as the server's write timeout does. What the peer
	 * sends meanwhile is still read. Returns the pending output, or a negative native error code.
	 */
	public long closeWait(Duration wait, Duration stall) {
		long h = loop.nativeHandle();
		return h == 0 ? NativeConstants.ERR_NO_CONN : ConnNative.closeWait(h, id, wait.toMillis(), stall.toMillis());
	}

	/** Stops reading from the socket (TCP pushes back on the peer). */
	public void pauseReading() {
		control(NativeConstants.OP_PAUSE);
	}

	public void resumeReading() {
		control(NativeConstants.OP_RESUME);
	}

	/**
	 * Runs {@code action} once the send buffer fell to the low-water mark (at once if it is
	 * there already), or when the connection closed.
	 */
	public void awaitWritable(Runnable action) {
		if (closed) {
			action.run();
			return;
		}
		if (writableWaiters == null) {
			writableWaiters = new ArrayDeque<>(2);
		}
		writableWaiters.add(action);
		if (writableWaiters.size() == 1) {
			if (writableNow(control(NativeConstants.OP_NOTIFY_WRITABLE))) {
				fireWritable();
			}
		}
	}

	void fireWritable() {
		ArrayDeque<Runnable> w = writableWaiters;
		if (w == null) {
			return;
		}
		while (true) {
			for (int n = w.size(); n > 0 && !w.isEmpty(); n--) {
				w.poll().run();
			}
			// a waiter may have written again and added a waiter behind the others: awaitWritable
			// armed the notification only for the first, so arm it again for the ones left
			if (w.isEmpty() || closed) {
				return;
			}
			if (!writableNow(control(NativeConstants.OP_NOTIFY_WRITABLE))) {
				return;
			}
		}
	}

	/**
	 * Whether the answer {@code r} of {@code OP_NOTIFY_WRITABLE} lets the waiters run now: the
	 * output is at the low-water mark, or the connection is gone. Not when it is closing
	 * natively: its close, at the next poll, runs them after the records of what made it close
	 * (a file cut short: its error), not as if what was sent got out.
	 */
	private boolean writableNow(long r) {
		return r != NativeConstants.ERR_CLOSING && (r < 0 || r <= loop.lowWater());
	}

	/** The CLOSE event: waiters run, then the handler learns. */
	void closed(long unsent) {
		closed = true;
		unsentAtClose = unsent;
		if (wiretap != null) {
			wiretap.inactive(this);
		}
		fireWritable();
		handler.onClosed();
	}

	/** The local or remote address, or {@code null} once closed. */
	public @Nullable InetSocketAddress address(boolean local) {
		long h = loop.nativeHandle();
		byte[] out = new byte[EventRecords.addressSize()];
		if (h == 0 || ConnNative.address(h, id, local, out) != 0) {
			return null;
		}
		return EventRecords.address(ByteBuffer.wrap(out), 0);
	}

	// ---- WebSocket ----

	/**
	 * Answers this accepted HTTP connection's upgrade request (101); from then on frames
	 * arrive through a {@link WebsocketChannelHandler}.
	 * @param deflate permessage-deflate was negotiated: compressed messages arrive with
	 *        {@code RSV1} in their opcode
	 * @param maxFrame the largest message in bytes, after reassembly (a larger one closes the
	 *        session with 1009); 0 for the listener's limit
	 * @param ownPing the application answers PINGs: the native side sends no PONG
	 * @return 0 or a negative native error code
	 */
	public int upgradeToWebsocket(String key, @Nullable String protocol, @Nullable String extraHeaders, boolean deflate,
			int maxFrame, boolean ownPing) {
		long h = loop.nativeHandle();
		int flags = (deflate ? NativeConstants.WS_F_DEFLATE : 0) | (ownPing ? NativeConstants.WS_F_OWN_PING : 0);
		return h == 0 ? (int) NativeConstants.ERR_NO_CONN
				: WsNative.upgrade(h, id, key, protocol, extraHeaders, flags, maxFrame);
	}

	/**
	 * On a listener, the rules of its connections: on HTTP, 408 and close when a request head
	 * takes longer than {@code headMillis} from its first byte (0: no limit) and 414 for a
	 * request line longer than {@code maxLine} bytes without its CRLF (0: the head's limit), 431
	 * for a head of more than {@code maxHeaders} header lines (0: as many as the build parses); on
	 * HTTP and TCP, a reset, with an error naming it, when output waits {@code writeMillis}
	 * without a byte going out (0: no limit).
	 */
	public void listenerRules(long headMillis, int maxLine, long writeMillis, int maxHeaders) {
		long h = loop.nativeHandle();
		int rc = h == 0 ? (int) NativeConstants.ERR_NO_CONN
				: LoopNative.listenerRules(h, id, headMillis, maxLine, writeMillis, maxHeaders);
		if (rc != 0) {
			throw Errors.toException(rc, "rules of listener " + id);
		}
	}

	/**
	 * On a listener: whether its connections start with a PROXY protocol header (the
	 * connection is announced, with the header's source as its remote address, once it is in),
	 * and how many connections may await their header at once (0: no bound).
	 */
	public void proxyProtocol(io.github.reactormongoose.ProxyProtocolSupportType type, int maxPending) {
		int mode = switch (type) {
			case ON -> NativeConstants.PROXY_ON;
			case AUTO -> NativeConstants.PROXY_AUTO;
			case OFF -> 0;
		};
		long h = loop.nativeHandle();
		int rc = h == 0 ? (int) NativeConstants.ERR_NO_CONN : LoopNative.proxyProtocol(h, id, mode, maxPending);
		if (rc != 0) {
			throw Errors.toException(rc, "PROXY protocol on listener " + id);
		}
	}

	/** Sends one WebSocket frame; with {@code close}, the connection closes once it is sent. */
	public long writeFrame(int opcode, byte[] payload, int offset, int length, boolean close) {
		long h = loop.nativeHandle();
		return h == 0 ? NativeConstants.ERR_NO_CONN
				: WsNative.sendArray(h, id, payload, offset, length, opcode, close ? NativeConstants.OP_DRAIN : 0);
	}

	// ---- UDP ----

	/**
	 * Sends one datagram to {@code ip:port}, or to the connected peer when {@code ip} is null.
	 * @return 0 or a negative native error code
	 */
	public long sendDatagram(byte @Nullable [] ip, int port, byte[] data, int offset, int length) {
		long h = loop.nativeHandle();
		return h == 0 ? NativeConstants.ERR_NO_CONN : UdpNative.sendArray(h, id, ip, port, data, offset, length);
	}

	/**
	 * Datagrams that arrived on this UDP socket but were not delivered: dropped by the kernel
	 * (receive buffer full) plus those the glue could not record (out of native memory).
	 * @return the count, or a negative native error code
	 */
	public long datagramDrops() {
		long h = loop.nativeHandle();
		long[] out = new long[2];
		int rc = h == 0 ? (int) NativeConstants.ERR_NO_CONN : UdpNative.drops(h, id, out);
		return rc != 0 ? rc : Math.max(0, out[0]) + out[1];
	}

	/** Sends Mongoose's SNTP request on an SNTP socket; 0 or a negative native error code. */
	public long sntpRequest() {
		long h = loop.nativeHandle();
		return h == 0 ? NativeConstants.ERR_NO_CONN : SntpNative.request(h, id);
	}

	@Override
	public String toString() {
		return "Channel[" + loop.name() + "#" + id + "]";
	}
}
