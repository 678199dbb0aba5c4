/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import io.github.reactormongoose.internal.HttpDates;
import io.github.reactormongoose.internal.jni.NativeConstants;

/**
 * Serves files for {@link HttpServerRoutes#directory} and {@link HttpServerRoutes#file}:
 * safe mapping of a request path under a root, content types, validators ({@code ETag},
 * {@code Last-Modified}) and conditional requests, single byte ranges, precompressed
 * {@code .gz} siblings, index files and optional listings. The body is sent with
 * {@link HttpServerResponse#sendFile(Path, long, long)} ({@code sendfile(2)}). The file system
 * is looked at on the calling (poll) thread: a few {@code stat} calls per request.
 */
final class StaticFiles {

	private static final Map<String, String> TYPES = Map.ofEntries(
			Map.entry("html", "text/html; charset=utf-8"), Map.entry("htm", "text/html; charset=utf-8"),
			Map.entry("css", "text/css; charset=utf-8"), Map.entry("js", "text/javascript; charset=utf-8"),
			Map.entry("mjs", "text/javascript; charset=utf-8"), Map.entry("json", "application/json"),
			Map.entry("txt", "text/plain; charset=utf-8"), Map.entry("md", "text/markdown; charset=utf-8"),
			Map.entry("csv", "text/csv; charset=utf-8"), Map.entry("xml", "application/xml"),
			Map.entry("svg", "image/svg+xml"), Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"),
			Map.entry("jpeg", "image/jpeg"), Map.entry("gif", "image/gif"), Map.entry("webp", "image/webp"),
			Map.entry("avif", "image/avif"), Map.entry("ico", "image/x-icon"), Map.entry("wasm", "application/wasm"),
			Map.entry("pdf", "application/pdf"), Map.entry("zip", "application/zip"),
			Map.entry("gz", "application/gzip"), Map.entry("tar", "application/x-tar"),
			Map.entry("woff", "font/woff"), Map.entry("woff2", "font/woff2"), Map.entry("ttf", "font/ttf"),
			Map.entry("otf", "font/otf"), Map.entry("mp4", "video/mp4"), Map.entry("webm", "video/webm"),
			Map.entry("mp3", "audio/mpeg"), Map.entry("ogg", "audio/ogg"), Map.entry("wav", "audio/wav"),
			Map.entry("map", "application/json"), Map.entry("webmanifest", "application/manifest+json"),
			// more of the web's common files (nginx's mime.types, WHATWG and IANA types)
			Map.entry("cjs", "text/javascript; charset=utf-8"), Map.entry("vtt", "text/vtt; charset=utf-8"),
			Map.entry("ics", "text/calendar; charset=utf-8"), Map.entry("xhtml", "application/xhtml+xml"),
			Map.entry("atom", "application/atom+xml"), Map.entry("rss", "application/rss+xml"),
			Map.entry("jsonld", "application/ld+json"), Map.entry("geojson", "application/geo+json"),
			Map.entry("yaml", "application/yaml"), Map.entry("yml", "application/yaml"),
			Map.entry("bmp", "image/bmp"), Map.entry("tif", "image/tiff"), Map.entry("tiff", "image/tiff"),
			Map.entry("apng", "image/apng"), Map.entry("jxl", "image/jxl"), Map.entry("heic", "image/heic"),
			Map.entry("eot", "application/vnd.ms-fontobject"), Map.entry("opus", "audio/ogg"),
			Map.entry("oga", "audio/ogg"), Map.entry("ogv", "video/ogg"), Map.entry("weba", "audio/webm"),
			Map.entry("flac", "audio/flac"), Map.entry("m4a", "audio/mp4"), Map.entry("aac", "audio/aac"),
			Map.entry("mid", "audio/midi"), Map.entry("midi", "audio/midi"), Map.entry("m4v", "video/mp4"),
			Map.entry("mov", "video/quicktime"), Map.entry("mkv", "video/x-matroska"), Map.entry("ts", "video/mp2t"),
			Map.entry("m3u8", "application/vnd.apple.mpegurl"), Map.entry("mpd", "application/dash+xml"),
			Map.entry("7z", "application/x-7z-compressed"), Map.entry("bz2", "application/x-bzip2"),
			Map.entry("xz", "application/x-xz"), Map.entry("zst", "application/zstd"),
			Map.entry("jar", "application/java-archive"), Map.entry("epub", "application/epub+zip"),
			Map.entry("rtf", "application/rtf"), Map.entry("docx",
					"application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
			Map.entry("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
			Map.entry("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
			Map.entry("odt", "application/vnd.oasis.opendocument.text"));

	private StaticFiles() {
	}

	static String builtInType(String extension) {
		return TYPES.getOrDefault(extension, "application/octet-stream");
	}

	/** The raw (still percent-encoded) path of the request target. */
	private static String rawPath(HttpServerRequest req) {
		String uri = req.uri();
		int q = uri.indexOf('?');
		return q < 0 ? uri : uri.substring(0, q);
	}

	/** {@code prefix} as matched: starts with {@code /}, no trailing {@code /} ({@code ""} for the root). */
	static String normalizePrefix(String prefix) {
		if (!prefix.startsWith("/")) {
			throw new IllegalArgumentException("prefix must start with /: " + prefix);
		}
		String p = prefix;
		while (p.endsWith("/")) {
			p = p.substring(0, p.length() - 1);
		}
		return p;
	}

	/** Whether a GET or HEAD request falls under {@code prefix} (normalized). */
	static boolean matches(HttpServerRequest req, String prefix) {
		String m = req.method();
		if (!"GET".equals(m) && !"HEAD".equals(m)) {
			return false;
		}
		String raw = rawPath(req);
		return prefix.isEmpty() ? raw.startsWith("/") : raw.equals(prefix) || raw.startsWith(prefix + "/");
	}

	// ---- directories ----

	/** Serves the file under {@code root} that the request path after {@code prefix} names. */
	static Publisher<Void> directory(HttpServerRequest req, HttpServerResponse res, String prefix, Path root,
			StaticFileOptions options) {
		return lookedUpAgainIfChanged(res, () -> directoryOnce(req, res, prefix, root, options));
	}

	/**
	 * What {@code attempt} answers. A file found changed when it was opened to be sent (its
	 * size or time not those its head was made from, or a symbolic link put in on the way out of
	 * the root: {@link Changed}) is looked up once more, without the headers of the first
	 * attempt; found changed again, it is a 500 (still changing) or a 404 (outside the root).
	 */
	private static Publisher<Void> lookedUpAgainIfChanged(HttpServerResponse res, Supplier<Publisher<Void>> attempt) {
		return Mono.defer(() -> Mono.from(attempt.get()))
				.onErrorResume(Changed.class, e -> {
					reset(res);
					return Mono.from(attempt.get());
				})
				.onErrorResume(Changed.class, e -> {
					if (!e.outside) {
						return Mono.error(e);
					}
					reset(res);
					return Mono.from(res.sendNotFound());
				});
	}

	/** The headers and status a file's answer set, gone before another attempt. */
	private static void reset(HttpServerResponse res) {
		for (String name : new String[] {"Content-Type", "Content-Length", "Content-Encoding", "Content-Range", "ETag",
			"Last-Modified", "Accept-Ranges", "Vary", "Cache-Control"}) {
			res.responseHeaders().remove(name);
		}
		res.status(200);
	}

	/** What the head of a static file was made from, checked on the file opened to send it. */
	record Check(@Nullable Path root, long size, long mtimeMillis) {
	}

	/** The file opened to be sent is not the one looked at: changed on the way, or out of the root. */
	static final class Changed extends IOException {

		private static final long serialVersionUID = 1L;

		final boolean outside;

		/** The native code of a file out of the root (the other check's is ESTALE). */
		private static final long OUTSIDE = -(NativeConstants.ERR_ERRNO_BASE + NativeConstants.EACCES);

		Changed(Path file, long code) {
			super(code == OUTSIDE ? file + " leads out of the root now" : file + " changed between its lookup and its opening");
			outside = code == OUTSIDE;
		}

		/** Whether the native error {@code code} is one of the checks of a {@link Check}. */
		static boolean is(long code) {
			return code == OUTSIDE || code == -(NativeConstants.ERR_ERRNO_BASE + NativeConstants.ESTALE);
		}
	}

	private static Publisher<Void> directoryOnce(HttpServerRequest req, HttpServerResponse res, String prefix, Path root,
			StaticFileOptions options) {
		String raw = rawPath(req);
		String rest = raw.substring(prefix.length());
		Path realRoot;
		Path target;
		try {
			realRoot = root.toRealPath();
			target = resolve(realRoot, rest);
		}
		catch (NoSuchFileException e) {
			return res.sendNotFound();
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		if (target == null) {
			return res.sendNotFound();
		}
		Path real;
		BasicFileAttributes attrs;
		try {
			real = target.toRealPath();
			if (!real.startsWith(realRoot)) {
				return res.sendNotFound(); // a symbolic link leading out of the root
			}
			attrs = Files.readAttributes(real, BasicFileAttributes.class);
		}
		catch (IOException e) {
			return res.sendNotFound();
		}
		if (attrs.isDirectory()) {
			if (!raw.endsWith("/")) {
				String q = req.query();
				// one leading slash: "//host/dir" would be a reference to another host (RFC 3986 4.2)
				String location = "/" + raw.replaceFirst("^/+", "") + "/";
				return res.status(301).header("Location", location + (q.isEmpty() ? "" : "?" + q)).send();
			}
			String index = options.indexFile();
			if (index != null) {
				Path file = real.resolve(index);
				Path realFile = realUnder(file, realRoot);
				if (realFile != null && Files.isRegularFile(realFile)) {
					return file(req, res, realFile, index, realRoot, options);
				}
			}
			if (options.directoryListing()) {
				return listing(res, real, req.path());
			}
			return res.sendNotFound();
		}
		if (!attrs.isRegularFile() || raw.endsWith("/")) {
			return res.sendNotFound(); // "a.txt/" names a directory, which a file is not (as nginx answers)
		}
		return file(req, res, real, target.getFileName().toString(), realRoot, options);
	}

	/**
	 * Maps the raw path below the prefix to a path under {@code root}, or {@code null} (404)
	 * for a segment {@code .} or {@code ..} (encoded or not) or a name the file system's encoding
	 * cannot hold (non-ASCII under the C locale). Encoded separators ({@code %2f},
	 * {@code %5c}), backslashes, NUL and control characters are a bad request (400).
	 */
	static @Nullable Path resolve(Path root, String rawRest) {
		String lower = rawRest.toLowerCase(Locale.ROOT);
		if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00") || rawRest.indexOf('\\') >= 0) {
			throw new BadRequestException("encoded separator, backslash or NUL in the path");
		}
		String decoded = RequestDecoder.percentDecode(rawRest, false);
		for (int i = 0; i < decoded.length(); i++) {
			char c = decoded.charAt(i);
			if (c < 0x20 || c == 0x7f || c == '\\') {
				throw new BadRequestException("control character or backslash in the path");
			}
		}
		Path p = root;
		for (String seg : decoded.split("/")) {
			if (seg.isEmpty()) {
				continue;
			}
			if (seg.equals(".") || seg.equals("..")) {
				return null;
			}
			try {
				p = p.resolve(seg);
			}
			catch (InvalidPathException e) {
				return null; // a name the JVM's file-name encoding (sun.jnu.encoding) cannot hold: no such file
			}
		}
		return p.normalize().startsWith(root) ? p : null;
	}

	private static @Nullable Path realUnder(Path p, @Nullable Path realRoot) {
		try {
			Path real = p.toRealPath();
			return realRoot == null || real.startsWith(realRoot) ? real : null;
		}
		catch (IOException e) {
			return null;
		}
	}

	private static Mono<Void> listing(HttpServerResponse res, Path dir, String path) {
		List<String> names = new ArrayList<>();
		try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
			for (Path p : ds) {
				String name = p.getFileName().toString();
				// hidden files (.git, .env) are not shown, as nginx's autoindex does; nor are names
				// that no link can lead to (see nameable)
				if (!name.startsWith(".") && nameable(dir, p, name)) {
					names.add(name + (Files.isDirectory(p) ? "/" : ""));
				}
			}
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		names.sort(null);
		StringBuilder b = new StringBuilder(256 + names.size() * 64);
		String title = "Index of " + html(path);
		b.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(title)
				.append("</title></head>\n<body><h1>").append(title).append("</h1>\n<ul>\n");
		b.append("<li><a href=\"../\">../</a></li>\n");
		for (String n : names) {
			b.append("<li><a href=\"").append(hrefSegment(n)).append("\">").append(html(n)).append("</a></li>\n");
		}
		b.append("</ul></body></html>\n");
		return res.header("Content-Type", "text/html; charset=utf-8")
				.sendString(Mono.just(b.toString()));
	}

	/**
	 * Whether a request can name the entry {@code entry} of {@code dir} read as {@code name}: not
	 * with a control character or a backslash (its path is refused with 400, see {@link #resolve}),
	 * nor when the name has bytes the JVM's file-name encoding cannot decode (a Latin-1 name under
	 * UTF-8 reads back with U+FFFD in their place, a name of no file: 404).
	 */
	private static boolean nameable(Path dir, Path entry, String name) {
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			if (c < 0x20 || c == 0x7f || c == '\\') {
				return false;
			}
		}
		try {
			return dir.resolve(name).equals(entry);
		}
		catch (InvalidPathException e) {
			return false;
		}
	}

	private static String html(String s) {
		StringBuilder b = new StringBuilder(s.length());
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			switch (c) {
				case '<' -> b.append("&lt;");
				case '>' -> b.append("&gt;");
				case '&' -> b.append("&amp;");
				case '"' -> b.append("&quot;");
				case '\'' -> b.append("&#39;");
				default -> b.append(c);
			}
		}
		return b.toString();
	}

	/** Percent-encodes a name for a relative link (keeps a trailing {@code /}). */
	private static String hrefSegment(String name) {
		StringBuilder b = new StringBuilder();
		for (byte x : name.getBytes(StandardCharsets.UTF_8)) {
			int c = x & 0xff;
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/".indexOf(c) >= 0) {
				b.append((char) c);
			}
			else {
				b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
						.append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
			}
		}
		return b.toString();
	}

