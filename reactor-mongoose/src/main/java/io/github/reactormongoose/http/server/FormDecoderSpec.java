/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * How {@link HttpServerRequest#receiveForm()} decodes a form, set server-wide with
 * {@link HttpServer#httpFormDecoder} and per request with
 * {@link HttpServerRequest#receiveForm(java.util.function.Consumer)} (which starts from the
 * server's settings). The counterpart of Reactor Netty's {@code HttpServerFormDecoderProvider}.
 *
 * <table>
 * <caption>Settings and defaults</caption>
 * <tr><th>setting</th><th>default</th><th>when exceeded</th></tr>
 * <tr><td>{@link #maxInMemorySize(long)}</td><td>16 KiB</td><td>the part's content goes to a temporary file</td></tr>
 * <tr><td>{@link #maxPartSize(long)}</td><td>-1: no limit (as Reactor Netty)</td><td>{@link FormDecodingException}, 413</td></tr>
 * <tr><td>{@link #maxParts(int)}</td><td>1,000 (Tomcat's and Jetty's default)</td><td>{@link FormDecodingException}, 413</td></tr>
 * <tr><td>{@link #maxHeaderSize(int)}</td><td>8 KiB</td><td>{@link FormDecodingException}, 413</td></tr>
 * </table>
 */
public final class FormDecoderSpec {

	/** Default {@link #maxInMemorySize(long)}: 16 KiB, as Reactor Netty. */
	public static final long DEFAULT_MAX_IN_MEMORY_SIZE = 16 * 1024;
	/** Default {@link #maxParts(int)}: 1,000. */
	public static final int DEFAULT_MAX_PARTS = 1000;
	/** Default {@link #maxHeaderSize(int)}: 8 KiB. */
	public static final int DEFAULT_MAX_HEADER_SIZE = 8 * 1024;

	private long maxInMemorySize = DEFAULT_MAX_IN_MEMORY_SIZE;
	private long maxPartSize = -1;
	private int maxParts = DEFAULT_MAX_PARTS;
	private int maxHeaderSize = DEFAULT_MAX_HEADER_SIZE;
	private @Nullable Path baseDirectory;
	private Charset charset = StandardCharsets.UTF_8;
	private @Nullable Scheduler scheduler;

	FormDecoderSpec() {
	}

	FormDecoderSpec copy() {
		FormDecoderSpec c = new FormDecoderSpec();
		c.maxInMemorySize = maxInMemorySize;
		c.maxPartSize = maxPartSize;
		c.maxParts = maxParts;
		c.maxHeaderSize = maxHeaderSize;
		c.baseDirectory = baseDirectory;
		c.charset = charset;
		c.scheduler = scheduler;
		return c;
	}

	/**
	 * A part (or url-encoded field value) larger than this is written to a temporary file in
	 * {@link #baseDirectory(Path)} instead of memory; 0 sends every non-empty part to a file.
	 * Temporary files are deleted when the exchange ends (unless moved with
	 * {@link FormPart#transferTo(Path)}).
	 */
	public FormDecoderSpec maxInMemorySize(long bytes) {
		if (bytes < 0) {
			throw new IllegalArgumentException("maxInMemorySize must be >= 0: " + bytes);
		}
		this.maxInMemorySize = bytes;
		return this;
	}

	/** The largest part (or url-encoded field value) accepted, in bytes; -1 for no limit. */
	public FormDecoderSpec maxPartSize(long bytes) {
		if (bytes < -1) {
			throw new IllegalArgumentException("maxPartSize must be >= 0, or -1 for no limit: " + bytes);
		}
		this.maxPartSize = bytes;
		return this;
	}

	/** The most parts (or url-encoded fields) in one form; -1 for no limit. */
	public FormDecoderSpec maxParts(int parts) {
		if (parts < -1) {
			throw new IllegalArgumentException("maxParts must be >= 0, or -1 for no limit: " + parts);
		}
		this.maxParts = parts;
		return this;
	}

	/** The largest header block of one multipart part, and the longest url-encoded field name, in bytes. */
	public FormDecoderSpec maxHeaderSize(int bytes) {
		if (bytes <= 0) {
			throw new IllegalArgumentException("maxHeaderSize must be > 0: " + bytes);
		}
		this.maxHeaderSize = bytes;
		return this;
	}

	/** Where temporary files go; default the {@code java.io.tmpdir} directory. */
	public FormDecoderSpec baseDirectory(Path directory) {
		this.baseDirectory = Objects.requireNonNull(directory, "directory");
		return this;
	}

	/**
	 * The charset of url-encoded forms (unless the request's {@code Content-Type} names one),
	 * of part headers, and of {@link FormPart#string()} for parts that name none; default UTF-8.
	 */
	public FormDecoderSpec charset(Charset charset) {
		this.charset = Objects.requireNonNull(charset, "charset");
		return this;
	}

	/**
	 * Where the form is decoded and its parts are emitted; default
	 * {@link Schedulers#boundedElastic()}, since parts larger than
	 * {@link #maxInMemorySize(long)} are written to files (blocking I/O that must not run on a
	 * poll thread).
	 */
	public FormDecoderSpec scheduler(Scheduler scheduler) {
		this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
		return this;
	}

	public long maxInMemorySize() {
		return maxInMemorySize;
	}

	public long maxPartSize() {
		return maxPartSize;
	}

	public int maxParts() {
		return maxParts;
	}

	public int maxHeaderSize() {
		return maxHeaderSize;
	}

	public Path baseDirectory() {
		Path d = baseDirectory;
		return d != null ? d : Path.of(System.getProperty("java.io.tmpdir"));
	}

	public Charset charset() {
		return charset;
	}

	public Scheduler scheduler() {
		Scheduler s = scheduler;
		return s != null ? s : Schedulers.boundedElastic();
	}

	@Override
	public String toString() {
		return "FormDecoderSpec{maxInMemorySize=" + maxInMemorySize + ", maxPartSize=" + maxPartSize + ", maxParts="
				+ maxParts + ", maxHeaderSize=" + maxHeaderSize + ", baseDirectory=" + baseDirectory() + ", charset="
				+ charset + "}";
	}
}
