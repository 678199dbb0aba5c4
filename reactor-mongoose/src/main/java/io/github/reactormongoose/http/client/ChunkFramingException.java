/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;


/**
 * A chunked body is malformed: a chunk-size line that is not hexadecimal, too long or overflowing,
 * or a chunk not followed by CRLF.
 */
public class ChunkFramingException extends MalformedResponseException {

	private static final long serialVersionUID = 1L;

	public ChunkFramingException(String message) {
		super(message);
	}
}
