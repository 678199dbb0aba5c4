/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * How {@link HttpServerRoutes#directory(String, java.nio.file.Path, StaticFileOptions)} and
 * {@link HttpServerRoutes#file(String, java.nio.file.Path, StaticFileOptions)} serve files.
 * Immutable: every setter returns a new instance.
 * <pre>{@code
 * StaticFileOptions opts = StaticFileOptions.defaults()
 *         .directoryListing(true)
 *         .contentType("wasm", "application/wasm");
 * }</pre>
 * Defaults: index file {@code index.html}, no directory listing, precompressed {@code .gz}
 * siblings served to clients that accept gzip, content types from a built-in table of common
 * extensions ({@code application/octet-stream} otherwise), no {@code Cache-Control}.
 */
public final class StaticFileOptions {

	private static final StaticFileOptions DEFAULTS = new StaticFileOptions("index.html", false, true, Map.of(), null);

	private final @Nullable String indexFile;
	private final boolean directoryListing;
	private final boolean precompressed;
	private final Map<String, String> contentTypes;
	private final @Nullable String cacheControl;

	private StaticFileOptions(@Nullable String indexFile, boolean directoryListing, boolean precompressed,
			Map<String, String> contentTypes, @Nullable String cacheControl) {
		this.indexFile = indexFile;
		this.directoryListing = directoryListing;
		this.precompressed = precompressed;
		this.contentTypes = contentTypes;
		this.cacheControl = cacheControl;
	}

	/** The defaults described above. */
	public static StaticFileOptions defaults() {
		return DEFAULTS;
	}

	/**
	 * The file served for a directory request ({@code /docs/}), or {@code null} for none.
	 * A plain file name: no {@code /}, not {@code .} or {@code ..}.
	 */
	public StaticFileOptions indexFile(@Nullable String name) {
		if (name != null && (name.isEmpty() || name.contains("/") || name.contains("\\") || name.indexOf('\0') >= 0
				|| name.equals(".") || name.equals(".."))) {
			throw new IllegalArgumentException("not a plain file name: " + name);
		}
		return new StaticFileOptions(name, directoryListing, precompressed, contentTypes, cacheControl);
	}

	/** Whether a directory without an index file is answered with an HTML listing (default: no, 404). */
	public StaticFileOptions directoryListing(boolean enabled) {
		return new StaticFileOptions(indexFile, enabled, precompressed, contentTypes, cacheControl);
	}

	/**
	 * Whether {@code name.gz} beside {@code name} is sent, with {@code Content-Encoding: gzip},
	 * to clients whose {@code Accept-Encoding} allows gzip (default: yes).
	 */
	public StaticFileOptions precompressed(boolean enabled) {
		return new StaticFileOptions(indexFile, directoryListing, enabled, contentTypes, cacheControl);
	}

	/** Maps a file extension (without the dot, case-insensitive) to a content type, over the built-in table. */
	public StaticFileOptions contentType(String extension, String contentType) {
		Objects.requireNonNull(extension, "extension");
		Objects.requireNonNull(contentType, "contentType");
		checkValue(contentType);
		Map<String, String> m = new LinkedHashMap<>(contentTypes);
		m.put(extension.toLowerCase(Locale.ROOT), contentType);
		return new StaticFileOptions(indexFile, directoryListing, precompressed, Map.copyOf(m), cacheControl);
	}

	/** A {@code Cache-Control} value added to every file response, or {@code null} for none (default). */
	public StaticFileOptions cacheControl(@Nullable String value) {
		if (value != null) {
			checkValue(value);
		}
		return new StaticFileOptions(indexFile, directoryListing, precompressed, contentTypes, value);
	}

	private static void checkValue(String v) {
		for (int i = 0; i < v.length(); i++) {
			char c = v.charAt(i);
			if (c == '\r' || c == '\n' || c == '\0') {
				throw new IllegalArgumentException("header value must not contain CR, LF or NUL: " + v);
			}
		}
	}

	@Nullable String indexFile() {
		return indexFile;
	}

	boolean directoryListing() {
		return directoryListing;
	}

	boolean precompressed() {
		return precompressed;
	}

	@Nullable String cacheControl() {
		return cacheControl;
	}

	/** The content type of a file name: the application's table, then the built-in one. */
	String contentTypeOf(String fileName) {
		int dot = fileName.lastIndexOf('.');
		String ext = dot < 0 ? "" : fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
		String t = contentTypes.get(ext);
		return t != null ? t : StaticFiles.builtInType(ext);
	}
}
