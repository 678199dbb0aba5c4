/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import io.github.reactormongoose.AddressInUseException;
import io.github.reactormongoose.testing.Stable;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link TcpEcho} (a {@code TcpServer}) against plain {@link Socket} clients. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpEchoTest {

	private static final int TIMEOUT_MS = 10_000;

	private TcpEcho echo;

	@BeforeEach
	void start() {
		echo = TcpEcho.start("127.0.0.1", 0);
	}

	@AfterEach
	void stop() {
		if (echo != null) {
			echo.disposeNow();
			assertThat(echo.isDisposed()).isTrue();
			assertThat(echo.onDispose().block(Duration.ofSeconds(5))).isNull();
			// the server's own loops are gone with it: no poll thread is left running
			assertThat(Thread.getAllStackTraces().keySet()).filteredOn(Thread::isAlive)
					.noneMatch(t -> t.getName().startsWith("tcp-echo"));
		}
	}

	private Socket connect() throws IOException {
		Socket s = new Socket();
		s.connect(new InetSocketAddress("127.0.0.1", echo.port()), TIMEOUT_MS);
		s.setSoTimeout(TIMEOUT_MS);
		return s;
	}

	@Test
	void bindsAnEphemeralPort() {
		assertThat(echo.port()).isPositive();
		assertThat(echo.address().getAddress().isLoopbackAddress()).isTrue();
	}

	@Test
	void echoesWhatItReceives() throws Exception {
		try (Socket s = connect()) {
			OutputStream out = s.getOutputStream();
			InputStream in = s.getInputStream();
			for (String msg : new String[] {"hello\n", "h\u00e9llo \u2603\n", "x"}) {
				byte[] bytes = msg.getBytes(StandardCharsets.UTF_8);
				out.write(bytes);
				out.flush();
				assertThat(in.readNBytes(bytes.length)).isEqualTo(bytes);
			}
		}
	}

	@Test
	void echoesAMegabyteInOrderWhileTheClientStillWrites() throws Exception {
		byte[] data = new byte[1024 * 1024];
		new Random(42).nextBytes(data);
		try (Socket s = connect()) {
			// write and read at the same time: the echo must not deadlock on full buffers
			CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
				try {
					OutputStream out = s.getOutputStream();
					for (int off = 0; off < data.length; off += 8192) {
						out.write(data, off, 8192);
					}
					out.flush();
				}
				catch (IOException e) {
					throw new IllegalStateException(e);
				}
			});
			byte[] back = s.getInputStream().readNBytes(data.length);
			writer.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
			assertThat(back.length).isEqualTo(data.length);
			assertThat(back).isEqualTo(data);
		}
	}

	@Test
	void aClientThatWritesWithoutReadingIsSlowedDownThenGetsEverythingBack() throws Exception {
		int chunk = 64 * 1024;
		long total = 32L * 1024 * 1024;
		byte[] block = new byte[chunk];
		new Random(7).nextBytes(block);
		try (Socket s = new Socket()) {
			s.setSendBufferSize(chunk);
			s.setReceiveBufferSize(chunk);
			s.connect(new InetSocketAddress("127.0.0.1", echo.port()), TIMEOUT_MS);
			s.setSoTimeout(TIMEOUT_MS);
			AtomicLong written = new AtomicLong();
			CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
				try {
					OutputStream out = s.getOutputStream();
					for (long n = 0; n < total; n += chunk) {
						out.write(block);
						written.addAndGet(chunk);
					}
				}
				catch (IOException e) {
					throw new IllegalStateException(e);
				}
			});

			// nobody reads the echo: the server stops reading, so the writer blocks
			Stable.await(written::get);
			assertThat(written.get()).as("bytes written while nobody reads").isLessThan(total);
			assertThat(writer).isNotDone();

			// reading releases everything, in order
			CRC32 expected = new CRC32();
			CRC32 actual = new CRC32();
			InputStream in = s.getInputStream();
			byte[] buf = new byte[chunk];
			for (long n = 0; n < total; n += chunk) {
				expected.update(block);
				in.readNBytes(buf, 0, chunk);
				actual.update(buf);
			}
			writer.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
			assertThat(actual.getValue()).isEqualTo(expected.getValue());
		}
	}

	@Test
	void aClientThatNeverReadsIsResetAfterTheWriteTimeout() throws Exception {
		TcpEcho strict = TcpEcho.start("127.0.0.1", 0, 1, Duration.ofSeconds(1));
		try (Socket s = new Socket()) {
			s.setReceiveBufferSize(16 * 1024);
			s.connect(new InetSocketAddress("127.0.0.1", strict.port()), TIMEOUT_MS);
			s.setSoTimeout(TIMEOUT_MS);
			byte[] block = new byte[64 * 1024];
			long start = System.nanoTime();
			// writes until the server's reset stops it (the echo waits unread all along)
			assertThatThrownBy(() -> {
				OutputStream out = s.getOutputStream();
				while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20)) {
					out.write(block);
				}
			}).isInstanceOf(IOException.class);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
		}
		finally {
			strict.dispose();
		}
	}

	@Test
	void whenTheClientClosesItsSideTheServerClosesToo() throws Exception {
		try (Socket s = connect()) {
			s.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
			assertThat(new String(s.getInputStream().readNBytes(3), StandardCharsets.US_ASCII)).isEqualTo("bye");
			s.shutdownOutput();
			// the handler's send completes with its input; the server then closes the connection
			assertThat(s.getInputStream().read()).isEqualTo(-1);
		}
	}

	@Test
	void aTakenPortFailsWithAddressInUse() {
		assertThatThrownBy(() -> TcpEcho.start("127.0.0.1", echo.port())).isInstanceOf(AddressInUseException.class);
	}

	@Test
	void keepsConnectionsApart() throws Exception {
		try (Socket a = connect(); Socket b = connect()) {
			a.getOutputStream().write("from a".getBytes(StandardCharsets.US_ASCII));
			b.getOutputStream().write("from b".getBytes(StandardCharsets.US_ASCII));
			assertThat(new String(b.getInputStream().readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("from b");
			assertThat(new String(a.getInputStream().readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("from a");
		}
	}

	@Test
	void disposingClosesOpenConnections() throws Exception {
		try (Socket s = connect()) {
			s.getOutputStream().write('!');
			assertThat(s.getInputStream().read()).isEqualTo('!');

			echo.disposeNow();

			// the server closed its side: end of stream (or a reset)
			int r;
			try {
				r = s.getInputStream().read();
			}
			catch (IOException reset) {
				r = -1;
			}
			assertThat(r).isEqualTo(-1);
		}
		assertThatThrownBy(() -> connect().close()).isInstanceOf(IOException.class);
	}

	@Test
	void onTwoLoopsEveryLoopAcceptsOnThePortAndEchoes() throws Exception {
		TcpEcho two = TcpEcho.start("127.0.0.1", 0, 2);
		try {
			List<Socket> open = new ArrayList<>();
			try {
				// the kernel spreads new connections over the loops' listeners
				for (int i = 0; i < 64 && two.connectionsPerLoop().size() < 2; i++) {
					Socket s = new Socket();
					open.add(s);
					s.connect(new InetSocketAddress("127.0.0.1", two.port()), TIMEOUT_MS);
					s.setSoTimeout(TIMEOUT_MS);
					byte[] msg = ("echo " + i).getBytes(StandardCharsets.US_ASCII);
					s.getOutputStream().write(msg);
					assertThat(s.getInputStream().readNBytes(msg.length)).isEqualTo(msg);
				}
				assertThat(two.connectionsPerLoop()).containsOnlyKeys("tcp-echo-0", "tcp-echo-1");
				assertThat(two.connectionsPerLoop().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(open.size());
			}
			finally {
				for (Socket s : open) {
					s.close();
				}
			}
		}
		finally {
			two.disposeNow();
		}
		assertThat(two.onDispose().block(Duration.ofSeconds(5))).isNull();
		// every loop's listener is closed: the port is free again
		try (ServerSocket again = new ServerSocket(two.port(), 50, InetAddress.getLoopbackAddress())) {
			assertThat(again.getLocalPort()).isEqualTo(two.port());
		}
	}
}
