/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.FormPart;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.HttpServerRequest;
import io.github.reactormongoose.http.server.HttpServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Uploads of any size with a small, fixed amount of memory: {@code POST /upload} reads the
 * request body as it arrives ({@code request.receive()}) and answers its size and SHA-256
 * (422 when a chunked upload ends with a {@code Digest-SHA256} trailer field that says
 * otherwise: {@code request.trailerHeaders()}),
 * {@code POST /small} gathers a body of at most 64 KiB in memory
 * ({@code request.receive().aggregate().asString()}, as Reactor Netty's guide writes it, the
 * same as {@code request.receiveString()}; a larger one gets 413), and {@code POST /echo} sends the
 * body back as it arrives ({@code response.send(request.receive())}: each piece is written
 * from its array, not copied again), ending with its SHA-256 as a trailer field
 * ({@code Digest-SHA256}, for clients that read trailers: {@code curl --raw} shows it). {@code POST /files} takes an HTML form
 * ({@code multipart/form-data}, e.g. {@code curl -F title=Holiday -F photo=@a.jpg}): it saves
 * each file part into the upload directory under a name of its own, and lists what it got.
 * <p>
 * Nothing holds a whole upload: each piece is hashed and dropped. While the digest falls
 * behind, the connection stops reading its socket and TCP slows the client down. Try it
 * with {@code curl --data-binary @big.iso http://127.0.0.1:8081/upload}, or with
 * {@code -H 'Transfer-Encoding: chunked'} for a chunked upload.
 */
public final class UploadServer {

	private UploadServer() {
	}

	/** Binds the server on {@code host:port} (0: a free port), saving form uploads in a new temporary directory. */
	public static DisposableServer start(String host, int port) {
		try {
			return start(host, port, Files.createTempDirectory("uploads"));
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** Binds the server on {@code host:port} (0: a free port), on one loop of its own; form uploads go to {@code uploads}. */
	public static DisposableServer start(String host, int port, Path uploads) {
		return server(host, port, uploads).bindNow(Duration.ofSeconds(10));
	}

	/** The server, configured and not bound yet. */
	static HttpServer server(String host, int port, Path uploads) {
		return HttpServer.create()
				.host(host)
				.port(port)
				.loopName("upload")
				.maxAggregatedBodySize(64 * 1024)
				// a form: at most 20 parts of 100 MiB; parts over 64 KiB wait in temporary files
				.httpFormDecoder(form -> form.maxParts(20).maxPartSize(100L << 20).maxInMemorySize(64 * 1024))
				.route(r -> r.post("/upload", (req, res) -> upload(req, res))
						.post("/small", (req, res) -> res.sendString(req.receive().aggregate().asString()
								.map(s -> s.length() + " characters\n")))
						.post("/echo", (req, res) -> echo(req, res))
						.post("/files", (req, res) -> res.header("Content-Type", "text/plain; charset=utf-8")
								.sendString(save(req, uploads).collectList().map(lines -> String.join("", lines)))));
	}

	/**
	 * {@code POST /upload}: the size and SHA-256 of the body, read as it arrives. A client that
	 * hashed a chunked upload as it sent it can send its hash after the body, as a
	 * {@code Digest-SHA256} trailer field: if it differs from the server's, the answer is 422
	 * with both, else a second line says it agrees.
	 */
	static Mono<Void> upload(HttpServerRequest request, HttpServerResponse response) {
		return digest(request).zipWith(request.trailerHeaders()).flatMap(t -> {
			String line = t.getT1();
			String actual = line.substring(line.indexOf(' ') + 1).strip();
			String claimed = t.getT2().get("Digest-SHA256");
			boolean differs = claimed != null && !claimed.equalsIgnoreCase(actual);
			return response.status(differs ? 422 : 200).header("Content-Type", "text/plain")
					.sendString(Mono.just(differs ? "the Digest-SHA256 trailer says " + claimed + ", the body hashes to "
							+ actual + "\n" : claimed != null ? line + "the Digest-SHA256 trailer agrees\n" : line))
					.then();
		});
	}

	/**
	 * A client of {@code POST /upload} that proves what it sent: {@code data} goes up chunked in
	 * 64 KiB pieces, hashed as they go, and the hash follows the last piece as the
	 * {@code Digest-SHA256} trailer field ({@code HttpClientRequest.trailerHeaders}, declared in
	 * the request's {@code Trailer} header). Emits {@code "<status> <the server's answer>"}: 200
	 * when the server's hash of what arrived agrees.
	 */
	public static Mono<String> uploadWithDigest(HttpClient client, String url, byte[] data) {
		return Mono.defer(() -> {
			MessageDigest sha = sha256();
			return client.doOnRequest(req -> req.requestHeaders().set("Trailer", "Digest-SHA256"))
					.doOnRequest(req -> req.trailerHeaders(t -> t.set("Digest-SHA256", HexFormat.of().formatHex(sha.digest()))))
					.post().uri(url)
					.send(Flux.range(0, (data.length + 65535) / 65536)
							.map(i -> ByteBuffer.wrap(data, i * 65536, Math.min(65536, data.length - i * 65536)))
							.doOnNext(b -> sha.update(b.duplicate())))
					.responseSingle((res, body) -> body.asString().map(text -> res.status() + " " + text));
		});
	}

	/** The body back as it arrives, its SHA-256 in a trailer once it has all gone out. */
	static Mono<Void> echo(HttpServerRequest request, HttpServerResponse response) {
		MessageDigest sha = sha256();
		return response.header("Trailer", "Digest-SHA256")
				.trailerHeaders(t -> t.set("Digest-SHA256", HexFormat.of().formatHex(sha.digest())))
				.send(request.receive().doOnNext(b -> sha.update(b.duplicate())));
	}

	/**
	 * A client of {@code POST /echo} that checks what came back: sends {@code data} (with
	 * {@code Content-Length}, handed to the connection 256 KiB at a time as the server reads
	 * it, so the client holds a slice of native memory, not a copy), hashes the echo as it
	 * streams in, meanwhile, and compares the hash with the server's {@code Digest-SHA256}
	 * trailer ({@code HttpClientResponse.trailerHeaders()}). Emits the number of bytes echoed;
	 * fails with {@link IllegalStateException} when the trailer is missing or does not match.
	 */
	public static Mono<Long> verifiedEcho(HttpClient client, String url, byte[] data) {
		return client.post().uri(url).send(Mono.fromSupplier(() -> ByteBuffer.wrap(data)))
				.response((res, body) -> {
					MessageDigest sha = sha256();
					long[] bytes = new long[1];
					return body.doOnNext(b -> {
						bytes[0] += b.remaining();
						sha.update(b);
					}).then(res.trailerHeaders()).map(trailers -> {
						String claimed = trailers.get("Digest-SHA256");
						String actual = HexFormat.of().formatHex(sha.digest());
						if (!actual.equals(claimed)) {
							throw new IllegalStateException("echo of " + bytes[0] + " bytes hashes to " + actual
									+ ", the server's Digest-SHA256 trailer says " + claimed);
						}
						return bytes[0];
					});
				})
				.single();
	}

	/**
	 * One line per part of the form: a field's value, or where a file went. Parts arrive on
	 * {@code boundedElastic}, so moving a file there blocks no poll thread.
	 */
	static Flux<String> save(HttpServerRequest request, Path uploads) {
		return request.receiveForm().concatMap(part -> {
			if (!part.isFile()) {
				return Mono.just(part.name() + " = " + part.string() + "\n");
			}
			Path target = uploads.resolve(safeName(part.filename()));
			return part.transferTo(target).thenReturn(part.name() + ": " + part.size() + " bytes saved as "
					+ target.getFileName() + "\n");
		});
	}

	/**
	 * A file name of our own for a name the client chose: its last path segment, with only
	 * letters, digits, {@code . _ -} kept, after a random prefix (so that nothing is overwritten
	 * and no path leaves the upload directory).
	 */
	static String safeName(String clientName) {
		String last = clientName.substring(Math.max(clientName.lastIndexOf('/'), clientName.lastIndexOf('\\')) + 1);
		String kept = last.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^\\.+", "");
		if (kept.length() > 100) {
			kept = kept.substring(kept.length() - 100);
		}
		return Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + "-"
				+ (kept.isEmpty() ? "upload" : kept);
	}

	/** {@code "<bytes> <sha-256 hex>\n"} of the streamed body. */
	static Mono<String> digest(HttpServerRequest request) {
		return Mono.defer(() -> {
			MessageDigest sha = sha256();
			long[] bytes = {0};
			return request.receive()
					.doOnNext(b -> {
						bytes[0] += b.remaining();
						sha.update(b);
					})
					.then(Mono.fromSupplier(() -> bytes[0] + " " + HexFormat.of().formatHex(sha.digest()) + "\n"));
		});
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}


	/**
	 * Runs the server until interrupted (Ctrl-C).
	 * @param args optional: the port (default 8081; {@code -Dport} also works)
	 */
	public static void main(String[] args) throws IOException {
		String host = System.getProperty("host", "127.0.0.1");
		int port = Integer.parseInt(args.length > 0 ? args[0] : System.getProperty("port", "8081"));
		Path uploads = Files.createTempDirectory("uploads");
		// until Ctrl-C or SIGTERM, which let uploads in progress finish (up to 30 s)
		server(host, port, uploads).bindUntilJavaShutdown(Duration.ofSeconds(30), server -> System.out.println(
				"Upload server on http://" + host + ":" + server.port() + "/upload (try: curl --data-binary @FILE http://"
						+ host + ":" + server.port() + "/upload), form files saved in " + uploads));
	}
}
