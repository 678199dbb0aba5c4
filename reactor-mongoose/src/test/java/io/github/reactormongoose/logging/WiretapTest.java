/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.logging;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.tcp.TcpClient;
import io.github.reactormongoose.tcp.TcpServer;
import io.github.reactormongoose.testing.LogCapture;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import io.github.reactormongoose.udp.Datagram;
import io.github.reactormongoose.udp.UdpClient;
import io.github.reactormongoose.udp.UdpConnection;
import io.github.reactormongoose.udp.UdpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code wiretap(...)} of the servers and clients: every byte that crossed each socket, in
 * order, with the connection's opening and end, on the logger and at the level asked for.
 * The byte counts of the logged reads and writes are compared with what a raw client sent
 * and received, so that a lost or repeated piece (a write made outside a poll, a file body
 * sent with sendfile(2), an answer the native side made itself) fails the test.
 */
class WiretapTest extends BaseHttpTest {

	private static final Pattern EVENT = Pattern.compile("^\\[id: (\\d+)[^\\]]*\\] (ACTIVE|READ|WRITE|INACTIVE)(?:: (\\d+)B)?");

	@TempDir
	static Path dir;

	/** One logged event: connection id, kind, byte count and the text after the first line. */
	record Event(long id, String kind, int bytes, String body) {
	}

	static List<Event> events(LogCapture log) {
		List<Event> out = new ArrayList<>();
		for (String line : log.lines()) {
			Matcher m = EVENT.matcher(line);
			if (m.find()) {
				int nl = line.indexOf('\n');
				out.add(new Event(Long.parseLong(m.group(1)), m.group(2), m.group(3) == null ? 0 : Integer.parseInt(m.group(3)),
						nl < 0 ? "" : line.substring(nl + 1)));
			}
		}
		return out;
	}

