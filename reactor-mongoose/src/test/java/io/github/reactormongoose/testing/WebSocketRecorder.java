/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.io.ByteArrayOutputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The listener of a JDK {@link WebSocket} client in tests: records whole messages (fragments
 * joined; a {@link String} for text, a {@code byte[]} for binary), the payloads of pings and
 * pongs, and the close frame or error. It requests every message at once, and the JDK client
 * answers each ping with a pong by itself.
 * <p>
 * Shipped in the reactor-mongoose test-jar: the core, the Spring module and the examples use
 * this one recorder.
 */
public final class WebSocketRecorder implements WebSocket.Listener {

	/** How long {@link #next()}, {@link #nextPing()}, {@link #nextPong()} and {@link #awaitClose()} wait. */
	public static final long TIMEOUT_SECONDS = 10;

	/** A close frame seen by the client. */
	public record Close(int code, String reason) {
	}

	/** Whole messages in arrival order: {@link String} (text) or {@code byte[]} (binary). */
	public final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
	/** Payloads of the pings received (the client has answered each with a pong). */
	public final BlockingQueue<byte[]> pings = new LinkedBlockingQueue<>();
	/** Payloads of the pongs received. */
	public final BlockingQueue<byte[]> pongs = new LinkedBlockingQueue<>();
	/** Completes with the server's close frame, or exceptionally with the client's error. */
	public final CompletableFuture<Close> closed = new CompletableFuture<>();

	private final StringBuilder text = new StringBuilder();
	private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

	@Override
	public void onOpen(WebSocket ws) {
		ws.request(Long.MAX_VALUE);
	}

	@Override
	public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
		text.append(data);
		if (last) {
			messages.add(text.toString());
			text.setLength(0);
		}
		return null;
	}

	@Override
	public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
		binary.writeBytes(bytes(data));
		if (last) {
			messages.add(binary.toByteArray());
			binary.reset();
		}
		return null;
	}

	@Override
	public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
		pings.add(bytes(message));
		return null;
	}

	@Override
	public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
		pongs.add(bytes(message));
		return null;
	}

	@Override
	public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
		closed.complete(new Close(statusCode, reason));
		return null;
	}

	@Override
	public void onError(WebSocket ws, Throwable error) {
		closed.completeExceptionally(error);
	}

	/** The next whole message: a {@link String} (text) or a {@code byte[]} (binary). */
	public Object next() throws InterruptedException {
		return poll(messages, "a message");
	}

	/** The payload of the next ping, as UTF-8 text. */
	public String nextPing() throws InterruptedException {
		return new String(poll(pings, "a ping"), StandardCharsets.UTF_8);
	}

	/** The payload of the next pong. */
	public byte[] nextPong() throws InterruptedException {
		return poll(pongs, "a pong");
	}

	/** The close frame of the server; fails if the client failed instead or saw no close in time. */
	public Close awaitClose() throws Exception {
		return closed.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
	}

	private static <T> T poll(BlockingQueue<T> queue, String what) throws InterruptedException {
		T item = queue.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
		if (item == null) {
			throw new AssertionError("expected " + what + " within " + TIMEOUT_SECONDS + " s");
		}
		return item;
	}

	private static byte[] bytes(ByteBuffer data) {
		byte[] b = new byte[data.remaining()];
		data.get(b);
		return b;
	}
}
