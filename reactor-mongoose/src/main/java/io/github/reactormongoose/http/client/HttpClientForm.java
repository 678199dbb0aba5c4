/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.io.FileChunks;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A form that {@link HttpClient.RequestSender#sendForm} sends: fields and files, as
 * {@code application/x-www-form-urlencoded} or, with {@link #multipart(boolean) multipart} or
 * any file, {@code multipart/form-data} (RFC 7578), as a browser sends it. Files are read as
 * the request is written, in 64 KiB pieces on {@code boundedElastic}, never whole. The body
 * has a {@code Content-Length} unless a part's length is unknown (a {@link Publisher}); then
 * it is chunked. Filled anew for each subscription (each attempt, each redirect that keeps the
 * body).
 */
public final class HttpClientForm {

	private boolean multipart;
	private Charset charset = StandardCharsets.UTF_8;
	private final List<Part> parts = new ArrayList<>();

	/** A field ({@code value}), or a file from memory ({@code bytes}), from disk ({@code file}) or a publisher. */
	private record Part(String name, @Nullable String filename, @Nullable String contentType, @Nullable String value,
			byte @Nullable [] bytes, @Nullable Path file, @Nullable Publisher<? extends ByteBuffer> content) {
	}

	HttpClientForm() {
	}

	/**
	 * Whether to send {@code multipart/form-data}; default {@code false}:
	 * {@code application/x-www-form-urlencoded} as long as there is no file (a file makes the
	 * form multipart whatever this says).
	 */
	public HttpClientForm multipart(boolean multipart) {
		this.multipart = multipart;
		return this;
	}

	/** The charset of names and values (and of file names); default UTF-8. */
	public HttpClientForm charset(Charset charset) {
		this.charset = Objects.requireNonNull(charset, "charset");
		return this;
	}

	/** A field. */
	public HttpClientForm attr(String name, String value) {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(value, "value");
		parts.add(new Part(name, null, null, value, null, null, null));
		return this;
	}

	/** A file, named as on disk, of type {@code application/octet-stream}. */
	public HttpClientForm file(String name, Path file) {
		return file(name, file.getFileName().toString(), file, null);
	}

	/** A file named as on disk. */
	public HttpClientForm file(String name, Path file, @Nullable String contentType) {
		return file(name, file.getFileName().toString(), file, contentType);
	}

	/**
	 * A file sent under {@code filename}; {@code contentType} {@code null} is
	 * {@code application/octet-stream}. Its length is read when the request starts and sent in
	 * {@code Content-Length}: a file that gets shorter meanwhile fails the request
	 * ({@link java.io.EOFException}), one that grows is sent up to that length.
	 */
	public HttpClientForm file(String name, String filename, Path file, @Nullable String contentType) {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(filename, "filename");
		Objects.requireNonNull(file, "file");
		parts.add(new Part(name, filename, contentType, null, null, file, null));
		return this;
	}

	/** A file from memory. */
	public HttpClientForm file(String name, String filename, byte[] content, @Nullable String contentType) {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(filename, "filename");
		Objects.requireNonNull(content, "content");
		parts.add(new Part(name, filename, contentType, null, content.clone(), null, null));
		return this;
	}

	/** A file whose content is a publisher (its length unknown: the body is chunked). */
	public HttpClientForm file(String name, String filename, Publisher<? extends ByteBuffer> content,
			@Nullable String contentType) {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(filename, "filename");
		Objects.requireNonNull(content, "content");
		parts.add(new Part(name, filename, contentType, null, null, null, content));
		return this;
	}

	/** The encoded form: its headers and its body. */
	record Body(String contentType, long length, Publisher<ByteBuffer> content) {

		/** Sets {@code Content-Type} and, when known, {@code Content-Length}. */
		void headers(HttpHeaders h) {
			h.set("Content-Type", contentType);
			if (length >= 0) {
				h.set("Content-Length", length);
			}
			else {
				h.remove("Content-Length");
			}
		}
	}

	Body encode() {
		boolean files = parts.stream().anyMatch(p -> p.filename != null);
		if (!multipart && !files) {
			return urlencoded();
		}
		String boundary = "----rmg" + HexFormat.of().formatHex(randomBytes());
		long length = 0;
		List<Publisher<ByteBuffer>> pieces = new ArrayList<>();
		for (Part p : parts) {
			StringBuilder h = new StringBuilder("--").append(boundary).append("\r\n")
					.append("Content-Disposition: form-data; name=\"").append(escape(p.name)).append('"');
			if (p.filename != null) {
				h.append("; filename=\"").append(escape(p.filename)).append('"');
				h.append("\r\nContent-Type: ").append(p.contentType != null ? header(p.contentType) : "application/octet-stream");
			}
			h.append("\r\n\r\n");
			byte[] head = h.toString().getBytes(charset);
			pieces.add(Mono.just(ByteBuffer.wrap(head)));
			length = add(length, head.length);
			byte[] inMemory = p.value != null ? p.value.getBytes(charset) : p.bytes;
			if (inMemory != null) {
				pieces.add(Mono.just(ByteBuffer.wrap(inMemory).asReadOnlyBuffer()));
				length = add(length, inMemory.length);
			}
			else if (p.file != null) {
				long size = size(p.file);
				pieces.add(FileChunks.read(p.file, 0, size)); // exactly the length announced
				length = add(length, size);
			}
			else {
				pieces.add(Flux.<ByteBuffer>from(Objects.requireNonNull(p.content)));
				length = -1; // chunked
			}
			pieces.add(Mono.just(ByteBuffer.wrap(CRLF)));
			length = add(length, 2);
		}
		byte[] end = ("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
		pieces.add(Mono.just(ByteBuffer.wrap(end)));
		length = add(length, end.length);
		return new Body("multipart/form-data; boundary=" + boundary, length, Flux.concat(pieces));
	}

	private static final byte[] CRLF = { '\r', '\n' };

	private Body urlencoded() {
		StringBuilder b = new StringBuilder();
		for (Part p : parts) {
			if (b.length() > 0) {
				b.append('&');
			}
			b.append(URLEncoder.encode(p.name, charset)).append('=').append(URLEncoder.encode(Objects.requireNonNull(p.value), charset));
		}
		byte[] bytes = b.toString().getBytes(StandardCharsets.US_ASCII);
		String type = "application/x-www-form-urlencoded"
				+ (charset.equals(StandardCharsets.UTF_8) ? "" : "; charset=" + charset.name());
		return new Body(type, bytes.length, Mono.just(ByteBuffer.wrap(bytes)));
	}

	private static long add(long length, long n) {
		return length < 0 ? -1 : length + n;
	}

	/**
	 * A name or file name in a quoted string, as browsers write it (HTML's form encoding):
	 * {@code "} as {@code %22}, CR as {@code %0D}, LF as {@code %0A}.
	 */
	private static String escape(String s) {
		return s.replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
	}

	private static String header(String value) {
		if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
			throw new IllegalArgumentException("A form part's content type contains CR, LF or NUL: " + value);
		}
		return value;
	}

	private static byte[] randomBytes() {
		byte[] b = new byte[16];
		ThreadLocalRandom.current().nextBytes(b);
		return b;
	}

	private static long size(Path file) {
		try {
			if (Files.isDirectory(file)) {
				throw new IOException("a directory, not a file");
			}
			return Files.size(file);
		}
		catch (IOException e) {
			throw new UncheckedIOException("Cannot send the form file " + file, e);
		}
	}
}
