/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Vert.x core {@code HttpServer} (no Vert.x Web), native epoll transport, one event loop per CPU the
 * server may use: N verticle instances, each with its own {@code HttpServer} on the port (Vert.x
 * hands the accepted connections to them in turn), on an event-loop pool of N threads.
 * {@code java -jar vertx-server.jar PORT SCENARIO [loops=N]} (N defaults to the CPUs the JVM sees).
 * <p>Handlers: the response bodies of {@link Workloads}; echo pipes the request body back with the
 * request's Content-Length; {@code fib} and {@code sha-offload} run on a worker thread
 * ({@code executeBlocking}, unordered), {@code sha} on the event loop of the connection.
 */
public final class VertxServer {

	private static final Buffer HELLO = Buffer.buffer(Workloads.HELLO);

	private static final Buffer BODY_64K = Buffer.buffer(Workloads.BODY_64K);

	private VertxServer() {
	}

	public static void main(String[] argv) throws Exception {
		Object[] a = Workloads.args(argv, "VertxServer", "[loops=N]");
		int port = (Integer) a[0];
		Workloads.Scenario scenario = (Workloads.Scenario) a[1];
		int loops = Workloads.loopsOption((String) a[2], "VertxServer", Runtime.getRuntime().availableProcessors());
		Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(loops));
		vertx.deployVerticle(() -> new ServerVerticle(port, scenario),
				new DeploymentOptions().setInstances(loops)).await();
		System.out.println("READY vertx " + scenario.id + " port " + port + " (Vert.x " + version()
				+ ", event loops " + loops + ", native epoll: " + vertx.isNativeTransportEnabled()
				+ (vertx.isNativeTransportEnabled() ? "" : ", " + vertx.unavailableNativeTransportCause()) + ")");
		System.out.flush();
		Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await()));
	}

	/** The vertx-core version (from the jar's {@code META-INF/vertx/vertx-version.txt}). */
	static String version() throws IOException {
		try (InputStream in = Vertx.class.getClassLoader().getResourceAsStream("META-INF/vertx/vertx-version.txt")) {
			return in == null ? "?" : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
		}
	}

	/** One streamed download: writes until the write queue is full, resumes on drain. */
	private static final class Download {

		private final HttpServerResponse res;

		private final Buffer chunk;

		private long left;

		Download(HttpServerResponse res, Buffer chunk, long slices) {
			this.res = res;
			this.chunk = chunk;
			this.left = slices;
		}

		void pump() {
			while (left > 0 && !res.writeQueueFull()) {
				res.write(chunk);
				left--;
			}
			if (left == 0) {
				res.end();
			} else {
				res.drainHandler(v -> pump());
			}
		}
	}

	/** One HTTP server on the port, on the event loop of this verticle instance. */
	static final class ServerVerticle extends AbstractVerticle {

		private final int port;

		private final Workloads.Scenario scenario;

		ServerVerticle(int port, Workloads.Scenario scenario) {
			this.port = port;
			this.scenario = scenario;
		}

		@Override
		public void start(Promise<Void> started) {
			vertx.createHttpServer().requestHandler(handler()).listen(port, "127.0.0.1")
					.<Void>mapEmpty().onComplete(started);
		}

		private Handler<HttpServerRequest> handler() {
			return switch (scenario) {
				case HELLO -> req -> req.response().end(HELLO);
				case BIG -> req -> req.response().end(BODY_64K);
				case ECHO -> req -> {
					HttpServerResponse res = req.response();
					res.putHeader(HttpHeaders.CONTENT_LENGTH, req.getHeader(HttpHeaders.CONTENT_LENGTH));
					req.pipeTo(res);
				};
				case FIB -> req -> vertx.executeBlocking(Workloads::fibText, false)
						.onSuccess(body -> req.response().end(body));
				// computed right here, on the event loop of the connection
				case SHA -> req -> req.response().end(Workloads.sha256Hex());
				case SHA_OFFLOAD -> req -> vertx.executeBlocking(Workloads::sha256Hex, false)
						.onSuccess(body -> req.response().end(body));
				// the streamed body counted buffer by buffer on the event loop
				case UPLOAD -> req -> {
					Workloads.Upload upload = new Workloads.Upload();
					req.handler(b -> upload.add(b.length()));
					req.endHandler(v -> req.response().end(upload.result()));
				};
				// 1 GiB in writes of one 64 KiB buffer, paced by the write queue (drainHandler)
				case DOWNLOAD -> {
					byte[] slice = Workloads.downloadSliceBytes();
					Buffer chunk = Buffer.buffer(slice);
					yield req -> {
						HttpServerResponse res = req.response();
						res.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(Workloads.DOWNLOAD_BYTES));
						new Download(res, chunk, Workloads.downloadSlices()).pump();
					};
				}
				case FILE -> {
					String file = Workloads.staticFile().toString();
					yield req -> req.response().sendFile(file);
				}
			};
		}
	}
}
