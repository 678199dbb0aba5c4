/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.adapter.JdkFlowAdapter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A WebFlux controller reads a 200 MiB upload as {@code Flux<DataBuffer>} and counts it, on a
 * server with default settings in a child JVM started with {@code -Xmx128m}: the body streams
 * (nothing holds it whole), for a chunked and for a {@code Content-Length} upload.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LargeUploadTest {

	private static final long SIZE = 200L * 1024 * 1024;

	private Process child;
	private int port;

	@BeforeEach
	void startChild(@TempDir Path logs) throws Exception {
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx128m", "-cp", System.getProperty("java.class.path"), LargeUploadMain.class.getName()));
		Path err = logs.resolve("child.err");
		ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile());
		for (String name : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
			builder.environment().remove(name);
		}
		this.child = builder.start();
		BufferedReader out = new BufferedReader(new InputStreamReader(this.child.getInputStream(), StandardCharsets.UTF_8));
		String line = out.readLine();
		assertThat(line).as("child output; stderr:%n%s", Files.exists(err) ? Files.readString(err) : "").startsWith("port=");
		this.port = Integer.parseInt(line.substring(5));
	}

	@AfterEach
	void stopChild() throws Exception {
		if (this.child != null) {
			this.child.getOutputStream().close();
			if (!this.child.waitFor(20, TimeUnit.SECONDS)) {
				this.child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
	}

	private HttpRequest.Builder post() {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/count"))
				.header("Content-Type", "application/octet-stream").timeout(Duration.ofSeconds(120));
	}

	private String send(HttpRequest request) throws Exception {
		HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
		assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
		return r.body();
	}

	@Test
	void aChunkedUploadOf200MiBIsCountedWithA128MiBHeap() throws Exception {
		InputStream zeros = new InputStream() {
			long left = SIZE;

			@Override
			public int read() {
				return left-- > 0 ? 0 : -1;
			}

			@Override
			public int read(byte[] b, int off, int len) {
				if (this.left == 0) {
					return -1;
				}
				int n = (int) Math.min(len, this.left);
				java.util.Arrays.fill(b, off, off + n, (byte) 'u');
				this.left -= n;
				return n;
			}
		};
		String body = send(post().POST(HttpRequest.BodyPublishers.ofInputStream(() -> zeros)).build());
		String[] parts = body.split(" ");
		assertThat(Long.parseLong(parts[0])).isEqualTo(SIZE);
		assertThat(Long.parseLong(parts[1])).as("the child's max heap").isLessThanOrEqualTo(128L * 1024 * 1024);
	}

	@Test
	void aContentLengthUploadOf200MiBIsCountedWithA128MiBHeap() throws Exception {
		ByteBuffer block = ByteBuffer.allocate(256 * 1024);
		Flux<ByteBuffer> pieces = Flux.range(0, (int) (SIZE / block.capacity())).map(i -> block.duplicate());
		String body = send(post().POST(HttpRequest.BodyPublishers.fromPublisher(JdkFlowAdapter.publisherToFlowPublisher(pieces), SIZE))
				.build());
		assertThat(Long.parseLong(body.split(" ")[0])).isEqualTo(SIZE);
	}
}
