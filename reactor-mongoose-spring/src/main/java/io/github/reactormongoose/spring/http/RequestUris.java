/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@link URI}s of the request targets a thread parsed last. Spring needs a {@code URI} per
 * request, and parsing one ({@code new URI(String)}) was an eighth of the Java time of a WebFlux
 * "hello" request on a poll thread; clients repeat their targets, and a {@code URI} is immutable,
 * so one parsed URI serves every request that spells it the same way. Bounded per thread:
 * at most {@value #MAX_ENTRIES} entries of at most {@value #MAX_LENGTH} characters (longer
 * ones are parsed every time); when full, the map is emptied, so a client sending ever new
 * targets costs a parse per request, as without the cache. Invalid targets are never kept.
 */
final class RequestUris {

	static final int MAX_ENTRIES = 128;

	static final int MAX_LENGTH = 512;

	private static final ThreadLocal<Map<String, URI>> PARSED = ThreadLocal.withInitial(HashMap::new);

	private RequestUris() {
	}

	/** {@code new URI(uri)}, or the same URI parsed earlier on this thread. */
	static URI parse(String uri) throws URISyntaxException {
		if (uri.length() > MAX_LENGTH) {
			return new URI(uri);
		}
		Map<String, URI> parsed = PARSED.get();
		URI u = parsed.get(uri);
		if (u == null) {
			u = new URI(uri);
			if (parsed.size() >= MAX_ENTRIES) {
				parsed.clear();
			}
			parsed.put(uri, u);
		}
		return u;
	}
}