	// ---- one file ----

	/** The route of {@link HttpServerRoutes#file}: {@code file} itself, 404 if it is not a regular file. */
	static Publisher<Void> file(HttpServerRequest req, HttpServerResponse res, Path file, StaticFileOptions options) {
		return lookedUpAgainIfChanged(res, () -> fileOnce(req, res, file, options));
	}

	private static Publisher<Void> fileOnce(HttpServerRequest req, HttpServerResponse res, Path file, StaticFileOptions options) {
		Path real = realUnder(file, null);
		if (real == null || !Files.isRegularFile(real)) {
			return res.sendNotFound();
		}
		return file(req, res, real, file.getFileName().toString(), null, options);
	}

	/**
	 * Answers with {@code file} (a real path): validators, conditionals, the gzip sibling,
	 * a single range. {@code name} gives the content type; {@code realRoot} ({@code null}
	 * for a file route) bounds the gzip sibling.
	 */
	private static Publisher<Void> file(HttpServerRequest req, HttpServerResponse res, Path file, String name,
			@Nullable Path realRoot, StaticFileOptions options) {
		Path body = file;
		boolean gzip = false;
		boolean hasGz = false;
		BasicFileAttributes attrs;
		try {
			if (options.precompressed() && !name.endsWith(".gz")) {
				Path gz = realUnder(file.resolveSibling(file.getFileName() + ".gz"), realRoot);
				if (gz != null && Files.isRegularFile(gz)) {
					hasGz = true;
					if (acceptsGzip(req.requestHeaders().get("Accept-Encoding"))) {
						body = gz;
						gzip = true;
					}
				}
			}
			attrs = Files.readAttributes(body, BasicFileAttributes.class);
		}
		catch (IOException e) {
			return res.sendNotFound();
		}
		long size = attrs.size();
		long mtimeMillis = attrs.lastModifiedTime().toMillis();
		long mtimeSeconds = Math.floorDiv(mtimeMillis, 1000);
		String etag = "\"" + Long.toHexString(mtimeMillis) + "-" + Long.toHexString(size) + (gzip ? "-gz" : "") + "\"";
		String lastModified = HttpDates.format(Instant.ofEpochSecond(mtimeSeconds));
		String type = options.contentTypeOf(name);
		if (!gzip && compressedAlready(type) && res instanceof HttpExchange x) {
			x.identityOnly(); // gzip would only make it larger (nginx's gzip_types leave these out too)
		}
		res.header("Content-Type", type).header("ETag", etag).header("Last-Modified", lastModified)
				.header("Accept-Ranges", "bytes");
		if (hasGz) {
			res.header("Vary", "Accept-Encoding");
		}
		if (gzip) {
			res.header("Content-Encoding", "gzip");
		}
		if (options.cacheControl() != null) {
			res.header("Cache-Control", options.cacheControl());
		}
		if (preconditionFailed(req, etag, mtimeSeconds)) {
			res.responseHeaders().remove("Content-Type");
			return res.status(412).send();
		}
		if (notModified(req, etag, mtimeSeconds)) {
			if (!gzip && res instanceof HttpExchange x) {
				x.asIfCompressed(size); // the ETag and Vary of the 200 it stands for (RFC 9110 15.4.5)
			}
			res.responseHeaders().remove("Content-Type");
			return res.status(304).send();
		}
		String range = req.requestHeaders().get("Range");
		if (range != null && rangeApplies(req.requestHeaders().get("If-Range"), etag, mtimeSeconds)) {
			long[] r = parseRange(range, size);
			if (r == UNSATISFIABLE) {
				res.responseHeaders().remove("Content-Type");
				return res.status(416).header("Content-Range", "bytes */" + size).send();
			}
			if (r != null) {
				long count = r[1] - r[0] + 1;
				if (!gzip && res instanceof HttpExchange x) {
					x.varyAsIfWhole(size); // the Vary of the 200 it is part of (RFC 9110 15.3.7)
				}
				res.status(206).header("Content-Range", "bytes " + r[0] + "-" + r[1] + "/" + size);
				return send(res, body, r[0], count, new Check(realRoot, size, mtimeMillis));
			}
		}
		if (size == 0) {
			res.header("Content-Length", "0");
			return res.send();
		}
		return send(res, body, 0, size, new Check(realRoot, size, mtimeMillis));
	}

