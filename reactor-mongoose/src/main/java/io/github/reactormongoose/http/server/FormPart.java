/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.file.Path;

import io.github.reactormongoose.http.HttpHeaders;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One field or file of a form decoded by {@link HttpServerRequest#receiveForm()}: a part of a
 * {@code multipart/form-data} body or a field of an {@code application/x-www-form-urlencoded}
 * one. It is emitted once its content is complete: in memory up to
 * {@link FormDecoderSpec#maxInMemorySize(long)}, else in a temporary file that is deleted when
 * the exchange ends. Use the content before the response ends, or move it with
 * {@link #transferTo(Path)}.
 *
 * <p>{@link #bytes()}, {@link #string()} and {@link #transferTo(Path)} may read or move a
 * file: call them where blocking is allowed (parts are emitted on the decoder's
 * {@linkplain FormDecoderSpec#scheduler scheduler}, which is), not on a poll thread.
 */
public interface FormPart {

	/** The field name ({@code name} of the part's {@code Content-Disposition}). */
	String name();

	/**
	 * The file name the client gave ({@code filename*} or {@code filename} of the part's
	 * {@code Content-Disposition}), or {@code null} for a plain field. Chosen by the client:
	 * never use it as a path without checking it.
	 */
	@Nullable String filename();

	/** Whether the part is a file upload: it has a {@link #filename()}. */
	default boolean isFile() {
		return filename() != null;
	}

	/** The part's {@code Content-Type}, or {@code null} (url-encoded fields have none). */
	@Nullable String contentType();

	/** The part's own headers (empty for url-encoded fields). */
	HttpHeaders headers();

	/** The length of the content in bytes. */
	long size();

	/** Whether the content is held in memory (else in a temporary file). */
	boolean isInMemory();

	/** The content (read from the temporary file when it is not {@linkplain #isInMemory() in memory}). */
	byte[] bytes();

	/** The content as text in the charset of the part's {@code Content-Type}, else the decoder's. */
	String string();

	/** The content as text in {@code charset}. */
	String string(Charset charset);

	/** The content in slices of at most 64 KiB, read from the file (if any) on {@code boundedElastic}. */
	Flux<ByteBuffer> content();

	/**
	 * Writes the content to {@code destination} (replacing it): a content in a temporary file is
	 * moved there, so that it survives the exchange. Runs on the decoder's scheduler.
	 */
	Mono<Void> transferTo(Path destination);
}
