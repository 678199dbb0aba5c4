/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.tcp.TcpServer;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Reactor Netty's {@code ByteBufFlux}/{@code ByteBufMono} idioms, as ported code writes them,
 * on {@link ByteBufferFlux} and {@link ByteArrayMono}: the server's request body, the
 * client's response body and a TCP connection's inbound, over real sockets.
 */
class ByteBufferFluxTest extends BaseHttpTest {

	/** "€" is E2 82 AC in UTF-8: the pieces below split it after its second byte. */
	private static final byte[] A_AND_TWO_THIRDS_OF_EURO = {'a', (byte) 0xE2, (byte) 0x82};
	private static final byte[] LAST_THIRD_OF_EURO_AND_B = {(byte) 0xAC, 'b'};

	@Test
	void theServersRequestBodyReadsAsInReactorNettysGuide() throws Exception {
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.post("/aggregate", (req, res) -> res.sendString(req.receive().aggregate().asString()))
				.post("/text", (req, res) -> res.sendString(req.receive().asString()))
				.post("/bytes", (req, res) -> res.sendString(req.receiveBytes().asString(UTF_8).map(s -> s.length() + " chars")))));
		String text = "h\u00e9llo w\u00f6rld \u20ac";
		for (String path : new String[] {"/aggregate", "/text"}) {
			HttpResponse<String> r = jdkClient().send(request(server, path)
					.POST(HttpRequest.BodyPublishers.ofString(text, UTF_8)).build(), HttpResponse.BodyHandlers.ofString(UTF_8));
			assertThat(r.statusCode()).isEqualTo(200);
			assertThat(r.body()).as(path).isEqualTo(text);
		}
		HttpResponse<String> empty = jdkClient().send(request(server, "/aggregate")
				.POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString(UTF_8));
		assertThat(empty.statusCode()).isEqualTo(200);
		assertThat(empty.body()).isEmpty();
		assertThat(jdkClient().send(request(server, "/bytes").POST(HttpRequest.BodyPublishers.ofString(text, UTF_8)).build(),
				HttpResponse.BodyHandlers.ofString(UTF_8)).body()).isEqualTo(text.length() + " chars");
	}

	@Test
	void aggregateObeysTheServersMaxAggregatedBodySize() throws Exception {
		DisposableServer server = bind(HttpServer.create().maxAggregatedBodySize(16).route(r -> r
				.post("/aggregate", (req, res) -> res.sendString(req.receive().aggregate().asString()))));
		byte[] sixteen = "0123456789abcdef".getBytes(UTF_8);
		byte[] seventeen = "0123456789abcdefg".getBytes(UTF_8);
		assertThat(post(server, HttpRequest.BodyPublishers.ofByteArray(sixteen)).body()).isEqualTo("0123456789abcdef");
		// a Content-Length beyond the limit: refused before the body is read
		assertThat(post(server, HttpRequest.BodyPublishers.ofByteArray(seventeen)).statusCode()).isEqualTo(413);
		// chunked (no length known): refused once the bytes pass the limit
		assertThat(post(server, chunked(seventeen)).statusCode()).isEqualTo(413);
		assertThat(post(server, chunked(sixteen)).body()).isEqualTo("0123456789abcdef");
	}

	@Test
	void aRequestBodysCharacterSplitBetweenPiecesIsDecodedWhole() throws Exception {
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.post("/echo", (req, res) -> res.sendString(req.receive().asString().map(s -> "[" + s + "]")))));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n").getBytes(UTF_8));
			c.write(A_AND_TWO_THIRDS_OF_EURO).write("\r\n");
			assertThat(c.readHead().status()).isEqualTo(200);
			// "a" goes out before the rest of the euro sign was sent: the decoder keeps its two bytes
			assertThat(readChunksUntil(c, "]")).isEqualTo("[a]");
			c.write("2\r\n").write(LAST_THIRD_OF_EURO_AND_B).write("\r\n0\r\n\r\n");
			assertThat(readChunksUntil(c, "]")).isEqualTo("[\u20acb]");
			assertThat(c.readChunk()).isNull();
		}
	}

	@Test
	void aTcpInboundReadsAsInReactorNettysGuide() throws Exception {
		DisposableServer server = track(TcpServer.create()
				.handle((in, out) -> out.sendString(in.receive().asString().map(s -> "[" + s + "]")))
				.bindNow(TIMEOUT));
		try (Socket s = new Socket("127.0.0.1", server.port())) {
			s.setSoTimeout(RawHttp.READ_TIMEOUT_MS);
			OutputStream out = s.getOutputStream();
			InputStream in = s.getInputStream();
			out.write(A_AND_TWO_THIRDS_OF_EURO);
			out.flush();
			assertThat(readUntil(in, "]")).isEqualTo("[a]");
			out.write(LAST_THIRD_OF_EURO_AND_B);
			out.flush();
			assertThat(readUntil(in, "]")).isEqualTo("[\u20acb]");
		}
		DisposableServer whole = track(TcpServer.create().halfClose(true)
				.handle((in, out) -> out.sendString(in.receive().aggregate().asString().map(s -> s + " (" + s.length() + ")")))
				.bindNow(TIMEOUT));
		try (Socket s = new Socket("127.0.0.1", whole.port())) {
			s.setSoTimeout(RawHttp.READ_TIMEOUT_MS);
			s.getOutputStream().write(A_AND_TWO_THIRDS_OF_EURO);
			s.getOutputStream().flush();
			s.getOutputStream().write(LAST_THIRD_OF_EURO_AND_B);
			s.shutdownOutput();
			assertThat(new String(s.getInputStream().readAllBytes(), UTF_8)).isEqualTo("a\u20acb (3)");
		}
	}

	@Test
	void theClientsResponseBodyReadsAsInReactorNettysGuide() {
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/hello", (req, res) -> res.sendString(Mono.just("h\u00e9llo \u20ac")))
				.get("/empty", (req, res) -> res.send())));
		HttpClient client = HttpClient.create().runOn(newLoop()).baseUrl("http://127.0.0.1:" + server.port());
		StepVerifier.create(client.get().uri("/hello").responseContent().aggregate().asString())
				.expectNext("h\u00e9llo \u20ac").expectComplete().verify(TIMEOUT);
		StepVerifier.create(client.get().uri("/hello").responseSingle((res, body) -> body.asString()))
				.expectNext("h\u00e9llo \u20ac").expectComplete().verify(TIMEOUT);
		StepVerifier.create(client.get().uri("/hello").response((res, body) -> body.asString()).collectList())
				.expectNext(java.util.List.of("h\u00e9llo \u20ac")).expectComplete().verify(TIMEOUT);
		StepVerifier.create(client.get().uri("/hello").responseSingle((res, body) -> body.asByteBuffer()).map(ByteBuffer::remaining))
				.expectNext("h\u00e9llo \u20ac".getBytes(UTF_8).length).expectComplete().verify(TIMEOUT);
		// the snippet: bytes is a Mono<byte[]>
		StepVerifier.create(client.get().uri("/hello").responseSingle((res, bytes) -> bytes.map(b -> new String(b, UTF_8))))
				.expectNext("h\u00e9llo \u20ac").expectComplete().verify(TIMEOUT);
		Flux<ByteBuffer> plain = client.get().uri("/hello").responseContent();
		StepVerifier.create(plain.map(ByteBuffer::remaining).reduce(0, Integer::sum))
				.expectNext("h\u00e9llo \u20ac".getBytes(UTF_8).length).expectComplete().verify(TIMEOUT);
		// an empty body aggregates to an empty array, as receiveBytes() and responseSingle give it
		StepVerifier.create(client.get().uri("/empty").responseContent().aggregate().asString())
				.expectNext("").expectComplete().verify(TIMEOUT);
	}

	@Test
	void aResponseBodysCharacterSplitBetweenReadsIsDecodedWhole() throws Exception {
		CountDownLatch firstDecoded = new CountDownLatch(1);
		com.sun.net.httpserver.HttpServer jdk = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		jdk.createContext("/split", ex -> {
			ex.sendResponseHeaders(200, 0); // chunked
			try (OutputStream o = ex.getResponseBody()) {
				o.write(A_AND_TWO_THIRDS_OF_EURO);
				o.flush();
				if (!firstDecoded.await(10, TimeUnit.SECONDS)) {
					return;
				}
				o.write(LAST_THIRD_OF_EURO_AND_B);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		});
		jdk.start();
		try {
			HttpClient client = HttpClient.create().runOn(newLoop());
			StepVerifier.create(client.get().uri("http://127.0.0.1:" + jdk.getAddress().getPort() + "/split")
							.responseContent().asString())
					.expectNext("a")
					.then(firstDecoded::countDown) // only now the rest of the euro sign is sent
					.expectNext("\u20acb")
					.expectComplete()
					.verify(TIMEOUT);
		}
		finally {
			jdk.stop(0);
		}
	}

	@Test
	void operatorsReturnPlainPublishersAndFromInboundKeepsTheInstance() {
		ByteBufferFlux f = ByteBufferFlux.fromString(Flux.just("a", "\u00e9"));
		assertThat(ByteBufferFlux.fromInbound(f)).isSameAs(f);
		assertThat(f.map(b -> b)).isNotInstanceOf(ByteBufferFlux.class);
		ByteArrayMono m = f.aggregate();
		assertThat(m.map(b -> b)).isNotInstanceOf(ByteArrayMono.class);
		StepVerifier.create(m.asString()).expectNext("a\u00e9").verifyComplete();
		StepVerifier.create(f.asByteArray().map(b -> b.length)).expectNext(1, 2).verifyComplete();
		StepVerifier.create(m.asInputStream().map(i -> {
			try {
				return i.readAllBytes().length;
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
		})).expectNext(3).verifyComplete();
	}

	private HttpResponse<String> post(DisposableServer server, HttpRequest.BodyPublisher body)
			throws IOException, InterruptedException {
		return jdkClient().send(request(server, "/aggregate").POST(body).build(), HttpResponse.BodyHandlers.ofString(UTF_8));
	}

	/** {@code bytes} of unknown length: the JDK client sends them chunked. */
	private static HttpRequest.BodyPublisher chunked(byte[] bytes) {
		return HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes));
	}

	private static String readChunksUntil(RawHttp c, String end) throws IOException {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		while (!b.toString(UTF_8).endsWith(end)) {
			byte[] chunk = c.readChunk();
			assertThat(chunk).as("a chunk before the end of " + b.toString(UTF_8)).isNotNull();
			b.writeBytes(chunk);
		}
		return b.toString(UTF_8);
	}

	private static String readUntil(InputStream in, String end) throws IOException {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		while (!b.toString(UTF_8).endsWith(end)) {
			int c = in.read();
			assertThat(c).as("a byte before the end of " + b.toString(UTF_8)).isNotNegative();
			b.write(c);
		}
		return b.toString(UTF_8);
	}
}