	/** Waits up to the suite's timeout for {@code condition} (log lines come from the poll thread). */
	static void until(java.util.function.BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("condition not met in time").isLessThan(deadline);
			Thread.sleep(10);
		}
	}

	static int sum(List<Event> events, String kind) {
		return events.stream().filter(e -> e.kind().equals(kind)).mapToInt(Event::bytes).sum();
	}

	static String text(List<Event> events, String kind) {
		StringBuilder sb = new StringBuilder();
		events.stream().filter(e -> e.kind().equals(kind)).forEach(e -> sb.append(e.body()));
		return sb.toString();
	}

	@Test
	void serverLogsEveryByteReadAndWrittenAsTextWithTheConnectionsLife() throws Exception {
		try (LogCapture log = LogCapture.allLevels("wire.server")) {
			DisposableServer server = bind(HttpServer.create()
					.wiretap("wire.server", LogLevel.DEBUG, AdvancedByteBufFormat.TEXTUAL)
					.route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just("Hello, wire")))
							.post("/echo", (req, res) -> res.send(req.receive()))));
			byte[] post = RawHttp.request("POST", "/echo", "ping-pong".getBytes(StandardCharsets.UTF_8));
			String get = RawHttp.get("/hello").replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n");
			byte[] received;
			try (RawHttp c = RawHttp.connect(server.port())) {
				assertThat(c.write(post).read().bodyString()).isEqualTo("ping-pong");
				c.write(get);
				received = RawHttp.readUntilClosed(c.socket().getInputStream());
			}
			until(() -> events(log).stream().anyMatch(e -> e.kind().equals("INACTIVE")));
			List<Event> ev = events(log);
			assertThat(ev).extracting(Event::id).containsOnly(ev.get(0).id());
			assertThat(ev.get(0).kind()).isEqualTo("ACTIVE");
			assertThat(log.lines().get(0)).contains("L:/127.0.0.1:" + server.port()).contains(" - R:/127.0.0.1:");
			assertThat(ev.get(ev.size() - 1).kind()).isEqualTo("INACTIVE");
			assertThat(log.levels()).containsOnly("debug");
			// every byte the client sent was read, once, in order
			assertThat(text(ev, "READ")).isEqualTo(new String(post, StandardCharsets.UTF_8) + get);
			assertThat(sum(ev, "READ")).isEqualTo(post.length + get.length());
			// what was written: both answers, byte for byte what the client got
			String written = text(ev, "WRITE");
			assertThat(written).startsWith("HTTP/1.1 200 OK\r\n").contains("\r\n\r\n9\r\nping-pong\r\n0\r\n\r\n")
					.endsWith(new String(received, StandardCharsets.UTF_8));
			assertThat(written).contains("Hello, wire");
		}
	}

	@Test
	void hexDumpIsNettysTable() throws Exception {
		try (LogCapture log = LogCapture.allLevels(HttpServer.class.getName())) {
			DisposableServer server = bind(HttpServer.create().wiretap(true)
					.handle((req, res) -> res.sendString(Mono.just("ok"))));
			try (RawHttp c = RawHttp.connect(server.port())) {
				c.write("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
				assertThat(c.read().bodyString()).isEqualTo("ok");
			}
			until(() -> events(log).stream().anyMatch(e -> e.kind().equals("INACTIVE")));
			String read = log.lines().stream().filter(l -> l.contains(" READ: ")).findFirst().orElseThrow();
			assertThat(read.split("\\R")).containsSubsequence(
					"[id: " + events(log).get(0).id() + ", L:/127.0.0.1:" + server.port() + " - R:"
							+ read.substring(read.indexOf(" - R:") + 5, read.indexOf(']')) + "] READ: 27B",
					"         +-------------------------------------------------+",
					"         |  0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f |",
					"+--------+-------------------------------------------------+----------------+",
					"|00000000| 47 45 54 20 2f 20 48 54 54 50 2f 31 2e 31 0d 0a |GET / HTTP/1.1..|",
					"|00000010| 48 6f 73 74 3a 20 61 0d 0a 0d 0a                |Host: a....     |",
					"+--------+-------------------------------------------------+----------------+");
		}
	}

	@Test
	void answersTheServerMakesItselfFileBodiesAndLargeBodiesAreLoggedWhole() throws Exception {
		byte[] content = new byte[300_000];
		for (int i = 0; i < content.length; i++) {
			content[i] = (byte) ('a' + i % 26);
		}
		Path file = Files.write(dir.resolve("big.txt"), content);
		try (LogCapture log = LogCapture.allLevels("wire.big")) {
			DisposableServer server = bind(HttpServer.create().maxHeaderSize(1024)
					.wiretap("wire.big", LogLevel.TRACE, AdvancedByteBufFormat.SIMPLE)
					.route(r -> r.get("/file", (req, res) -> res.sendFile(file))
							.get("/big", (req, res) -> res.sendByteArray(Mono.just(content)))));
			ByteArrayOutputStream sent = new ByteArrayOutputStream();
			byte[] received;
			try (RawHttp c = RawHttp.connect(server.port())) {
				for (String target : List.of("/file", "/big")) {
					byte[] r = RawHttp.get(target).getBytes(StandardCharsets.ISO_8859_1);
					sent.write(r);
					assertThat(c.write(r).read().body()).isEqualTo(content);
				}
				// a head over the limit: the native side answers 431 and closes
				byte[] tooLong = ("GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + "x".repeat(2000) + "\r\n\r\n")
						.getBytes(StandardCharsets.ISO_8859_1);
				sent.write(tooLong);
				c.write(tooLong);
				received = RawHttp.readUntilClosed(c.socket().getInputStream());
			}
			assertThat(new String(received, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 431");
			until(() -> events(log).stream().anyMatch(e -> e.kind().equals("INACTIVE")));
			List<Event> ev = events(log);
			assertThat(log.levels()).containsOnly("trace");
			assertThat(ev).extracting(Event::body).containsOnly("");
			assertThat(sum(ev, "READ")).isLessThanOrEqualTo(sent.size()).isGreaterThan(sent.size() - 2000);
			// two whole responses (heads of about 100 bytes each) and the 431
			int written = sum(ev, "WRITE");
			assertThat(written).isGreaterThan(2 * content.length + received.length)
					.isLessThan(2 * content.length + received.length + 400);
		}
	}

	@Test
	void httpsIsLoggedBeforeEncryption() throws Exception {
		TestPki.assumeOpenssl();
		TestPki pki = TestPki.root(dir.resolve("pki"), "Wiretap CA");
		TestPki.Issued cert = pki.server("localhost", TestPki.KeyType.EC_P256);
		try (LogCapture log = LogCapture.allLevels("wire.tls")) {
			DisposableServer server = bind(HttpServer.create().secure(TlsSpec.forServer(cert.chain(), cert.key()))
					.wiretap("wire.tls", LogLevel.INFO, AdvancedByteBufFormat.TEXTUAL)
					.handle((req, res) -> res.sendString(Mono.just("secret " + req.uri()))));
			java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder().sslContext(TestPki.trusting(pki.ca()))
					.version(java.net.http.HttpClient.Version.HTTP_1_1).build();
			HttpResponse<String> r = jdk.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/x?y"))
					.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(r.body()).isEqualTo("secret /x?y");
			until(() -> text(events(log), "WRITE").contains("secret /x?y"));
			List<Event> ev = events(log);
			assertThat(text(ev, "READ")).startsWith("GET /x?y HTTP/1.1\r\n");
			assertThat(log.levels()).containsOnly("info");
		}
	}

	@Test
	void aWebSocketsUpgradeAndFramesAreOnTheWire() throws Exception {
		try (LogCapture log = LogCapture.allLevels("wire.ws")) {
			DisposableServer server = bind(HttpServer.create()
					.wiretap("wire.ws", LogLevel.DEBUG, AdvancedByteBufFormat.TEXTUAL, StandardCharsets.ISO_8859_1)
					.route(r -> r.ws("/echo", (in, out) -> out.sendString(in.receiveText().map(s -> "echo " + s)))));
			java.util.concurrent.CompletableFuture<String> got = new java.util.concurrent.CompletableFuture<>();
			java.net.http.WebSocket ws = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
					.buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/echo"), new java.net.http.WebSocket.Listener() {
						@Override
						public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w, CharSequence data,
								boolean last) {
							got.complete(data.toString());
							return null;
						}
					}).get(10, java.util.concurrent.TimeUnit.SECONDS);
			ws.sendText("hello-ws", true).get(10, java.util.concurrent.TimeUnit.SECONDS);
			assertThat(got.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("echo hello-ws");
			ws.sendClose(1000, "bye").get(10, java.util.concurrent.TimeUnit.SECONDS);
			until(() -> events(log).stream().anyMatch(e -> e.kind().equals("INACTIVE")));
			List<Event> ev = events(log);
			assertThat(text(ev, "READ")).startsWith("GET /echo HTTP/1.1\r\n").contains("Upgrade: websocket");
			// the 101 the server wrote, then its unmasked frame: FIN + text (0x81), length 13, the text
			// (decoded as ISO-8859-1, the charset asked for: one char per byte)
			assertThat(text(ev, "WRITE")).startsWith("HTTP/1.1 101 Switching Protocols\r\n")
					.contains((char) 0x81 + "\recho hello-ws");
		}
	}

	@Test
	void clientLogsItsConnectionsAndNeverReusesAnUntappedOne() throws Exception {
		DisposableServer server = bind(HttpServer.create()
				.handle((req, res) -> res.sendString(Mono.just("seen " + req.uri()))));
		String base = "http://127.0.0.1:" + server.port();
		// an untapped client leaves a pooled connection to the same server
		assertThat(HttpClient.create().get().uri(base + "/plain").responseSingle((res, body) -> body.map(b -> new String(b, StandardCharsets.UTF_8))).block(TIMEOUT))
				.isEqualTo("seen /plain");
		try (LogCapture log = LogCapture.allLevels(HttpClient.class.getName())) {
			HttpClient tapped = HttpClient.create().wiretap(true);
			assertThat(tapped.get().uri(base + "/one").responseSingle((res, body) -> body.map(b -> new String(b, StandardCharsets.UTF_8))).block(TIMEOUT))
					.isEqualTo("seen /one");
			assertThat(tapped.wiretap(HttpClient.class.getName(), LogLevel.DEBUG, AdvancedByteBufFormat.TEXTUAL)
					.get().uri(base + "/two").responseSingle((res, body) -> body.map(b -> new String(b, StandardCharsets.UTF_8))).block(TIMEOUT)).isEqualTo("seen /two");
			List<Event> ev = events(log);
			assertThat(ev).extracting(Event::kind).contains("ACTIVE", "WRITE", "READ");
			assertThat(log.lines().get(0)).contains(" - R:/127.0.0.1:" + server.port() + "] ACTIVE");
			// HEX_DUMP then TEXTUAL: two pools, two connections
			assertThat(ev.stream().filter(e -> e.kind().equals("ACTIVE"))).hasSize(2);
			assertThat(text(ev, "WRITE")).contains("GET /two HTTP/1.1\r\n");
			assertThat(text(ev, "READ")).contains("seen /two");
			assertThat(String.join("\n", log.lines())).contains("|GET /one HTTP/1.|");
		}
	}

	@Test
	void tcpServerAndClientLogBothEnds() throws Exception {
		try (LogCapture log = LogCapture.allLevels("wire.tcp")) {
			DisposableServer server = track(TcpServer.create().wiretap("wire.tcp", LogLevel.DEBUG, AdvancedByteBufFormat.TEXTUAL)
					.handle((in, out) -> out.sendString(in.receiveString().map(s -> "echo:" + s)))
					.bindNow(TIMEOUT));
			Connection c = TcpClient.create().port(server.port())
					.wiretap("wire.tcp", LogLevel.DEBUG, AdvancedByteBufFormat.TEXTUAL).connectNow(TIMEOUT);
			try {
				c.send("ping".getBytes(StandardCharsets.UTF_8)).block(TIMEOUT);
				ByteBuffer answer = c.receive().blockFirst(TIMEOUT);
				assertThat(StandardCharsets.UTF_8.decode(answer).toString()).isEqualTo("echo:ping");
			}
			finally {
				c.close();
			}
			until(() -> events(log).stream().filter(e -> e.kind().equals("INACTIVE")).count() == 2);
			List<Event> ev = events(log);
			assertThat(ev.stream().filter(e -> e.kind().equals("ACTIVE"))).hasSize(2);
			// each side wrote what the other read
			assertThat(ev.stream().filter(e -> e.kind().equals("WRITE")).map(Event::body)).containsExactlyInAnyOrder("ping",
					"echo:ping");
			assertThat(ev.stream().filter(e -> e.kind().equals("READ")).map(Event::body)).containsExactlyInAnyOrder("ping",
					"echo:ping");
		}
	}

	/**
	 * A half-close is logged as Netty logs it, a USER_EVENT: the peer's FIN on a half-closing
	 * TcpServer connection (ChannelInputShutdownEvent) and each side's shutdownOutput()
	 * (ChannelOutputShutdownEvent), between the bytes before and after it; they were not logged.
	 */
	@Test
	void halfClosesAreLoggedAsNettysUserEvents() throws Exception {
		try (LogCapture log = LogCapture.allLevels("wire.hc")) {
			DisposableServer s = track(TcpServer.create().halfClose(true)
					.wiretap("wire.hc", LogLevel.DEBUG, AdvancedByteBufFormat.SIMPLE)
					.handle((in, out) -> out.send(in.receive()).then(out.shutdownOutput()))
					.bindNow(TIMEOUT));
			Connection c = TcpClient.create().port(s.port())
					.wiretap("wire.hc", LogLevel.DEBUG, AdvancedByteBufFormat.SIMPLE).connectNow(TIMEOUT);
			try {
				c.send("ping".getBytes(StandardCharsets.UTF_8)).then(c.shutdownOutput()).block(TIMEOUT);
				assertThat(c.receive().map(b -> StandardCharsets.UTF_8.decode(b).toString()).reduce("", String::concat)
						.block(TIMEOUT)).isEqualTo("ping");
			}
			finally {
				c.close();
			}
			until(() -> log.lines().stream().filter(l -> l.endsWith("] INACTIVE")).count() == 2);
			String serverSide = "L:/127.0.0.1:" + s.port() + " ";
			List<String> serverLines = log.lines().stream().filter(l -> l.contains(serverSide))
					.map(l -> l.substring(l.indexOf("] ") + 2)).toList();
			assertThat(serverLines).containsSubsequence("ACTIVE", "READ: 4B", "USER_EVENT: ChannelInputShutdownEvent",
					"USER_EVENT: ChannelOutputShutdownEvent", "INACTIVE");
			assertThat(serverLines).containsSubsequence("WRITE: 4B", "USER_EVENT: ChannelOutputShutdownEvent");
			assertThat(serverLines).hasSize(6);
			List<String> clientLines = log.lines().stream().filter(l -> !l.contains(serverSide))
					.map(l -> l.substring(l.indexOf("] ") + 2)).toList();
			assertThat(clientLines).containsExactly("ACTIVE", "WRITE: 4B", "USER_EVENT: ChannelOutputShutdownEvent",
					"READ: 4B", "INACTIVE");
		}
	}

	@Test
	void udpLogsEveryDatagramWithItsPeer() throws Exception {
		try (LogCapture log = LogCapture.allLevels("wire.udp")) {
			UdpConnection server = UdpServer.create().wiretap("wire.udp", LogLevel.DEBUG, AdvancedByteBufFormat.TEXTUAL)
					.handle((in, out) -> out.send(in.receive().map(d -> Datagram.of("echo " + d.text(), d.address()))))
					.bindNow();
			UdpConnection client = UdpClient.create().port(server.localAddress().getPort())
					.wiretap("wire.udp", LogLevel.DEBUG, AdvancedByteBufFormat.TEXTUAL).connectNow();
			try (java.net.DatagramSocket jdk = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
				// a JDK peer, then our client
				jdk.setSoTimeout(10_000);
				byte[] ping = "jdk".getBytes(StandardCharsets.UTF_8);
				jdk.send(new java.net.DatagramPacket(ping, ping.length, server.localAddress()));
				java.net.DatagramPacket back = new java.net.DatagramPacket(new byte[64], 64);
				jdk.receive(back);
				assertThat(new String(back.getData(), 0, back.getLength(), StandardCharsets.UTF_8)).isEqualTo("echo jdk");
				client.sendString(Mono.just("ours")).block(TIMEOUT);
				assertThat(client.receive().next().map(Datagram::text).block(TIMEOUT)).isEqualTo("echo ours");
				String s = "/127.0.0.1:" + server.localAddress().getPort();
				String c = "/127.0.0.1:" + client.localAddress().getPort();
				String j = "/127.0.0.1:" + jdk.getLocalPort();
				until(() -> log.lines().size() >= 8);
				List<String> lines = log.lines().stream().map(l -> l.replaceAll("^\\[id: \\d+, ", "[")).toList();
				assertThat(lines).contains("[L:" + s + "] ACTIVE", "[L:" + c + " - R:" + s + "] ACTIVE",
						"[L:" + s + "] READ: 3B from " + j + "\njdk",
						"[L:" + s + "] WRITE: 8B to " + j + "\necho jdk",
						"[L:" + c + " - R:" + s + "] WRITE: 4B to " + s + "\nours",
						"[L:" + s + "] READ: 4B from " + c + "\nours",
						"[L:" + s + "] WRITE: 9B to " + c + "\necho ours",
						"[L:" + c + " - R:" + s + "] READ: 9B from " + s + "\necho ours");
			}
			finally {
				client.dispose();
				server.dispose();
			}
			until(() -> log.lines().stream().filter(l -> l.endsWith("] INACTIVE")).count() == 2);
		}
	}

	@Test
	void untappedServersLogNothingAndBadSettingsAreRefused() throws Exception {
		try (LogCapture log = LogCapture.allLevels(HttpServer.class.getName())) {
			DisposableServer server = bind(HttpServer.create().wiretap(true).wiretap(false)
					.handle((req, res) -> res.sendString(Mono.just("ok"))));
			try (RawHttp c = RawHttp.connect(server.port())) {
				assertThat(c.write(RawHttp.get("/")).read().bodyString()).isEqualTo("ok");
			}
			Thread.sleep(200);
			assertThat(log.lines()).isEmpty();
		}
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> HttpServer.create().wiretap(" "))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("category");
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> TcpClient.create().wiretap("x", null))
				.isInstanceOf(NullPointerException.class).hasMessageContaining("level");
	}
}
