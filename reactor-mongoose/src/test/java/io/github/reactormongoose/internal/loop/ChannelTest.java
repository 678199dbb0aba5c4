/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import static io.github.reactormongoose.internal.loop.LoopTestSupport.call;
import static io.github.reactormongoose.internal.loop.LoopTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.internal.jni.ConnNative;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.testing.NativeLeakCheck;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** A channel over real TCP connections on 127.0.0.1, driven from the poll thread. */
@ExtendWith(NativeLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChannelTest {

	private EventLoop loop;

	@BeforeEach
	void startLoop() {
		loop = LoopTestSupport.start("channel-test");
	}

	@AfterEach
	void stopLoop() {
		LoopTestSupport.stop(loop);
	}

	/** Collects what a stream connection reads; notes its CLOSE. */
	private static final class Recorder implements StreamHandler {
		final ByteArrayOutputStream read = new ByteArrayOutputStream();
		final CountDownLatch closed = new CountDownLatch(1);
		final CompletableFuture<InetSocketAddress[]> connected = new CompletableFuture<>();
		final CountDownLatch gotBytes;

		Recorder(int expectedBytes) {
			gotBytes = new CountDownLatch(expectedBytes);
		}

		@Override
		public void onConnect(InetSocketAddress local, InetSocketAddress remote) {
			connected.complete(new InetSocketAddress[] { local, remote });
		}

		@Override
		public void onRead(ByteBuffer buf, int offset, int length) {
			byte[] b = new byte[length];
			buf.get(offset, b);
			synchronized (read) {
				read.write(b, 0, length);
			}
			for (int i = 0; i < length; i++) {
				gotBytes.countDown();
			}
		}

		@Override
		public void onClosed() {
			closed.countDown();
		}

		String text() {
			synchronized (read) {
				return read.toString(StandardCharsets.UTF_8);
			}
		}
	}

	private static String readExactly(InputStream in, int n) throws Exception {
		byte[] b = in.readNBytes(n);
		return new String(b, StandardCharsets.UTF_8);
	}

	@Test
	void acceptedConnectionReadsWritesAndCloses() throws Exception {
		CompletableFuture<Channel> accepted = new CompletableFuture<>();
		CompletableFuture<InetSocketAddress> acceptedRemote = new CompletableFuture<>();
		Recorder child = new Recorder(4);
		Channel listener = call(loop, () -> loop.listen("tcp://127.0.0.1:0", Kind.TCP, ListenLimits.NONE,
				(c, local, remote) -> {
					accepted.complete(c);
					acceptedRemote.complete(remote);
					return child;
				}));
		InetSocketAddress bound = call(loop, () -> listener.address(true));
		assertThat(bound.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
		assertThat(bound.getPort()).isPositive();
		assertThat(listener.loop()).isSameAs(loop);
		assertThat(listener.toString()).contains("channel-test").contains("#" + listener.id());
		assertThat(call(loop, loop::channelCount)).isOne();

		try (Socket s = new Socket()) {
			s.connect(bound, 5_000);
			s.setSoTimeout(10_000);
			Channel c = accepted.get(10, TimeUnit.SECONDS);
			assertThat(c.id()).isNotEqualTo(listener.id());
			// read on the poll thread: the handler is set there once the factory above has returned
			ChannelHandler h = call(loop, c::handler);
			assertThat((Object) h).isSameAs(child);
			assertThat(acceptedRemote.get().getPort()).isEqualTo(s.getLocalPort());
			assertThat(call(loop, () -> c.address(false).getPort())).isEqualTo(s.getLocalPort());
			assertThat(call(loop, loop::channelCount)).isEqualTo(2);

			s.getOutputStream().write("ping".getBytes(StandardCharsets.UTF_8));
			assertThat(child.gotBytes.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(child.text()).isEqualTo("ping");

			byte[] pong = "pong".getBytes(StandardCharsets.UTF_8);
			long len = call(loop, () -> c.write(pong, 0, pong.length));
			assertThat(len).as("send-buffer length").isBetween(0L, 4L);
			assertThat(readExactly(s.getInputStream(), 4)).isEqualTo("pong");

			long direct = call(loop, () -> {
				ByteBuffer d = ByteBuffer.allocateDirect(8).put("direct".getBytes(StandardCharsets.UTF_8)).flip();
				long r = c.write(d);
				assertThat(d.position()).as("position not moved").isZero();
				return r;
			});
			assertThat(direct).isNotNegative();
			assertThat(readExactly(s.getInputStream(), 6)).isEqualTo("direct");

			long heap = call(loop, () -> c.write(ByteBuffer.wrap("xxheap".getBytes(StandardCharsets.UTF_8), 2, 4)));
			assertThat(heap).isNotNegative();
			assertThat(readExactly(s.getInputStream(), 4)).isEqualTo("heap");

			// an empty send buffer is at the low-water mark: the action runs at once
			AtomicBoolean writable = new AtomicBoolean();
			run(loop, () -> {
				c.awaitWritable(() -> writable.set(true));
				assertThat(writable).isTrue();
			});
			assertThat(c.aboveHighWater(loop.highWater())).isFalse();
			assertThat(c.aboveHighWater(loop.highWater() + 1L)).isTrue();

			// close: writes fail as closing at once, and the CLOSE event follows
			run(loop, () -> {
				c.close();
				assertThat(c.write(pong, 0, pong.length)).isEqualTo(NativeConstants.ERR_CLOSING);
			});
			assertThat(child.closed.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(s.getInputStream().read()).as("peer sees EOF").isEqualTo(-1);
			run(loop, () -> {
				assertThat(c.isClosed()).isTrue();
				assertThat(c.write(pong, 0, pong.length)).isEqualTo(NativeConstants.ERR_NO_CONN);
				assertThat(c.address(true)).isNull();
				AtomicBoolean ranAtOnce = new AtomicBoolean();
				c.awaitWritable(() -> ranAtOnce.set(true));
				assertThat(ranAtOnce).as("waiting on a closed channel runs the action at once").isTrue();
				assertThat(loop.channelCount()).isOne();
			});
		}
	}

	/**
	 * Read-only heap buffers (the request body's pieces, Spring's readable views) are sent from
	 * their backing array: offsets of wrapped arrays, slices and moved positions all land on
	 * the right bytes, and out-of-range arguments are refused by the native side, not read.
	 */
	@Test
	void readOnlyHeapViewsAreSentFromTheirArrays() throws Exception {
		assertThat(ConnNative.heapViews()).as("this JDK's ByteBuffer fields are found").isTrue();
		CompletableFuture<Channel> accepted = new CompletableFuture<>();
		Channel listener = call(loop, () -> loop.listen("tcp://127.0.0.1:0", Kind.TCP, ListenLimits.NONE,
				(c, local, remote) -> {
					accepted.complete(c);
					return new Recorder(0);
				}));
		InetSocketAddress bound = call(loop, () -> listener.address(true));
		byte[] a = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
		try (Socket s = new Socket()) {
			s.connect(bound, 5_000);
			s.setSoTimeout(10_000);
			Channel c = accepted.get(10, TimeUnit.SECONDS);
			run(loop, () -> {
				ByteBuffer wrapped = ByteBuffer.wrap(a, 3, 4).asReadOnlyBuffer(); // "3456"
				assertThat(wrapped.hasArray()).isFalse();
				assertThat(c.write(wrapped)).isNotNegative();
				assertThat(wrapped.position()).as("position not moved").isEqualTo(3);
				ByteBuffer slice = ByteBuffer.wrap(a, 10, 6).slice().asReadOnlyBuffer(); // "abcdef", array offset 10
				slice.position(2); // "cdef"
				assertThat(c.write(slice)).isNotNegative();
				ByteBuffer nested = slice.slice().position(1).slice(); // "def" twice sliced
				assertThat(c.write(nested.asReadOnlyBuffer())).isNotNegative();
				assertThat(c.write(ByteBuffer.allocate(0).asReadOnlyBuffer())).isNotNegative();
				long h = loop.nativeHandle();
				ByteBuffer ro = ByteBuffer.wrap(a).asReadOnlyBuffer();
				assertThat(ConnNative.sendHeap(h, c.id(), ro, 15, 6, 0)).as("past the array").isEqualTo(NativeConstants.ERR_BAD_ARG);
				assertThat(ConnNative.sendHeap(h, c.id(), ro, -1, 2, 0)).as("negative index").isEqualTo(NativeConstants.ERR_BAD_ARG);
				assertThat(ConnNative.sendHeap(h, c.id(), ro, Integer.MAX_VALUE, 2, 0)).as("overflowing index").isEqualTo(NativeConstants.ERR_BAD_ARG);
				assertThat(ConnNative.sendHeap(h, c.id(), ByteBuffer.allocateDirect(4), 0, 4, 0)).as("a direct buffer").isEqualTo(NativeConstants.ERR_BAD_ARG);
				assertThat(ConnNative.sendHeap(h, c.id(), null, 0, 4, 0)).as("null").isEqualTo(NativeConstants.ERR_BAD_ARG);
				// the same range check guards a plain array: an offset whose sum with the length
				// overflows an int is refused, not read
				assertThat(ConnNative.sendArray(h, c.id(), a, Integer.MAX_VALUE, 2, 0)).as("overflowing array offset").isEqualTo(NativeConstants.ERR_BAD_ARG);
				assertThat(ConnNative.sendArray(h, c.id(), a, -1, 2, 0)).as("negative array offset").isEqualTo(NativeConstants.ERR_BAD_ARG);
				assertThat(ConnNative.sendArray(h, c.id(), a, 19, 2, 0)).as("past the array").isEqualTo(NativeConstants.ERR_BAD_ARG);
				assertThat(ConnNative.sendHeap(h, c.id(), ro, 18, 2, 0)).as("the last two bytes").isNotNegative();
			});
			assertThat(readExactly(s.getInputStream(), 13)).isEqualTo("3456cdefdefij");
		}
	}

	/** UdpNative.sendArray checks the array range as the TCP natives do, in 64 bits. */
	@Test
	void datagramArrayRangesAreCheckedBeforeTheArrayIsRead() throws Exception {
		try (DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
			peer.setSoTimeout(10_000);
			byte[] ip = InetAddress.getLoopbackAddress().getAddress();
			int port = peer.getLocalPort();
			byte[] a = "0123456789".getBytes(StandardCharsets.US_ASCII);
			Channel u = call(loop, () -> loop.openUdp(ip, 0, null, 0, 0, 0, false, new DatagramHandler() {
			}));
			run(loop, () -> {
				assertThat(u.sendDatagram(ip, port, a, Integer.MAX_VALUE, 2)).as("overflowing offset").isEqualTo(NativeConstants.ERR_BAD_ARG);
				assertThat(u.sendDatagram(ip, port, a, -1, 2)).as("negative offset").isEqualTo(NativeConstants.ERR_BAD_ARG);
				assertThat(u.sendDatagram(ip, port, a, 9, 2)).as("past the array").isEqualTo(NativeConstants.ERR_BAD_ARG);
				assertThat(u.sendDatagram(ip, port, a, 8, 2)).as("the last two bytes").isNotNegative();
			});
			DatagramPacket got = new DatagramPacket(new byte[16], 16);
			peer.receive(got);
			assertThat(new String(got.getData(), 0, got.getLength(), StandardCharsets.US_ASCII)).as("only the valid datagram arrives").isEqualTo("89");
			run(loop, u::close);
		}
	}

	/** WsNative.sendArray checks the frame's array range as the TCP and UDP natives do, in 64 bits. */
	@Test
	void frameArrayRangesAreCheckedBeforeTheArrayIsRead() throws Exception {
		byte[] a = "0123456789".getBytes(StandardCharsets.US_ASCII);
		CompletableFuture<java.util.List<Long>> results = new CompletableFuture<>();
		ListenerHandler upgrading = (child, local, remote) -> new HttpChannelHandler() {
			@Override
			public void onRequest(ByteBuffer buf, int offset, int length, long flags) {
				// a message limit below 125 or above MAX_RECV_SIZE / 2 is refused before anything happens
				int small = child.upgradeToWebsocket("dGhlIHNhbXBsZSBub25jZQ==", null, null, false, 124, false);
				int big = child.upgradeToWebsocket("dGhlIHNhbXBsZSBub25jZQ==", null, null, false,
						(int) (NativeConstants.MAX_RECV_SIZE / 2 + 1), false);
				int up = child.upgradeToWebsocket("dGhlIHNhbXBsZSBub25jZQ==", null, null, false, 0, false);
				results.complete(java.util.List.of((long) small, (long) big, (long) up,
						child.writeFrame(NativeConstants.WS_OP_TEXT, a, Integer.MAX_VALUE, 2, false),
						child.writeFrame(NativeConstants.WS_OP_TEXT, a, -1, 2, false),
						child.writeFrame(NativeConstants.WS_OP_TEXT, a, 9, 2, false),
						child.writeFrame(NativeConstants.WS_OP_TEXT, a, 2, -1, false),
						child.writeFrame(NativeConstants.WS_OP_TEXT, a, 8, 2, false)));
			}
		};
		int port = call(loop, () -> loop.listen("http://127.0.0.1:0", Kind.HTTP,
				new ListenLimits(1024, 8192, 1024, 65536), upgrading, PortSharing.FIRST).address(true).getPort());
		try (RawHttp http = RawHttp.connect(port)) {
			http.write("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
			java.util.List<Long> all = results.get(10, TimeUnit.SECONDS);
			assertThat(all.subList(0, 2)).as("message limits 124 and MAX_RECV_SIZE / 2 + 1")
					.containsOnly(NativeConstants.ERR_BAD_ARG);
			java.util.List<Long> r = all.subList(2, all.size());
			assertThat(r.get(0)).as("upgrade").isZero();
			assertThat(r.subList(1, 5)).as("overflowing offset, negative offset, past the array, negative length")
					.containsOnly(NativeConstants.ERR_BAD_ARG);
			assertThat(r.get(5)).as("the last two bytes").isNotNegative();
			RawHttp.Response head = http.readHead();
			assertThat(head.protocol()).isEqualTo("HTTP/1.1");
			assertThat(head.status()).isEqualTo(101);
			assertThat(head.header("Sec-WebSocket-Accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
			// only the valid frame follows the 101: FIN + text, unmasked, length 2, "89"
			assertThat(http.readExactly(4)).containsExactly(0x81, 2, '8', '9');
			http.soTimeout(300);
			assertThat(http.isClosedByPeer()).as("nothing else was sent, and the connection stays open").isFalse();
		}
	}

	@Test
	void writersWaitingForWritableAreReleasedWhenTheConnectionCloses() throws Exception {
		CompletableFuture<Channel> accepted = new CompletableFuture<>();
		Recorder child = new Recorder(0);
		Channel listener = call(loop, () -> loop.listen("tcp://127.0.0.1:0", Kind.TCP, ListenLimits.NONE,
				(c, local, remote) -> {
					accepted.complete(c);
					return child;
				}));
		InetSocketAddress bound = call(loop, () -> listener.address(true));

		try (Socket s = new Socket()) {
			s.connect(bound, 5_000);
			Channel c = accepted.get(10, TimeUnit.SECONDS);
			AtomicInteger released = new AtomicInteger();
			byte[] chunk = new byte[64 * 1024];

			// One task, so no poll can flush in between: fill the send buffer above the
			// low-water mark, wait twice, then close (a closing connection is not flushed).
			run(loop, () -> {
				long r = 0;
				for (int i = 0; i < 32 && r <= loop.lowWater(); i++) {
					r = c.write(chunk, 0, chunk.length);
				}
				assertThat(r).isGreaterThan(loop.lowWater());
				c.awaitWritable(released::incrementAndGet);
				c.awaitWritable(released::incrementAndGet);
				assertThat(released).as("still waiting").hasValue(0);
				c.close();
			});

			assertThat(child.closed.await(10, TimeUnit.SECONDS)).isTrue();
			run(loop, () -> assertThat(released).as("every waiter ran on CLOSE").hasValue(2));
		}
	}

	@Test
	void anOutboundConnectionReportsItsAddressesAndExchangesBytes() throws Exception {
		try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			server.setSoTimeout(10_000);
			Recorder client = new Recorder(5);
			Channel c = call(loop, () -> loop.connect("tcp://127.0.0.1:" + server.getLocalPort(), Kind.TCP, client));

			try (Socket peer = server.accept()) {
				peer.setSoTimeout(10_000);
				InetSocketAddress[] addresses = client.connected.get(10, TimeUnit.SECONDS);
				assertThat(addresses[1].getPort()).isEqualTo(server.getLocalPort());
				assertThat(addresses[0].getPort()).isEqualTo(peer.getPort());

				byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
				assertThat(call(loop, () -> c.write(hello, 0, hello.length))).isNotNegative();
				assertThat(readExactly(peer.getInputStream(), 5)).isEqualTo("hello");

				peer.getOutputStream().write("world".getBytes(StandardCharsets.UTF_8));
				assertThat(client.gotBytes.await(10, TimeUnit.SECONDS)).isTrue();
				assertThat(client.text()).isEqualTo("world");
			}
			// the peer closed: the channel gets its CLOSE
			assertThat(client.closed.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(call(loop, c::isClosed)).isTrue();
		}
	}

	@Test
	void nativeOperationsOffThePollThreadAreRefused() throws Exception {
		Channel listener = call(loop, () -> loop.listen("tcp://127.0.0.1:0", Kind.TCP, ListenLimits.NONE,
				(c, local, remote) -> null));

		assertThatThrownBy(() -> listener.address(true)).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("poll thread");
		assertThatThrownBy(listener::close).isInstanceOf(IllegalStateException.class);
	}

	@Test
	void anAcceptRefusedByTheListenerIsClosed() throws Exception {
		CountDownLatch offered = new CountDownLatch(1);
		Channel listener = call(loop, () -> loop.listen("tcp://127.0.0.1:0", Kind.TCP, ListenLimits.NONE,
				(c, local, remote) -> {
					offered.countDown();
					return null;
				}));
		InetSocketAddress bound = call(loop, () -> listener.address(true));

		try (Socket s = new Socket()) {
			s.connect(bound, 5_000);
			s.setSoTimeout(10_000);
			assertThat(offered.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(s.getInputStream().read()).as("refused connection closed").isEqualTo(-1);
			assertThat(call(loop, loop::channelCount)).as("only the listener has a handler").isOne();
		}
	}
}
