/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import io.github.reactormongoose.testing.Curl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link StaticFileServer} serving a directory the test creates, with the JDK HttpClient and curl. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StaticFileServerTest {

	@TempDir
	Path root;
	private StaticFileServer server;

	@AfterEach
	void stop() {
		if (server != null) {
			server.disposeNow();
		}
	}

	private HttpResponse<String> get(HttpClient c, String path, String... headers) throws Exception {
		HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
				.timeout(Duration.ofSeconds(10));
		for (int i = 0; i < headers.length; i += 2) {
			b.header(headers[i], headers[i + 1]);
		}
		return c.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
	}

	@Test
	void servesTheTreeWithIndexRevalidationListingAndGzip() throws Exception {
		String css = "body { color: red; }\n".repeat(20);
		Files.writeString(root.resolve("index.html"), "<h1>Hello</h1>");
		Files.setLastModifiedTime(root.resolve("index.html"), FileTime.from(Instant.parse("2026-03-05T07:08:09Z")));
		Files.createDirectories(root.resolve("css"));
		Files.writeString(root.resolve("css/site.css"), css);
		ByteArrayOutputStream gz = new ByteArrayOutputStream();
		try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
			out.write(css.getBytes(StandardCharsets.UTF_8));
		}
		Files.write(root.resolve("css/site.css.gz"), gz.toByteArray());
		server = StaticFileServer.start("127.0.0.1", 0, root, true);
		HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

		HttpResponse<String> index = get(c, "/");
		assertThat(index.statusCode()).isEqualTo(200);
		assertThat(index.body()).isEqualTo("<h1>Hello</h1>");
		assertThat(index.headers().firstValue("Cache-Control")).hasValue("no-cache");
		assertThat(index.headers().firstValue("Last-Modified")).as("IMF-fixdate: two-digit day")
				.hasValue("Thu, 05 Mar 2026 07:08:09 GMT");
		assertThat(index.headers().firstValue("Date")).isPresent();
		String etag = index.headers().firstValue("ETag").orElseThrow();
		assertThat(get(c, "/", "If-None-Match", etag).statusCode()).isEqualTo(304);

		HttpResponse<String> listing = get(c, "/css/");
		assertThat(listing.body()).contains("site.css").contains("site.css.gz");
		assertThat(get(c, "/health").body()).isEqualTo("ok");
		Files.writeString(root.resolve("health"), "a file the directory would serve");
		HttpResponse<String> head = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
				.method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(head.headers().firstValue("Content-Length")).as("HEAD is answered by the route of GET /health")
				.hasValue("2");
		assertThat(head.headers().firstValue("ETag")).isEmpty();
		assertThat(get(c, "/nope.html").statusCode()).isEqualTo(404);

		Curl.assumeInstalled();
		Curl.Result curl = Curl.run("--compressed", "-D", "-", "http://127.0.0.1:" + server.port() + "/css/site.css");
		assertThat(curl.stdout()).contains("Content-Encoding: gzip").contains("Vary: Accept-Encoding").endsWith(css);
		Curl.Result unchanged = Curl.run("-o", "/dev/null", "-w", "%{http_code}", "-z", "Thu, 05 Mar 2026 07:08:09 GMT",
				"http://127.0.0.1:" + server.port() + "/");
		assertThat(unchanged.stdout()).isEqualTo("304");
		Curl.Result range = Curl.run("-r", "0-3", "http://127.0.0.1:" + server.port() + "/css/site.css");
		assertThat(range.stdout()).isEqualTo("body");
	}
}
