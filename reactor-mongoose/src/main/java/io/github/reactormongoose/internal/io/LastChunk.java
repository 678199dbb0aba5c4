/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.io;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import io.github.reactormongoose.http.HttpHeaders;

/**
 * The last chunk of a chunked body, with its trailer section: what the server's responses
 * ({@code HttpServerResponse.trailerHeaders}) and the client's requests
 * ({@code HttpClientRequest.trailerHeaders}) end with.
 */
public final class LastChunk {

	/** The last chunk without trailer fields. */
	public static final byte[] PLAIN = {'0', '\r', '\n', '\r', '\n'};

	/** Fields never sent as trailers: the peer has acted on them before the body. */
	private static final Set<String> NOT_TRAILERS = Set.of("content-length", "transfer-encoding",
			"trailer", "host", "content-type", "content-encoding", "content-range", "te");

	private LastChunk() {
	}

	/**
	 * The last chunk of a body whose head is {@code head}: {@code 0}, then the {@code fields}
	 * that the head declared in its {@code Trailer} header and that may be trailers (never
	 * framing, routing or content-format fields), then the empty line. {@code dropped} hears the
	 * name of each field left out. Names and values were checked when {@code fields} took them.
	 */
	public static byte[] of(HttpHeaders head, HttpHeaders fields, Consumer<String> dropped) {
		Set<String> declared = new HashSet<>();
		for (String value : head.getAll("Trailer")) {
			for (String name : value.split(",")) {
				declared.add(name.trim().toLowerCase(Locale.ROOT));
			}
		}
		StringBuilder b = new StringBuilder("0\r\n");
		for (Map.Entry<String, String> f : fields) {
			String name = f.getKey().toLowerCase(Locale.ROOT);
			if (declared.contains(name) && !NOT_TRAILERS.contains(name)) {
				b.append(f.getKey()).append(": ").append(f.getValue()).append("\r\n");
			}
			else {
				dropped.accept(f.getKey());
			}
		}
		return b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
	}
}
