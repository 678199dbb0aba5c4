/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.http.websocket.WebSocketCloseStatus;
import io.github.reactormongoose.http.websocket.WebSocketFrame;
import io.github.reactormongoose.http.websocket.WebSocketProtocolException;
import io.github.reactormongoose.http.websocket.WebsocketInbound;
import io.github.reactormongoose.http.websocket.WebsocketOutbound;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.ConnectionError;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.InboundQueue;
import io.github.reactormongoose.internal.loop.StreamHandler;
import io.github.reactormongoose.internal.websocket.FrameSender;
import io.github.reactormongoose.internal.websocket.PerMessageDeflate;
import io.github.reactormongoose.internal.websocket.WebsocketSession;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The client side of a WebSocket session on a raw TCP connection whose upgrade was accepted:
 * RFC 6455 framing in Java (frames sent are masked, frames received must not be; fragments
 * are reassembled; PING is answered with PONG unless the handler answers, with
 * {@code handlePing(true)}; a CLOSE is answered and the connection then closed). The
 * channel's handler from the upgrade on. Poll-thread state.
 */
final class ClientWebsocketSession implements WebsocketInbound, WebsocketOutbound, StreamHandler {

	private static final int OP_CONT = 0;
	private static final int OP_TEXT = 1;
	private static final int OP_BINARY = 2;
	private static final int OP_CLOSE = 8;
	private static final int OP_PING = 9;
	private static final int OP_PONG = 10;
	/** Unsent output above which PINGs are no longer answered one by one (see {@link #pong}). */
	private static final long PONG_BACKLOG = 1 << 20;

	/**
	 * How long to wait for the server's answer to our CLOSE before closing the connection,
	 * from when our output, the CLOSE included, has left the process; the native side times it
	 * ({@link Channel#closeWait}), by the rule of the server's own wait after its CLOSE. Tests
	 * lower it for their own client ({@link WebsocketClient#closeWait}).
	 */
	static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
	/**
	 * How long our output may stay unmoved once our CLOSE is queued: a server that takes none of
	 * it for this long stopped reading, and the connection is reset (the write timeout of the
	 * close wait, as the server's default {@code writeTimeout} for the same peer). Tests lower it
	 * for their own client ({@link WebsocketClient#closeStall}).
	 */
	static final Duration CLOSE_STALL = Duration.ofSeconds(60);

	private final Channel channel;
	private final EventLoop el;
	private final HttpHeaders headers;
	private final @Nullable String protocol;
	private final int maxPayload;
	private final InboundQueue<WebSocketFrame> inbound;
	private final Sinks.One<WebSocketCloseStatus> closeStatus = Sinks.one();
	private final Sinks.Empty<Void> connectionClosed = Sinks.empty();
	/** Tells the upgraded connection's hook view that it closed (its doOnDisconnected hooks). */
	private final Runnable connectionClosedHook;
	private byte[] in = new byte[4096];
	private int inLen;
	private @Nullable ByteArrayOutputStream fragments;
	private int fragmentOp;
	/** The fragmented message in progress is compressed (RSV1 on its first frame). */
	private boolean fragmentsCompressed;
	/** permessage-deflate's terms, or {@code null} when the server did not accept it. */
	private final PerMessageDeflate.@Nullable ClientTerms deflate;
	/** Inflates the server's compressed messages (with an inflater of its own if the server keeps its context). */
	private final PerMessageDeflate.SessionInflater inflater;
	/** The application answers the server's PINGs ({@code handlePing(true)}): no PONG of ours. */
	private final boolean handlePing;
	/** {@link #CLOSE_STALL}, or what the test that made the session set. */
	private final Duration closeStall;
	/** {@link #CLOSE_WAIT}, or what the test that made the session set. */
	private final Duration closeWait;
	private boolean closeSent;
	/** The payload of the latest PING whose PONG waits for the output to drain; null when none. */
	private byte @Nullable [] pongDue;
	private boolean closeReceived;
	/**
	 * Our CLOSE's status once it was written, until the output has left the process: only
	 * then is it the session's close status (a connection closed before reads 1006).
	 */
	private @Nullable WebSocketCloseStatus closeOurs;
	/** A CLOSE was sent or received, or the connection closed (any thread). */
	private volatile boolean closing;
	/** A protocol error failed the session: what the server still sends is dropped unread. */
	private boolean failed;
	private volatile boolean closed;