	/** Sends a region of {@code body}, checked against what its head was made from ({@code check}). */
	private static Publisher<Void> send(HttpServerResponse res, Path body, long position, long count, Check check) {
		return res instanceof HttpExchange x ? x.sendFile(body, position, count, check) : res.sendFile(body, position, count);
	}

	/**
	 * {@code If-Match} (strong comparison: a weak tag never matches), else {@code If-Unmodified-Since}:
	 * whether to answer 412 (RFC 9110 13.1.1, 13.1.4; evaluated before the others, 13.2.2). A
	 * client resuming a download with {@code If-Match} and a range would otherwise join bytes of
	 * two versions.
	 */
	static boolean preconditionFailed(HttpServerRequest req, String etag, long mtimeSeconds) {
		String im = listField(req, "If-Match");
		if (im != null) {
			return !listHas(im, etag, false);
		}
		String ius = req.requestHeaders().get("If-Unmodified-Since");
		long since = ius == null ? HttpDates.INVALID : HttpDates.parse(ius);
		return since != HttpDates.INVALID && mtimeSeconds > since; // an invalid date is ignored (13.1.4)
	}

	/**
	 * Whether the entity-tag list {@code header} ({@code If-Match}, {@code If-None-Match}) has
	 * {@code *} or {@code etag}; with {@code weak}, a {@code W/} tag counts as its strong twin
	 * (RFC 9110 8.8.3.2), else it matches nothing.
	 */
	private static boolean listHas(String header, String etag, boolean weak) {
		for (String t : header.split(",")) {
			String v = t.trim();
			String e = etag;
			if (weak && v.startsWith("W/")) {
				v = v.substring(2);
			}
			if (weak && e.startsWith("W/")) {
				e = e.substring(2);
			}
			if (v.equals("*") || v.equals(e)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The lines of a list-valued field ({@code If-Match}, {@code If-None-Match}) as one, joined
	 * with commas (RFC 9110 5.3), or {@code null}: a client may send the tags in several lines.
	 */
	private static @Nullable String listField(HttpServerRequest req, String name) {
		List<String> lines = req.requestHeaders().getAll(name);
		return lines.isEmpty() ? null : String.join(",", lines);
	}

	/** {@code If-None-Match} (weak comparison), else {@code If-Modified-Since}: whether to answer 304. */
	static boolean notModified(HttpServerRequest req, String etag, long mtimeSeconds) {
		String inm = listField(req, "If-None-Match");
		if (inm != null) {
			return listHas(inm, etag, true);
		}
		String ims = req.requestHeaders().get("If-Modified-Since");
		long since = ims == null ? HttpDates.INVALID : HttpDates.parse(ims);
		return since != HttpDates.INVALID && mtimeSeconds <= since; // an invalid date is ignored (RFC 9110, 13.1.3)
	}

	/** {@code If-Range}: the range applies only if the validator still matches (a strong ETag or the date). */
	private static boolean rangeApplies(@Nullable String ifRange, String etag, long mtimeSeconds) {
		if (ifRange == null) {
			return true;
		}
		String v = ifRange.trim();
		return v.startsWith("\"") ? v.equals(etag) : HttpDates.parse(v) == mtimeSeconds;
	}

	/** Marker of a range that no byte of the file satisfies (416). */
	static final long[] UNSATISFIABLE = new long[0];

	/**
	 * One {@code bytes=} range as {@code [first, last]} (inclusive), {@link #UNSATISFIABLE},
	 * or {@code null} to ignore the header and send the whole file: another unit, several
	 * ranges, or a syntax error (RFC 9110, 14.2).
	 */
	static long @Nullable [] parseRange(String header, long size) {
		String h = header.trim();
		if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
			return null;
		}
		String spec = h.substring(6).trim();
		if (spec.contains(",")) {
			return null;
		}
		int dash = spec.indexOf('-');
		if (dash < 0) {
			return null;
		}
		String a = spec.substring(0, dash).trim();
		String b = spec.substring(dash + 1).trim();
		try {
			if (a.isEmpty()) {
				long n = digits(b);
				if (n == 0) {
					return UNSATISFIABLE;
				}
				if (size == 0) {
					return null; // RFC 9110 14.1.1: satisfiable, by the whole (empty) file, as nginx answers
				}
				return new long[] {Math.max(0, size - n), size - 1};
			}
			long first = digits(a);
			long last = b.isEmpty() ? Long.MAX_VALUE : digits(b);
			if (last < first) {
				return null;
			}
			if (first >= size) {
				return UNSATISFIABLE;
			}
			return new long[] {first, Math.min(last, size - 1)};
		}
		catch (NumberFormatException e) {
			return null;
		}
	}

	private static long digits(String s) {
		if (s.isEmpty() || s.length() > 18) {
			throw new NumberFormatException(s);
		}
		for (int i = 0; i < s.length(); i++) {
			if (s.charAt(i) < '0' || s.charAt(i) > '9') {
				throw new NumberFormatException(s);
			}
		}
		return Long.parseLong(s);
	}

	/**
	 * Whether a file of this content type is in a compressed format already, so that gzipping
	 * it on the fly would cost CPU time and make it larger: images other than SVG, BMP and
	 * icons, audio, video, web fonts and archives.
	 */
	static boolean compressedAlready(String contentType) {
		int semi = contentType.indexOf(';');
		String t = (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
		if (t.startsWith("image/")) {
			return !(t.equals("image/svg+xml") || t.equals("image/bmp") || t.equals("image/x-icon")
					|| t.equals("image/vnd.microsoft.icon") || t.equals("image/tiff"));
		}
		if (t.startsWith("video/") || t.startsWith("audio/")) {
			return !(t.equals("audio/wav") || t.equals("audio/x-wav") || t.equals("audio/midi"));
		}
		return switch (t) {
			case "font/woff", "font/woff2", "application/zip", "application/gzip", "application/x-gzip",
					"application/x-7z-compressed", "application/x-bzip2", "application/x-xz", "application/zstd",
					"application/vnd.rar", "application/x-rar-compressed", "application/java-archive",
					"application/epub+zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
					"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
					"application/vnd.openxmlformats-officedocument.presentationml.presentation",
					"application/vnd.oasis.opendocument.text" -> true;
			default -> false;
		};
	}

	/** Whether {@code Accept-Encoding} allows gzip ({@code gzip} or {@code *} with a non-zero q). */
	static boolean acceptsGzip(@Nullable String acceptEncoding) {
		if (acceptEncoding == null) {
			return false;
		}
		boolean star = false;
		for (String part : acceptEncoding.split(",")) {
			String[] p = part.trim().split(";");
			if (p.length == 0) {
				continue; // ";" alone splits into no part at all
			}
			String coding = p[0].trim().toLowerCase(Locale.ROOT);
			double q = 1;
			for (int i = 1; i < p.length; i++) {
				String param = p[i].trim();
				if (param.regionMatches(true, 0, "q=", 0, 2)) {
					try {
						q = Double.parseDouble(param.substring(2).trim());
					}
					catch (NumberFormatException e) {
						q = 0;
					}
				}
			}
			if (coding.equals("gzip") || coding.equals("x-gzip")) {
				return q > 0;
			}
			if (coding.equals("*")) {
				star = q > 0;
			}
		}
		return star;
	}
}
