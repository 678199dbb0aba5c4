/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code route.directory} and {@code route.file} over real sockets, with the JDK HttpClient,
 * curl and raw requests (for paths that clients would normalise).
 */
class StaticFilesTest extends BaseHttpTest {

	private static final String TEXT = "0123456789abcdefghijklmnopqrstuvwxyz\n";
	private static final Instant MTIME = Instant.parse("2024-03-01T10:15:30Z");
	private static final String MTIME_HTTP = "Fri, 01 Mar 2024 10:15:30 GMT"; // IMF-fixdate: two-digit day

	@TempDir
	Path tmp;
	Path root;
	Path outside;
	DisposableServer server;

	@BeforeEach
	void files() throws Exception {
		root = Files.createDirectories(tmp.resolve("www"));
		outside = Files.createDirectories(tmp.resolve("private"));
		Files.writeString(root.resolve("a.txt"), TEXT);
		Files.setLastModifiedTime(root.resolve("a.txt"), FileTime.from(MTIME));
		Files.writeString(root.resolve("index.html"), "<h1>home</h1>");
		Files.createDirectories(root.resolve("sub"));
		Files.writeString(root.resolve("sub/index.html"), "<h1>sub</h1>");
		Files.createDirectories(root.resolve("empty"));
		Files.writeString(root.resolve("empty/b <&>.css"), "b{}");
		Files.writeString(root.resolve("app.js"), "console.log('plain');\n".repeat(50));
		Files.write(root.resolve("app.js.gz"), gzip("console.log('plain');\n".repeat(50)));
		Files.writeString(root.resolve("zero.bin"), "");
		Files.writeString(outside.resolve("secret.txt"), "SECRET");
		Files.createSymbolicLink(root.resolve("link-out"), outside);
		Files.createSymbolicLink(root.resolve("secret-link.txt"), outside.resolve("secret.txt"));
		Files.createSymbolicLink(root.resolve("alias.txt"), root.resolve("a.txt"));
		server = bind(HttpServer.create().route(r -> r
				.directory("/static", root)
				.directory("/listed/", root, StaticFileOptions.defaults().directoryListing(true).indexFile(null)
						.contentType("TXT", "text/x-custom").cacheControl("max-age=60"))
				.file("/one", root.resolve("a.txt"))
				.file("/missing", root.resolve("nope.txt"))));
	}