	ClientWebsocketSession(Channel channel, HttpHeaders headers, @Nullable String protocol, int maxPayload,
			PerMessageDeflate.@Nullable ClientTerms deflate, boolean handlePing, Duration closeStall,
			Duration closeWait, Runnable connectionClosedHook) {
		this.channel = channel;
		this.connectionClosedHook = connectionClosedHook;
		this.handlePing = handlePing;
		this.closeStall = closeStall;
		this.closeWait = closeWait;
		this.deflate = deflate;
		this.inflater = new PerMessageDeflate.SessionInflater(deflate != null && !deflate.serverNoContext());
		this.el = channel.loop();
		this.headers = headers;
		this.protocol = protocol;
		this.maxPayload = maxPayload;
		this.inbound = new InboundQueue<>(el, 64, 16, channel::pauseReading, channel::resumeReading, () -> {
		}, f -> {
		}, f -> f.payload().length, WebsocketSession.INBOUND_HIGH_BYTES); // as the server's
	}

	/** Poll thread: takes the channel over; {@code leftover}: frames that came with the 101. */
	void start(@Nullable ByteBuffer leftover) {
		channel.handler(this);
		if (channel.isClosed()) {
			onClosed();
			return;
		}
		if (leftover != null && leftover.hasRemaining()) {
			onRead(leftover, leftover.position(), leftover.remaining());
		}
	}

	// ---- inbound: frames ----

	@Override
	public void onRead(ByteBuffer buf, int offset, int length) {
		if (closeReceived || closed || failed) {
			return;
		}
		if (inLen + length > in.length) {
			byte[] n = new byte[Math.max(in.length * 2, inLen + length)];
			System.arraycopy(in, 0, n, 0, inLen);
			in = n;
		}
		buf.get(offset, in, inLen, length);
		inLen += length;
		int p = 0;
		while (!closeReceived && !closed) {
			int used = frame(p);
			if (used == 0) {
				break;
			}
			p += used;
		}
		// a frame still coming stays where it is: moving it on every read, also when nothing was
		// consumed, made a large frame cost time quadratic in its size (the buffer doubles as it
		// grows, and is not sized from a header, whose length the payload may never follow)
		if (p > 0) {
			System.arraycopy(in, p, in, 0, inLen - p);
			inLen -= p;
		}
		if (in.length > 65536 && inLen < in.length / 4) {
			in = java.util.Arrays.copyOf(in, Math.max(4096, inLen));
		}
	}

