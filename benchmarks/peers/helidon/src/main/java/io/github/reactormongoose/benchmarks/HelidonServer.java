/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks;

import io.helidon.common.Version;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Handler;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Helidon SE 4 {@code WebServer} (its own HTTP/1.1 stack; every request handled on a virtual thread),
 * default settings. Needs Java 21 or newer.
 * {@code java -jar helidon-server.jar PORT SCENARIO}
 * <p>Handlers: the response bodies of {@link Workloads}; echo streams the request body back with the
 * request's Content-Length. Helidon's handler thread is the request's virtual thread (there is no event
 * loop to protect), so {@code fib} and {@code sha} run right there, as a Helidon application would;
 * {@code sha-offload} hands the hash to a pool of platform threads (10 per CPU, like Reactor's
 * {@code boundedElastic}) and waits for it.
 */
public final class HelidonServer {

	private HelidonServer() {
	}

	public static void main(String[] argv) {
		Object[] a = Workloads.args(argv, "HelidonServer");
		int port = (Integer) a[0];
		Workloads.Scenario scenario = (Workloads.Scenario) a[1];
		WebServer server = WebServer.builder()
				.host("127.0.0.1")
				.port(port)
				.routing(r -> r.any(handler(scenario)))
				.build()
				.start();
		System.out.println("READY helidon " + scenario.id + " port " + server.port() + " (Helidon " + Version.VERSION
				+ ", Java " + Runtime.version() + ", CPUs " + Runtime.getRuntime().availableProcessors() + ")");
		System.out.flush();
		Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
	}

	private static Handler handler(Workloads.Scenario scenario) {
		byte[] hello = Workloads.ascii(Workloads.HELLO);
		return switch (scenario) {
			case HELLO -> (req, res) -> res.send(hello);
			case BIG -> (req, res) -> res.send(Workloads.BODY_64K);
			case ECHO -> (req, res) -> {
				res.header(HeaderNames.CONTENT_LENGTH, req.headers().get(HeaderNames.CONTENT_LENGTH).get());
				try (InputStream in = req.content().inputStream(); OutputStream out = res.outputStream()) {
					in.transferTo(out);
				}
			};
			case FIB -> (req, res) -> res.send(Workloads.fibText());
			// computed right here, on the request's virtual thread
			case SHA -> (req, res) -> res.send(Workloads.sha256Hex());
			case SHA_OFFLOAD -> {
				ExecutorService pool = Executors.newFixedThreadPool(10 * Runtime.getRuntime().availableProcessors());
				yield (req, res) -> res.send(pool.submit(Workloads::sha256Hex).get());
			}
			// the streamed body counted read by read (64 KiB buffer) on the request's virtual thread
			case UPLOAD -> (req, res) -> {
				Workloads.Upload upload = new Workloads.Upload();
				byte[] buffer = new byte[64 * 1024];
				try (InputStream in = req.content().inputStream()) {
					for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
						upload.add(n);
					}
				}
				res.send(upload.result());
			};
			// 1 GiB written as 64 KiB arrays to the response's stream, on the request's virtual thread
			case DOWNLOAD -> {
				byte[] slice = Workloads.downloadSliceBytes();
				yield (req, res) -> {
					res.header(HeaderNames.CONTENT_LENGTH, Long.toString(Workloads.DOWNLOAD_BYTES));
					try (OutputStream out = res.outputStream()) {
						for (long i = Workloads.downloadSlices(); i > 0; i--) {
							out.write(slice);
						}
					}
				};
			}
			// Helidon SE's core has no sendfile: the file is copied to the response's stream
			case FILE -> {
				java.nio.file.Path file = Workloads.staticFile();
				yield (req, res) -> {
					res.header(HeaderNames.CONTENT_LENGTH, Long.toString(java.nio.file.Files.size(file)));
					try (OutputStream out = res.outputStream()) {
						java.nio.file.Files.copy(file, out);
					}
				};
			}
		};
	}
}