	private static byte[] gzip(String s) throws Exception {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
			gz.write(s.getBytes(StandardCharsets.UTF_8));
		}
		return out.toByteArray();
	}

	private RawHttp.Response raw(String target, String... headers) throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			StringBuilder b = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: x\r\n");
			for (String h : headers) {
				b.append(h).append("\r\n");
			}
			c.write(b.append("\r\n").toString());
			return c.read();
		}
	}

	// ---- files, types, validators, HEAD ----

	/**
	 * The web's common files get their types, not application/octet-stream: a {@code .vtt}
	 * (subtitles a browser's {@code <track>} refuses as octet-stream), {@code .opus},
	 * {@code .flac}, {@code .m4a}, {@code .ics}, {@code .mkv} were served as octet-stream.
	 */
	@Test
	void commonWebFilesHaveTheirTypes() throws Exception {
		java.util.Map<String, String> types = java.util.Map.of("vtt", "text/vtt; charset=utf-8", "opus", "audio/ogg",
				"flac", "audio/flac", "m4a", "audio/mp4", "ics", "text/calendar; charset=utf-8", "mkv",
				"video/x-matroska", "mjs", "text/javascript; charset=utf-8", "webmanifest", "application/manifest+json",
				"avif", "image/avif", "woff2", "font/woff2");
		for (String ext : types.keySet()) {
			Files.writeString(root.resolve("f." + ext), "x");
		}
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (java.util.Map.Entry<String, String> e : types.entrySet()) {
				c.write("GET /static/f." + e.getKey() + " HTTP/1.1\r\nHost: x\r\n\r\n");
				RawHttp.Response r = c.read();
				assertThat(r.status()).isEqualTo(200);
				assertThat(r.header("Content-Type")).as(e.getKey()).isEqualTo(e.getValue());
			}
		}
	}

	@Test
	void servesAFileWithTypeLengthAndValidatorsAndHeadWithoutBody() throws Exception {
		HttpClient client = jdkClient();
		HttpResponse<String> r = get(client, server, "/static/a.txt");
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.body()).isEqualTo(TEXT);
		assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
		assertThat(r.headers().firstValue("Content-Length")).hasValue(String.valueOf(TEXT.length()));
		assertThat(r.headers().firstValue("Last-Modified")).hasValue(MTIME_HTTP);
		assertThat(r.headers().firstValue("Accept-Ranges")).hasValue("bytes");
		String etag = r.headers().firstValue("ETag").orElseThrow();
		assertThat(etag).startsWith("\"").endsWith("\"");

		HttpResponse<String> head = client.send(request(server, "/static/a.txt")
				.method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(head.statusCode()).isEqualTo(200);
		assertThat(head.body()).isEmpty();
		assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(TEXT.length()));
		assertThat(head.headers().firstValue("ETag")).hasValue(etag);

		assertThat(get(client, server, "/static/alias.txt").body()).as("a link inside the root").isEqualTo(TEXT);
		HttpResponse<String> zero = get(client, server, "/static/zero.bin");
		assertThat(zero.statusCode()).isEqualTo(200);
		assertThat(zero.headers().firstValue("Content-Length")).hasValue("0");
		assertThat(zero.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
	}

	@Test
	void indexFileRedirectMissingAndNoListing() throws Exception {
		HttpClient client = jdkClient();
		assertThat(get(client, server, "/static/").body()).isEqualTo("<h1>home</h1>");
		assertThat(get(client, server, "/static/sub/").body()).isEqualTo("<h1>sub</h1>");
		RawHttp.Response redirect = raw("/static/sub?x=1");
		assertThat(redirect.status()).isEqualTo(301);
		assertThat(redirect.header("Location")).isEqualTo("/static/sub/?x=1");
		assertThat(get(client, server, "/static/nope.txt").statusCode()).isEqualTo(404);
		assertThat(raw("/static/a.txt/").status()).as("a file named as a directory").isEqualTo(404);
		assertThat(get(client, server, "/static/empty/").statusCode()).as("no listing by default").isEqualTo(404);
		assertThat(get(client, server, "/staticx/a.txt").statusCode()).as("prefix is a whole segment").isEqualTo(404);
		HttpResponse<String> post = client.send(request(server, "/static/a.txt")
				.POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(post.statusCode()).isEqualTo(404);
	}

	/**
	 * A root at "/" asked for "//name" (empty segments are skipped when the file is found): the
	 * redirect is to "/name/", never "//name/", which browsers and curl -L take for another host.
	 */
	@Test
	void theDirectoryRedirectStaysOnTheHost() throws Exception {
		Files.createDirectories(root.resolve("127.0.0.1:9"));
		DisposableServer atRoot = bind(HttpServer.create().route(r -> r.directory("/", root)));
		try (RawHttp c = RawHttp.connect(atRoot.port())) {
			c.write("GET //127.0.0.1:9 HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(301);
			assertThat(r.header("Location")).isEqualTo("/127.0.0.1:9/");
			c.write("GET ///sub?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
			assertThat(c.read().header("Location")).isEqualTo("/sub/?q=1");
		}
	}

	@Test
	void listingIsEscapedAndOptionsApply() throws Exception {
		HttpResponse<String> list = get(server, "/listed/empty/");
		assertThat(list.statusCode()).isEqualTo(200);
		assertThat(list.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
		assertThat(list.body()).contains("<a href=\"b%20%3C%26%3E.css\">b &lt;&amp;&gt;.css</a>")
				.doesNotContain("<&>");
		HttpResponse<String> custom = get(server, "/listed/a.txt");
		assertThat(custom.headers().firstValue("Content-Type")).hasValue("text/x-custom");
		assertThat(custom.headers().firstValue("Cache-Control")).hasValue("max-age=60");
		Files.writeString(root.resolve(".env"), "KEY=secret");
		Files.createDirectories(root.resolve(".git"));
		assertThat(get(server, "/listed/").body()).as("index file switched off").contains("Index of /listed/")
				.contains("a.txt").contains("sub/").as("hidden entries are not listed").doesNotContain(".env", ".git");
	}

	/**
	 * Every link of a listing can be followed. Chromium, clicking through a listing, got 400 for a
	 * name with a tab (a request path may not hold a control character or a backslash) and 404 for
	 * a name another program wrote in Latin-1 (not UTF-8: it was listed, and linked, with U+FFFD
	 * in its place, which names no file). Such names are left out of the listing.
	 */
	@Test
	void everyLinkOfAListingCanBeFollowed() throws Exception {
		Path dir = Files.createDirectories(root.resolve("odd"));
		Files.writeString(dir.resolve("plain.txt"), "plain");
		Files.writeString(dir.resolve("tab\there.txt"), "tab");
		Files.writeString(dir.resolve("back\\slash.txt"), "backslash");
		// caf\351.txt: the name in Latin-1, as another program may write it
		Process latin1 = new ProcessBuilder("sh", "-c", "printf latin > \"$(printf 'caf\\351.txt')\"")
				.directory(dir.toFile()).start();
		assertThat(latin1.waitFor()).isZero();
		try (java.util.stream.Stream<Path> names = Files.list(dir)) {
			assertThat(names).hasSize(4);
		}
		HttpClient client = jdkClient();
		String list = get(client, server, "/listed/odd/").body();
		java.util.List<String> links = java.util.regex.Pattern.compile("href=\"([^\"]*)\"").matcher(list).results()
				.map(m -> m.group(1)).filter(h -> !h.equals("../")).toList();
		assertThat(links).contains("plain.txt");
		for (String link : links) {
			assertThat(get(client, server, "/listed/odd/" + link).statusCode()).as(link).isEqualTo(200);
		}
	}

	@Test
	void fileRoute() throws Exception {
		HttpResponse<String> r = get(server, "/one");
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.body()).isEqualTo(TEXT);
		assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
		assertThat(get(server, "/missing").statusCode()).isEqualTo(404);
	}

	/**
	 * RFC 9110 9.3.2: a HEAD gets the headers GET would get, from the route GET would take. A
	 * {@code directory("/")} declared after {@code get("/health")} and {@code file("/fav")} used to
	 * take every HEAD (it matches HEAD itself, the GET routes only as a second pass): HEAD /health
	 * got the length and ETag of the file "health", HEAD /fav a 404.
	 */
	@Test
	void headIsAnsweredByTheRouteGetTakesInDeclarationOrder() throws Exception {
		Path site = Files.createDirectories(tmp.resolve("site"));
		Files.writeString(site.resolve("health"), "x".repeat(42));
		DisposableServer s = bind(HttpServer.create().route(r -> r
				.get("/health", (req, res) -> res.sendString(reactor.core.publisher.Mono.just("ok")))
				.file("/fav", root.resolve("a.txt"))
				.get("/own", (req, res) -> res.sendString(reactor.core.publisher.Mono.just("get")))
				.directory("/", site)
				.head("/own", (req, res) -> res.header("X-Head", "own").send())));
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write("HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response health = c.read(true);
			assertThat(health.status()).isEqualTo(200);
			assertThat(health.header("Content-Length")).isEqualTo("2");
			assertThat(health.header("ETag")).as("not the file's validators").isNull();
			c.write("HEAD /fav HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response fav = c.read(true);
			assertThat(fav.status()).isEqualTo(200);
			assertThat(fav.header("Content-Length")).isEqualTo(String.valueOf(TEXT.length()));
			assertThat(fav.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
			c.write("HEAD /own HTTP/1.1\r\nHost: x\r\n\r\n");
			assertThat(c.read(true).header("X-Head")).as("a head route of the path still wins").isEqualTo("own");
			c.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response get = c.read();
			assertThat(get.bodyString()).as("no HEAD body before it on the connection").isEqualTo("ok");
			c.write("HEAD /health/ HTTP/1.1\r\nHost: x\r\n\r\n");
			assertThat(c.read(true).status()).as("other paths still go to the directory").isEqualTo(404);
		}
	}

	/**
	 * A raw (not percent-encoded) UTF-8 path names the same file as its encoded form; it was
	 * decoded as UTF-8 only when the path also held a '%' escape, and was a 404 otherwise.
	 */
	@Test
	void aRawUtf8PathNamesTheSameFileAsItsEncodedForm() throws Exception {
		org.junit.jupiter.api.Assumptions.assumeTrue("UTF-8".equals(System.getProperty("sun.jnu.encoding")),
				"file names in UTF-8");
		Files.writeString(root.resolve("café.txt"), "accent");
		for (String target : new String[] {"/static/café.txt", "/static/caf%C3%A9.txt", "/static/café%2Etxt"}) {
			try (RawHttp c = RawHttp.connect(server.port())) {
				c.write(("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.UTF_8));
				RawHttp.Response r = c.read();
				assertThat(r.status()).as(target).isEqualTo(200);
				assertThat(r.bodyString()).as(target).isEqualTo("accent");
			}
		}
	}

	/**
	 * Under a locale whose file-name encoding is ASCII (LC_ALL=C without LANG: sun.jnu.encoding
	 * ANSI_X3.4-1968), a non-ASCII name cannot be a path: 404, as for any file that is not there.
	 * It was a 500 with an ERROR stack trace per request (InvalidPathException, uncaught).
	 */
	@Test
	void aNameTheFileSystemEncodingCannotHoldIsNotFound() throws Exception {
		Path log = tmp.resolve("child.log");
		ProcessBuilder pb = new ProcessBuilder(io.github.reactormongoose.testing.Commands.childJava(), "-cp",
				System.getProperty("java.class.path"), StaticFilesLocaleMain.class.getName(), root.toString())
				.redirectErrorStream(true).redirectOutput(log.toFile());
		pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.equals("LANGUAGE") || k.startsWith("LC_"));
		pb.environment().put("LC_ALL", "C");
		Process p = pb.start();
		try {
			String jnu = io.github.reactormongoose.testing.Commands.awaitLine(log, "jnu ");
			org.junit.jupiter.api.Assumptions.assumeTrue(jnu.equals("jnu ANSI_X3.4-1968"),
					"the C locale gives another file-name encoding here: " + jnu);
			int port = Integer.parseInt(io.github.reactormongoose.testing.Commands.awaitLine(log, "port ").substring(5).trim());
			for (String target : new String[] {"/caf%C3%A9.txt", "/café.txt", "/sub/%C3%BC/a.txt"}) {
				try (RawHttp c = RawHttp.connect(port)) {
					c.write(("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.UTF_8));
					assertThat(c.read().status()).as(target).isEqualTo(404);
				}
			}
			try (RawHttp c = RawHttp.connect(port)) {
				assertThat(c.write(RawHttp.get("/a.txt")).read().bodyString()).as("ASCII names are served").isEqualTo(TEXT);
			}
		}
		finally {
			io.github.reactormongoose.testing.Commands.stop(p);
		}
		assertThat(new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1))
				.doesNotContain("InvalidPathException").doesNotContain("ERROR");
	}

	// ---- conditional requests ----

	/** RFC 9110 13.1.1, 13.1.4, 13.2.2: If-Match (strong) and If-Unmodified-Since fail with 412, before the others. */
	@Test
	void ifMatchAndIfUnmodifiedSinceAnswer412() throws Exception {
		String etag = get(server, "/static/a.txt").headers().firstValue("ETag").orElseThrow();
		assertThat(raw("/static/a.txt", "If-Match: \"nope\"").status()).isEqualTo(412);
		assertThat(raw("/static/a.txt", "If-Match: W/" + etag).status()).as("a weak tag never matches strongly").isEqualTo(412);
		assertThat(raw("/static/a.txt", "If-Match: \"nope\", " + etag).bodyString()).isEqualTo(TEXT);
		assertThat(raw("/static/a.txt", "If-Match: *").status()).isEqualTo(200);
		// a resume whose version is gone: 412, not the new version's bytes
		RawHttp.Response resume = raw("/static/a.txt", "If-Match: \"old\"", "Range: bytes=5-");
		assertThat(resume.status()).isEqualTo(412);
		assertThat(raw("/static/a.txt", "If-Match: " + etag, "Range: bytes=5-").status()).isEqualTo(206);
		assertThat(raw("/static/a.txt", "If-Unmodified-Since: Thu, 29 Feb 2024 10:15:30 GMT").status()).isEqualTo(412);
		assertThat(raw("/static/a.txt", "If-Unmodified-Since: " + MTIME_HTTP).status()).isEqualTo(200);
		assertThat(raw("/static/a.txt", "If-Unmodified-Since: never").status()).as("invalid date ignored").isEqualTo(200);
		assertThat(raw("/static/a.txt", "If-Match: " + etag, "If-Unmodified-Since: Thu, 29 Feb 2024 10:15:30 GMT").status())
				.as("If-Match wins").isEqualTo(200);
		assertThat(raw("/static/a.txt", "If-Match: \"nope\"", "If-None-Match: " + etag).status()).as("412 before 304")
				.isEqualTo(412);
	}

	/**
	 * RFC 9110 5.3: the tags of If-Match and If-None-Match may come in several field lines, which
	 * mean what one line joined with commas means; only the first line was read.
	 */
	@Test
	void entityTagListsInSeveralLinesAreOneList() throws Exception {
		String etag = get(server, "/static/a.txt").headers().firstValue("ETag").orElseThrow();
		assertThat(raw("/static/a.txt", "If-None-Match: \"other\"", "If-None-Match: " + etag).status()).isEqualTo(304);
		assertThat(raw("/static/a.txt", "If-None-Match: \"other\"", "If-None-Match: \"more\"").status()).isEqualTo(200);
		assertThat(raw("/static/a.txt", "If-Match: \"nope\"", "If-Match: " + etag).bodyString()).isEqualTo(TEXT);
		assertThat(raw("/static/a.txt", "If-Match: \"nope\"", "If-Match: \"old\"").status()).isEqualTo(412);
	}

	@Test
	void conditionalRequestsAnswer304() throws Exception {
		String etag = get(server, "/static/a.txt").headers().firstValue("ETag").orElseThrow();
		RawHttp.Response inm = raw("/static/a.txt", "If-None-Match: \"other\", " + etag);
		assertThat(inm.status()).isEqualTo(304);
		assertThat(inm.header("ETag")).isEqualTo(etag);
		assertThat(inm.header("Content-Length")).isNull();
		assertThat(inm.body()).isEmpty();
		assertThat(raw("/static/a.txt", "If-None-Match: W/" + etag).status()).as("weak comparison").isEqualTo(304);
		assertThat(raw("/static/a.txt", "If-None-Match: \"other\"").status()).isEqualTo(200);
		assertThat(raw("/static/a.txt", "If-Modified-Since: " + MTIME_HTTP).status()).isEqualTo(304);
		assertThat(raw("/static/a.txt", "If-Modified-Since: Thu, 29 Feb 2024 10:15:30 GMT").status()).isEqualTo(200);
		assertThat(raw("/static/a.txt", "If-Modified-Since: yesterday").status()).as("invalid date ignored")
				.isEqualTo(200);
		// a recipient must accept all three HTTP-date formats (RFC 9110, 5.6.7), and the one-digit
		// day this server's Last-Modified once had
		assertThat(raw("/static/a.txt", "If-Modified-Since: Friday, 01-Mar-24 10:15:30 GMT").status()).isEqualTo(304);
		assertThat(raw("/static/a.txt", "If-Modified-Since: Friday, 01-Mar-24 10:15:29 GMT").status()).isEqualTo(200);
		assertThat(raw("/static/a.txt", "If-Modified-Since: Fri Mar  1 10:15:30 2024").status()).isEqualTo(304);
		assertThat(raw("/static/a.txt", "If-Modified-Since: Fri, 1 Mar 2024 10:15:30 GMT").status()).isEqualTo(304);
		assertThat(raw("/static/a.txt", "If-Modified-Since: Fri, 01 mar 2024 10:15:30 GMT").status())
				.as("month names are case-sensitive").isEqualTo(200);
		assertThat(raw("/static/a.txt", "If-None-Match: \"other\"", "If-Modified-Since: " + MTIME_HTTP).status())
				.as("If-None-Match wins").isEqualTo(200);
	}

	@Test
	void curlTimeConditionAndRanges() throws Exception {
		Curl.assumeInstalled();
		String base = "http://127.0.0.1:" + server.port() + "/static/a.txt";
		Curl.Result newer = Curl.run("-o", "/dev/null", "-w", "%{http_code}", "-z", "Sat, 2 Mar 2024 00:00:00 GMT", base);
		assertThat(newer.stdout()).isEqualTo("304");
		Curl.Result older = Curl.run("-w", "|%{http_code}", "-z", "Wed, 28 Feb 2024 00:00:00 GMT", base);
		assertThat(older.stdout()).isEqualTo(TEXT + "|200");
		Curl.Result range = Curl.run("-i", "-r", "2-5", base);
		assertThat(range.stdout()).startsWith("HTTP/1.1 206").contains("Content-Range: bytes 2-5/37")
				.contains("Content-Length: 4").endsWith("\r\n\r\n2345");
		Curl.Result suffix = Curl.run("-r", "-4", base);
		assertThat(suffix.stdout()).isEqualTo("xyz\n");
		Curl.Result open = Curl.run("-r", "30-", base);
		assertThat(open.stdout()).isEqualTo("uvwxyz\n");
		Curl.Result past = Curl.run("-i", "-r", "100-200", base);
		assertThat(past.stdout()).startsWith("HTTP/1.1 416").contains("Content-Range: bytes */37");
	}

	@Test
	void rangeEdgeCases() throws Exception {
		RawHttp.Response beyond = raw("/static/a.txt", "Range: bytes=30-1000");
		assertThat(beyond.status()).isEqualTo(206);
		assertThat(beyond.header("Content-Range")).isEqualTo("bytes 30-36/37");
		assertThat(beyond.bodyString()).isEqualTo("uvwxyz\n");
		assertThat(raw("/static/a.txt", "Range: bytes=0-1,4-5").status()).as("several ranges: whole file").isEqualTo(200);
		assertThat(raw("/static/a.txt", "Range: bytes=5-2").status()).as("invalid: ignored").isEqualTo(200);
		assertThat(raw("/static/a.txt", "Range: items=0-1").status()).as("other unit").isEqualTo(200);
		assertThat(raw("/static/a.txt", "Range: bytes=-0").status()).isEqualTo(416);
		assertThat(raw("/static/zero.bin", "Range: bytes=0-").status()).isEqualTo(416);
		RawHttp.Response suffixOfEmpty = raw("/static/zero.bin", "Range: bytes=-5");
		assertThat(suffixOfEmpty.status()).as("RFC 9110 14.1.1: a suffix range is satisfiable, the whole empty file")
				.isEqualTo(200);
		assertThat(suffixOfEmpty.header("Content-Length")).isEqualTo("0");
		assertThat(suffixOfEmpty.header("Content-Range")).isNull();
		assertThat(raw("/static/a.txt", "Range: bytes=0-1", "If-Range: \"stale\"").status())
				.as("If-Range mismatch: whole file").isEqualTo(200);
		assertThat(raw("/static/a.txt", "Range: bytes=0-1", "If-Range: " + MTIME_HTTP).status()).isEqualTo(206);
		assertThat(raw("/static/a.txt", "Range: bytes=0-1", "If-Range: Fri Mar  1 10:15:30 2024").status())
				.as("the same date in asctime form").isEqualTo(206);
		assertThat(raw("/static/a.txt", "Range: bytes=0-1", "If-Range: Fri, 01 Mar 2024 10:15:31 GMT").status())
				.as("another date: whole file").isEqualTo(200);
		RawHttp.Response head;
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("HEAD /static/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n");
			head = c.read(true);
		}
		assertThat(head.status()).isEqualTo(206);
		assertThat(head.header("Content-Length")).isEqualTo("10");
	}

	// ---- precompressed siblings ----

	@Test
	void gzipSiblingForClientsThatAcceptGzip() throws Exception {
		String plain = "console.log('plain');\n".repeat(50);
		RawHttp.Response gz = raw("/static/app.js", "Accept-Encoding: br, gzip;q=0.8");
		assertThat(gz.header("Content-Encoding")).isEqualTo("gzip");
		assertThat(gz.header("Vary")).isEqualTo("Accept-Encoding");
		assertThat(gz.header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
		assertThat(gz.body()).isEqualTo(Files.readAllBytes(root.resolve("app.js.gz")));
		RawHttp.Response none = raw("/static/app.js");
		assertThat(none.header("Content-Encoding")).isNull();
		assertThat(none.header("Vary")).isEqualTo("Accept-Encoding");
		assertThat(none.bodyString()).isEqualTo(plain);
		assertThat(raw("/static/app.js", "Accept-Encoding: gzip;q=0").header("Content-Encoding")).isNull();
		assertThat(raw("/static/app.js", "Accept-Encoding: *").header("Content-Encoding")).isEqualTo("gzip");
		assertThat(raw("/static/a.txt", "Accept-Encoding: gzip").header("Vary")).as("no sibling").isNull();
		Curl.assumeInstalled();
		Curl.Result curl = Curl.run("-i", "--compressed", "http://127.0.0.1:" + server.port() + "/static/app.js");
		assertThat(curl.stdout()).contains("Content-Encoding: gzip").endsWith("\r\n\r\n" + plain);
	}

	// ---- no way out of the root ----

	@ParameterizedTest
	@ValueSource(strings = {"/static/../private/secret.txt", "/static/%2e%2e/private/secret.txt",
			"/static/%2E%2E/private/secret.txt", "/static/sub/../../private/secret.txt", "/static/.%2e/private/secret.txt",
			"/static/link-out/secret.txt", "/static/secret-link.txt", "/static/./../private/secret.txt"})
	void traversalIsNotFound(String target) throws Exception {
		RawHttp.Response r = raw(target);
		assertThat(r.status()).isEqualTo(404);
		assertThat(r.bodyString()).doesNotContain("SECRET");
	}

	@ParameterizedTest
	@ValueSource(strings = {"/static/..%2fprivate%2fsecret.txt", "/static/sub%2F..%2F..%2Fprivate/secret.txt",
			"/static/..%5cprivate%5csecret.txt", "/static/..\\private\\secret.txt", "/static/a.txt%00.html",
			"/static/%zz", "/static/a%0a.txt"})
	void encodedSeparatorsBackslashesAndNulAreBadRequests(String target) throws Exception {
		RawHttp.Response r = raw(target);
		assertThat(r.status()).isEqualTo(400);
		assertThat(r.bodyString()).doesNotContain("SECRET");
	}

	@Test
	void curlPathAsIsCannotEscape() throws Exception {
		Curl.assumeInstalled();
		Curl.Result r = Curl.run("--path-as-is", "-w", "|%{http_code}",
				"http://127.0.0.1:" + server.port() + "/static/../../private/secret.txt");
		assertThat(r.stdout()).endsWith("|404").doesNotContain("SECRET");
	}

	@Test
	void optionsRejectBadValues() {
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> StaticFileOptions.defaults().indexFile("../x"))
				.isInstanceOf(IllegalArgumentException.class);
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> StaticFileOptions.defaults().cacheControl("a\r\nb: c"))
				.isInstanceOf(IllegalArgumentException.class);
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> HttpServer.create().route(r -> r.directory("static", root)))
				.isInstanceOf(IllegalArgumentException.class);
	}

	/**
	 * A directory of the root swapped for a symbolic link out of it between the lookup (which
	 * follows links and checks the real path) and the open: the file opened is checked again,
	 * by the kernel's path of the open file, and never served from outside (before, some
	 * answers during the swaps were the outside file).
	 */
	@Test
	void aSymbolicLinkSwappedInOnTheWayNeverServesFromOutsideTheRoot() throws Exception {
		Path race = Files.createDirectories(root.resolve("race"));
		Files.writeString(race.resolve("f.txt"), "INSIDE");
		Path away = Files.createDirectories(outside.resolve("race"));
		Files.writeString(away.resolve("f.txt"), "SECRET");
		Path parked = root.resolve(".race-dir");
		Path link = root.resolve(".race-link");
		Files.createSymbolicLink(link, away);
		java.nio.file.CopyOption atomic = java.nio.file.StandardCopyOption.ATOMIC_MOVE;
		Map<String, Integer> seen = outcomesWhile(() -> {
			// the directory goes, the link takes its name, then the other way round
			Files.move(race, parked, atomic);
			Files.move(link, race, atomic);
			Files.move(race, link, atomic);
			Files.move(parked, race, atomic);
		}, "/static/race/f.txt", r -> r.statusCode() + " " + (r.statusCode() == 200 ? r.body() : ""));
		assertThat(seen).doesNotContainKey("200 SECRET").containsKey("200 INSIDE");
	}

	/**
	 * A file replaced (an atomic rename, as deploys do) between the lookup and the open: the
	 * file opened is checked against the size and time the head was made from, and looked up
	 * again when they differ, so every answer is one whole version under its own ETag (before,
	 * some were a cut copy of the longer version under the shorter one's ETag and length).
	 */
	@Test
	void aFileReplacedOnTheWayIsServedWholeUnderItsOwnValidators() throws Exception {
		Path live = root.resolve("live.txt");
		String shortOne = "s".repeat(110);
		String longOne = "L".repeat(330);
		Files.writeString(live, shortOne);
		int[] version = {0};
		Map<String, Integer> seen = outcomesWhile(() -> {
			Path tmpFile = root.resolve(".live.tmp");
			Files.writeString(tmpFile, version[0]++ % 2 == 0 ? longOne : shortOne);
			Files.move(tmpFile, live, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		}, "/static/live.txt", r -> {
			String etag = r.headers().firstValue("ETag").orElse("");
			boolean whole = r.body().equals(shortOne) || r.body().equals(longOne);
			boolean ownEtag = etag.endsWith("-" + Long.toHexString(r.body().length()) + "\"");
			return r.statusCode() + (r.statusCode() != 200 ? "" : whole && ownEtag ? " whole" : " torn");
		});
		assertThat(seen).doesNotContainKey("200 torn").containsKey("200 whole");
	}

	/** A change of the tree, made over and over on another thread while {@code path} is asked for two seconds. */
	private interface Change {
		void run() throws IOException;
	}

	/** How often each outcome of asking for {@code path} came while {@code change} was made in a loop. */
	private Map<String, Integer> outcomesWhile(Change change, String path, java.util.function.Function<HttpResponse<String>, String> outcome)
			throws Exception {
		java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
		Thread changer = new Thread(() -> {
			while (!stop.get()) {
				try {
					change.run();
				}
				catch (IOException e) {
					throw new UncheckedIOException(e);
				}
			}
		});
		changer.start();
		Map<String, Integer> seen = new java.util.TreeMap<>();
		HttpClient client = jdkClient();
		try {
			long end = System.nanoTime() + 2_000_000_000L;
			while (System.nanoTime() < end) {
				seen.merge(outcome.apply(get(client, server, path)), 1, Integer::sum);
			}
		}
		finally {
			stop.set(true);
			changer.join();
		}
		return seen;
	}
}