	/** Parses one frame at {@code p}: its size, or 0 if incomplete (or the session failed). */
	private int frame(int p) {
		int n = inLen - p;
		if (n < 2) {
			return 0;
		}
		int b0 = in[p] & 0xff;
		int b1 = in[p + 1] & 0xff;
		boolean fin = (b0 & 0x80) != 0;
		int op = b0 & 0x0f;
		long len = b1 & 0x7f;
		int hl = 2;
		boolean rsv1 = (b0 & PerMessageDeflate.RSV1) != 0;
		if ((b0 & 0x30) != 0 || (rsv1 && (deflate == null || (op != OP_TEXT && op != OP_BINARY)))) {
			protocolError(1002, deflate == null ? "reserved bits set without an extension"
					: "reserved bits set outside the first frame of a compressed message");
			return 0;
		}
		if ((b1 & 0x80) != 0) {
			protocolError(1002, "masked frame from the server");
			return 0;
		}
		if ((op > OP_BINARY && op < OP_CLOSE) || op > OP_PONG) {
			protocolError(1002, "reserved opcode " + op);
			return 0;
		}
		if (len == 126) {
			if (n < 4) {
				return 0;
			}
			len = ((in[p + 2] & 0xff) << 8) | (in[p + 3] & 0xff);
			hl = 4;
		}
		else if (len == 127) {
			if (n < 10) {
				return 0;
			}
			len = 0;
			for (int i = 0; i < 8; i++) {
				len = (len << 8) | (in[p + 2 + i] & 0xff);
			}
			hl = 10;
		}
		// RFC 6455 5.2: the length in its shortest form, and the 64-bit one with its top bit clear
		if (len < 0 || (hl == 4 && len < 126) || (hl == 10 && len < 65536)) {
			protocolError(1002, len < 0 ? "sent a 64-bit length with the top bit set"
					: "sent a payload length not in its shortest form");
			return 0;
		}
		boolean control = op >= 8;
		if (control && (len > 125 || !fin)) {
			protocolError(1002, "invalid control frame");
			return 0;
		}
		long message = len + (fragments != null && !control ? fragments.size() : 0);
		if (message > maxPayload) {
			protocolError(1009, "message too big");
			return 0;
		}
		if (n < hl + len) {
			return 0;
		}
		int start = p + hl;
		int size = (int) len;
		if (control) {
			control(op, start, size);
		}
		else if (op == OP_CONT) {
			if (fragments == null) {
				protocolError(1002, "continuation without a message");
				return 0;
			}
			fragments.write(in, start, size);
			if (fin) {
				byte[] all = fragments.toByteArray();
				fragments = null;
				message(fragmentOp, all, fragmentsCompressed);
			}
		}
		else if (op == OP_TEXT || op == OP_BINARY) {
			if (fragments != null) {
				protocolError(1002, "new message inside a fragmented one");
				return 0;
			}
			if (fin) {
				byte[] data = new byte[size];
				System.arraycopy(in, start, data, 0, size);
				message(op, data, rsv1);
			}
			else {
				fragments = new ByteArrayOutputStream();
				fragmentOp = op;
				fragmentsCompressed = rsv1;
				fragments.write(in, start, size);
			}
		}
		return hl + size;
	}

	private void message(int op, byte[] data, boolean compressed) {
		if (compressed) {
			try {
				data = inflater.inflate(data, maxPayload);
			}
			catch (PerMessageDeflate.Failure e) {
				protocolError(e.code(), e.getMessage());
				return;
			}
		}
		if (op == OP_TEXT && !PerMessageDeflate.isUtf8(data)) {
			protocolError(1007, "invalid UTF-8 in a text message");
			return;
		}
		inbound.offer(new WebSocketFrame(op == OP_TEXT ? WebSocketFrame.Type.TEXT : WebSocketFrame.Type.BINARY, data));
	}

	private void control(int op, int start, int size) {
		byte[] data = new byte[size];
		System.arraycopy(in, start, data, 0, size);
		if (op == OP_PING) {
			if (!closeSent && !handlePing) {
				pong(data);
			}
			inbound.offer(WebSocketFrame.ping(data));
		}
		else if (op == OP_PONG) {
			inbound.offer(WebSocketFrame.pong(data));
		}
		else if (op == OP_CLOSE) {
			// a close body is a code that may be sent and a UTF-8 reason (RFC 6455 5.5.1, 7.4.1,
			// 8.1), as the server checks its clients'
			if (size == 1) {
				protocolError(1002, "sent a close frame of one byte");
				return;
			}
			int peerCode = size >= 2 ? ((data[0] & 0xff) << 8) | (data[1] & 0xff) : 0;
			if (size >= 2 && !WebSocketCloseStatus.isSendable(peerCode)) {
				protocolError(1002, "sent the close code " + peerCode + ", which may not be sent");
				return;
			}
			if (size > 2 && !PerMessageDeflate.isUtf8(java.util.Arrays.copyOfRange(data, 2, size))) {
				protocolError(1007, "sent a close reason that is not UTF-8");
				return;
			}
			closeReceived = true;
			closing = true;
			WebSocketCloseStatus s = size >= 2 ? new WebSocketCloseStatus(peerCode, new String(data, 2, size - 2, StandardCharsets.UTF_8))
					: WebSocketCloseStatus.EMPTY;
			if (closeOurs == null) {
				closeStatus.tryEmitValue(s);
			}
			else if (channel.pendingOutput() == 0) {
				closeStatus.tryEmitValue(closeOurs); // the answer to ours, which is out
			}
			// else ours is still going out: the drain below closes once it is (onClosed)
			if (!closeSent) {
				// echo the status, then close once it is written
				closeSent = true;
				writeFrame(OP_CLOSE, size >= 2 ? WebsocketOutbound.closePayload(s.code(), "") : new byte[0], true);
			}
			else {
				channel.drain();
			}
			inbound.complete();
		}
	}

	/**
	 * Answers a PING. Above {@link #PONG_BACKLOG} of unsent output (a server that sends PINGs
	 * and reads nothing would make one PONG per PING pile up without bound), only the most
	 * recent PING is answered (RFC 6455 5.5.3), once the output is down to the low-water mark.
	 */
	private void pong(byte[] data) {
		if (pongDue != null) {
			pongDue = data; // a PONG already waits for the output to drain: it answers this PING
			return;
		}
		if (channel.pendingOutput() > PONG_BACKLOG) {
			pongDue = data;
			channel.awaitWritable(() -> {
				byte[] due = pongDue;
				pongDue = null;
				if (due != null && !closeSent && !closed) {
					writeFrame(OP_PONG, due, false);
				}
			});
			return;
		}
		writeFrame(OP_PONG, data, false);
	}

	private void protocolError(int code, String reason) {
		failed = true;
		// the close goes first: failing the inbound may end the handler on this thread at once,
		// whose end would otherwise send its own close (1011) in place of this one
		sendCloseNow(code, reason);
		inbound.fail(new WebSocketProtocolException(new WebSocketCloseStatus(code, "server " + reason)));
		channel.drain(); // _Fail the WebSocket Connection_ (RFC 6455 7.1.7): no need to wait for the server's close
	}

	@Override
	public void onError(ConnectionError error) {
		if (closeSent && error.kind() == ConnectionError.Kind.WRITE_TIMEOUT) {
			return; // the close wait gave up on a server that read none of our output: the close reads 1006
		}
		inbound.fail(new ConnectionClosedException("WebSocket connection failed: " + error.describe()));
	}

	@Override
	public void onHandlerFailure(Throwable e) {
		inbound.fail(e);
	}

	@Override
	public void onClosed() {
		closed = true;
		closing = true;
		inflater.end();
		if (closeOurs != null && channel.unsentAtClose() == 0) {
			closeStatus.tryEmitValue(closeOurs); // our CLOSE went out before the connection closed
		}
		closeStatus.tryEmitValue(WebSocketCloseStatus.ABNORMAL);
		inbound.complete();
		connectionClosed.tryEmitEmpty();
		connectionClosedHook.run(); // the upgraded connection's doOnDisconnected hooks
	}

	/**
	 * Whether the session is closing or closed (any thread): a CLOSE was sent or received, or
	 * the connection is gone; a send that fails then was cut short by the close.
	 */
	boolean isClosing() {
		return closing;
	}

	// ---- outbound ----

	/** Writes one masked frame; with {@code close}, the connection closes once it is sent. */
	private long writeFrame(int op, byte[] payload, boolean close) {
		int len = payload.length;
		int hl = len < 126 ? 2 : len < 65536 ? 4 : 10;
		byte[] f = new byte[hl + 4 + len];
		f[0] = (byte) (0x80 | op);
		if (len < 126) {
			f[1] = (byte) (0x80 | len);
		}
		else if (len < 65536) {
			f[1] = (byte) (0x80 | 126);
			f[2] = (byte) (len >> 8);
			f[3] = (byte) len;
		}
		else {
			f[1] = (byte) (0x80 | 127);
			for (int i = 0; i < 8; i++) {
				f[2 + i] = (byte) (i < 4 ? 0 : len >>> (8 * (7 - i)));
			}
		}
		int mask = ThreadLocalRandom.current().nextInt();
		byte[] m = {(byte) (mask >>> 24), (byte) (mask >>> 16), (byte) (mask >>> 8), (byte) mask};
		System.arraycopy(m, 0, f, hl, 4);
		int o = hl + 4;
		for (int i = 0; i < len; i++) {
			f[o + i] = (byte) (payload[i] ^ m[i & 3]);
		}
		long r = channel.write(f, 0, f.length);
		if (close && r >= 0) {
			channel.drain();
		}
		return r;
	}

	private void sendCloseNow(int code, String reason) {
		if (closeSent || closed) {
			return;
		}
		closeSent = true;
		closing = true;
		if (writeFrame(OP_CLOSE, WebsocketOutbound.closePayload(code, reason), closeReceived) < 0) {
			return; // not written (the connection is closing): the server's close or 1006 follows
		}
		closeOurs = new WebSocketCloseStatus(code, reason);
		if (closeReceived) {
			closeStatus.tryEmitValue(closeOurs);
			return;
		}
		// the native side closes the connection closeWait after our output, the CLOSE included,
		// has left the process (timed from the CLOSE's write, the wait closed the connection under
		// a server still reading a large message: it got part of it and no CLOSE), or resets it
		// once the server has taken none of that output for closeStall; onDrained says when it is out
		long left = channel.closeWait(closeWait, closeStall);
		if (left < 0) {
			channel.close(); // no close wait (out of native memory): the status reads 1006
		}
		else if (left == 0) {
			closeStatus.tryEmitValue(closeOurs);
		}
	}

	/**
	 * Our output has all left the process: after our CLOSE, the close status is ours (checked
	 * first: the DRAINED of the poll that wrote the data before the CLOSE may be handled after the
	 * CLOSE was queued).
	 */
	@Override
	public void onDrained(long written) {
		if (closeOurs != null && !closeReceived && !closed && channel.pendingOutput() == 0) {
			closeStatus.tryEmitValue(closeOurs);
		}
	}

	/**
	 * Completes once the session's close status is known: our CLOSE has left the process, the
	 * server's came, or the connection closed (any thread).
	 */
	Mono<Void> closeSettled() {
		return closeStatus.asMono().then();
	}

	/** Any thread: ends the session as the handler ended (1000 on completion, 1011 on error). */
	void handlerEnded(boolean error) {
		el.executeOrRun(() -> sendCloseNow(error ? 1011 : 1000, error ? "internal error" : ""));
	}

	@Override
	public Flux<WebSocketFrame> receiveFrames() {
		return inbound;
	}

	@Override
	public Mono<WebSocketCloseStatus> receiveCloseStatus() {
		return closeStatus.asMono();
	}

	@Override
	public HttpHeaders headers() {
		return headers;
	}

	@Override
	public @Nullable String selectedSubprotocol() {
		return protocol;
	}

	@Override
	public Mono<Void> send(Publisher<WebSocketFrame> frames) {
		return FrameSender.send(channel, frames, connectionClosed.asMono(), f -> {
			if (closeSent || closed) {
				return NativeConstants.ERR_CLOSING;
			}
			if (f.type() == WebSocketFrame.Type.CLOSE) {
				byte[] p = f.payload();
				int code = p.length >= 2 ? ((p[0] & 0xff) << 8) | (p[1] & 0xff) : 1000;
				sendCloseNow(code, p.length > 2 ? new String(p, 2, p.length - 2, StandardCharsets.UTF_8) : "");
				return 0;
			}
			int op = FrameSender.opcode(f.type());
			byte[] z = PerMessageDeflate.deflate(f, deflate != null ? deflate.maxDeflated() : 0);
			return z != null ? writeFrame(op | PerMessageDeflate.RSV1, z, false) : writeFrame(op, f.payload(), false);
		});
	}

	@Override
	public Mono<Void> sendClose(int code, String reason) {
		WebSocketCloseStatus s = WebSocketCloseStatus.toSend(code, reason);
		return Mono.create(sink -> el.executeOrRun(() -> {
			sendCloseNow(s.code(), s.reason());
			sink.success();
		}));
	}

	@Override
	public String toString() {
		return "ClientWebsocketSession[" + channel + (protocol != null ? ", " + protocol : "") + "]";
	}
}
