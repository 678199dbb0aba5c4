/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.io.FileChunks;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Push decoder of one form body, fed the body's pieces in order on one thread at a time
 * ({@link #feed}, then {@link #finish}); emits each part once its content is complete.
 * {@code multipart/form-data} (RFC 7578 over RFC 2046's framing) and
 * {@code application/x-www-form-urlencoded} (the WHATWG parsing: {@code &}-separated,
 * {@code +} is a space, percent-decoded bytes). Memory is bounded whatever the input: a part's
 * content beyond {@link FormDecoderSpec#maxInMemorySize} goes to a temporary file, and the
 * decoder holds at most a delimiter's length or one header block besides the piece at hand.
 */
abstract class FormDecoder {

	private static final Logger log = Loggers.getLogger(FormDecoder.class);

	final FormDecoderSpec spec;
	final TempFiles files;
	/** The charset of {@link FormPart#string()} for parts whose type names none. */
	private final Charset textCharset;
	private int parts;
	private @Nullable Content content;

	FormDecoder(FormDecoderSpec spec, TempFiles files, Charset textCharset) {
		this.spec = spec;
		this.files = files;
		this.textCharset = textCharset;
	}

	/**
	 * The decoder for a body with these headers.
	 *
	 * @throws FormDecodingException 415 if the body is not a form, 400 if a multipart form has no usable boundary
	 */
	static FormDecoder of(HttpHeaders headers, FormDecoderSpec spec, TempFiles files) {
		String type = headers.get("Content-Type");
		String mime = type == null ? "" : mediaType(type);
		if (mime.equals("multipart/form-data")) {
			String boundary = parameter(type, "boundary");
			if (boundary == null || boundary.isEmpty() || boundary.length() > 200) {
				throw malformed("multipart/form-data without a usable boundary parameter");
			}
			for (int i = 0; i < boundary.length(); i++) {
				char c = boundary.charAt(i);
				if (c < 0x20 || c > 0x7e) {
					throw malformed("the multipart boundary has a character that is not printable ASCII");
				}
			}
			return new Multipart(spec, files, boundary);
		}
		if (mime.equals("application/x-www-form-urlencoded")) {
			return new UrlEncoded(spec, files, charset(type, spec.charset()));
		}
		throw new FormDecodingException(415, "Not a form: Content-Type is " + (type == null ? "absent" : "'" + type + "'")
				+ "; receiveForm() decodes application/x-www-form-urlencoded and multipart/form-data");
	}

	/** Decodes the next piece of the body; returns the parts completed by it. */
	final synchronized List<FormPart> feed(ByteBuffer piece) {
		List<FormPart> out = new ArrayList<>(2);
		decode(piece, out);
		return out;
	}

	/** The body ended: returns the last parts, or throws if the form is incomplete. */
	final synchronized List<FormPart> finish() {
		List<FormPart> out = new ArrayList<>(1);
		end(out);
		return out;
	}

	/** Stops decoding (error, cancel, end): the part in progress, if any, is dropped with its file. */
	final synchronized void close() {
		Content c = content;
		content = null;
		if (c != null) {
			c.discard();
		}
	}

	abstract void decode(ByteBuffer piece, List<FormPart> out);

	abstract void end(List<FormPart> out);

	// ---- parts ----

	/** Starts collecting a part's content. */
	final void beginPart() {
		int max = spec.maxParts();
		if (max >= 0 && ++parts > max) {
			throw new FormDecodingException(413, "The form has more than " + max
					+ " parts (FormDecoderSpec.maxParts)");
		}
		content = new Content();
	}

	final void write(byte[] b, int off, int len) {
		Content c = content;
		if (c != null && len > 0) {
			c.write(b, off, len);
		}
	}

	/** Ends the part in progress. */
	final FormPart completePart(String name, @Nullable String filename, @Nullable String contentType,
			HttpHeaders headers) {
		Content c = content;
		content = null;
		if (c == null) {
			throw new IllegalStateException("no part in progress");
		}
		return c.complete(name, filename, contentType, headers);
	}

	/** The content of the part in progress: memory, then a temporary file beyond the in-memory limit. */
	private final class Content {
		private byte[] mem = new byte[0];
		private int memLength;
		private @Nullable Path file;
		private @Nullable FileChannel channel;
		private long size;

		void write(byte[] b, int off, int len) {
			size += len;
			long maxPart = spec.maxPartSize();
			if (maxPart >= 0 && size > maxPart) {
				throw new FormDecodingException(413, "A form part is larger than " + maxPart
						+ " bytes (FormDecoderSpec.maxPartSize)");
			}
			try {
				if (channel == null && size <= spec.maxInMemorySize()) {
					if (memLength + len > mem.length) {
						mem = Arrays.copyOf(mem, (int) Math.min(spec.maxInMemorySize(),
								Math.max(memLength + (long) len, Math.max(256, 2L * mem.length))));
					}
					System.arraycopy(b, off, mem, memLength, len);
					memLength += len;
					return;
				}
				FileChannel ch = channel;
				if (ch == null) {
					Path f = files.create(spec.baseDirectory());
					file = f;
					ch = FileChannel.open(f, StandardOpenOption.WRITE);
					channel = ch;
					writeFully(ch, ByteBuffer.wrap(mem, 0, memLength));
					mem = new byte[0];
					memLength = 0;
				}
				writeFully(ch, ByteBuffer.wrap(b, off, len));
			}
			catch (IOException e) {
				throw new FormDecodingException("Could not write a form part to a temporary file in "
						+ spec.baseDirectory() + ": " + e, e);
			}
		}

		FormPart complete(String name, @Nullable String filename, @Nullable String contentType, HttpHeaders headers) {
			Path f = file;
			if (f == null) {
				return new Part(name, filename, contentType, headers, size, Arrays.copyOf(mem, memLength), null);
			}
			try {
				FileChannel ch = channel;
				if (ch != null) {
					ch.close();
				}
			}
			catch (IOException e) {
				throw new FormDecodingException("Could not write a form part to " + f + ": " + e, e);
			}
			return new Part(name, filename, contentType, headers, size, null, f);
		}

		void discard() {
			try {
				FileChannel ch = channel;
				if (ch != null) {
					ch.close();
				}
			}
			catch (IOException e) {
				log.debug("closing a form part's file", e);
			}
			Path f = file;
			if (f != null) {
				files.delete(f);
			}
		}
	}

	private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
		while (b.hasRemaining()) {
			ch.write(b);
		}
	}

	/** A decoded part: its content in memory or in a temporary file. */
	private final class Part implements FormPart {
		private final String name;
		private final @Nullable String filename;
		private final @Nullable String contentType;
		private final HttpHeaders headers;
		private final long size;
		private final byte @Nullable [] mem;
		private volatile @Nullable Path file;

		Part(String name, @Nullable String filename, @Nullable String contentType, HttpHeaders headers, long size,
				byte @Nullable [] mem, @Nullable Path file) {
			this.name = name;
			this.filename = filename;
			this.contentType = contentType;
			this.headers = headers;
			this.size = size;
			this.mem = mem;
			this.file = file;
		}

		@Override
		public String name() {
			return name;
		}

		@Override
		public @Nullable String filename() {
			return filename;
		}

		@Override
		public @Nullable String contentType() {
			return contentType;
		}

		@Override
		public HttpHeaders headers() {
			return headers;
		}

		@Override
		public long size() {
			return size;
		}

		@Override
		public boolean isInMemory() {
			return mem != null;
		}

		@Override
		public byte[] bytes() {
			byte[] m = mem;
			if (m != null) {
				return m.clone();
			}
			if (size > Integer.MAX_VALUE - 8) {
				throw new IllegalStateException("The part '" + name + "' has " + size
						+ " bytes, too many for an array: read it with content() or transferTo()");
			}
			try {
				return Files.readAllBytes(path());
			}
			catch (IOException e) {
				throw gone(e);
			}
		}

		@Override
		public String string() {
			return string(charset(contentType, textCharset));
		}

		@Override
		public String string(Charset charset) {
			byte[] m = mem;
			return new String(m != null ? m : bytes(), charset); // no copy of an in-memory part
		}

		@Override
		public Flux<ByteBuffer> content() {
			byte[] m = mem;
			if (m != null) {
				return RequestView.slices(m);
			}
			return FileChunks.read(path(), 0, size).onErrorMap(NoSuchFileException.class, this::gone);
		}

		@Override
		public Mono<Void> transferTo(Path destination) {
			return Mono.<Void>fromRunnable(() -> {
				byte[] m = mem;
				Path from = m == null ? path() : null;
				try {
					if (from == null) {
						Files.write(destination, m);
						return;
					}
					Files.move(from, destination, StandardCopyOption.REPLACE_EXISTING);
					files.forget(from);
					file = destination;
				}
				catch (IOException e) {
					throw from != null && !Files.exists(from) ? gone(e)
							: new UncheckedIOException("Could not write the part '" + name + "' to " + destination, e);
				}
			}).subscribeOn(spec.scheduler());
		}

		private Path path() {
			Path f = file;
			if (f == null) {
				throw new IllegalStateException("no file");
			}
			return f;
		}

		private UncheckedIOException gone(Throwable e) {
			IOException io = e instanceof IOException x ? x : new IOException(e);
			if (e instanceof NoSuchFileException) {
				return new UncheckedIOException("The temporary file of the part '" + name
						+ "' is gone: it is deleted when the exchange ends (move it with transferTo to keep it)", io);
			}
			return new UncheckedIOException("Could not read the part '" + name + "'", io);
		}

		@Override
		public String toString() {
			return "FormPart{name=" + name + (filename != null ? ", filename=" + filename : "") + ", size=" + size
					+ (mem != null ? ", in memory}" : ", in a file}");
		}
	}

	// ---- multipart/form-data ----

	/**
	 * RFC 2046 framing: preamble, {@code --boundary} lines, each followed by a header block and
	 * content up to the next {@code CRLF--boundary}, ending with {@code --boundary--}; the
	 * epilogue is ignored. Pending input lives in {@code buf[start, end)}.
	 */
	private static final class Multipart extends FormDecoder {

		private enum State { PREAMBLE, AFTER_DELIMITER, HEADERS, BODY, EPILOGUE }

		private static final byte[] CRLFCRLF = { '\r', '\n', '\r', '\n' };

		/** {@code CRLF--boundary}: the delimiter ending a part (and, with a virtual CRLF first, the first one). */
		private final byte[] delimiter;
		private byte[] buf = new byte[0];
		private int start;
		private int end;
		private State state = State.PREAMBLE;
		/** Bytes of the header block in progress already searched for its end. */
		private int headerScanned;
		private String name = "";
		private @Nullable String filename;
		private @Nullable String contentType;
		private HttpHeaders partHeaders = new HttpHeaders();

		Multipart(FormDecoderSpec spec, TempFiles files, String boundary) {
			super(spec, files, spec.charset());
			this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
			// the body may start with the delimiter line itself: a virtual CRLF lets one search find it
			append(ByteBuffer.wrap(new byte[] { '\r', '\n' }));
		}

		@Override
		void decode(ByteBuffer piece, List<FormPart> out) {
			append(piece);
			loop: while (true) {
				switch (state) {
					case PREAMBLE, BODY -> {
						int i = indexOf(buf, start, end, delimiter);
						if (i < 0) {
							int safe = end - (delimiter.length - 1); // a delimiter may begin in what is kept
							if (safe > start) {
								if (state == State.BODY) {
									write(buf, start, safe - start);
								}
								start = safe;
							}
							break loop;
						}
						if (state == State.BODY) {
							write(buf, start, i - start);
							out.add(completePart(name, filename, contentType, partHeaders));
						}
						start = i + delimiter.length;
						state = State.AFTER_DELIMITER;
					}
					case AFTER_DELIMITER -> {
						if (end - start < 2) {
							break loop;
						}
						if (buf[start] == '-' && buf[start + 1] == '-') {
							start += 2;
							state = State.EPILOGUE;
							continue;
						}
						int j = start;
						while (j < end && (buf[j] == ' ' || buf[j] == '\t')) {
							j++;
						}
						if (j - start > 64) {
							throw malformed("a multipart boundary line has too much padding");
						}
						if (end - j < 2) {
							break loop;
						}
						if (buf[j] != '\r' || buf[j + 1] != '\n') {
							throw malformed("a multipart boundary is followed by something other than a line end or '--'"
									+ " (the boundary appears inside a part?)");
						}
						start = j + 2;
						state = State.HEADERS;
					}
					case HEADERS -> {
						int i;
						if (end - start >= 2 && buf[start] == '\r' && buf[start + 1] == '\n') {
							i = start - 2; // no headers
						}
						else {
							// resume where the last search ended: a block arriving byte by byte costs no rescans
							i = indexOf(buf, start + Math.max(0, headerScanned - 3), end, CRLFCRLF);
							headerScanned = end - start;
						}
						int max = spec.maxHeaderSize();
						if (i < 0) {
							if (end - start > max + 2) {
								throw headersTooLarge(max);
							}
							break loop;
						}
						if (i - start > max) {
							throw headersTooLarge(max);
						}
						readHeaders(i < start ? "" : new String(buf, start, i - start, spec.charset()));
						start = i + 4;
						headerScanned = 0;
						beginPart();
						state = State.BODY;
					}
					case EPILOGUE -> {
						start = end;
						break loop;
					}
				}
			}
		}

		private static FormDecodingException headersTooLarge(int max) {
			return new FormDecodingException(413, "The headers of a form part are larger than " + max
					+ " bytes (FormDecoderSpec.maxHeaderSize)");
		}

		@Override
		void end(List<FormPart> out) {
			if (state != State.EPILOGUE) {
				throw malformed(state == State.PREAMBLE ? "the multipart body has no boundary line"
						: "the multipart body ended before its closing boundary");
			}
		}

		/** Appends {@code piece} after the pending input, compacting or growing the buffer. */
		private void append(ByteBuffer piece) {
			int n = piece.remaining();
			if (end + n > buf.length) {
				int pending = end - start;
				byte[] target = pending + n > buf.length ? new byte[Math.max(pending + n, 2 * pending)] : buf;
				System.arraycopy(buf, start, target, 0, pending);
				buf = target;
				start = 0;
				end = pending;
			}
			piece.get(buf, end, n);
			end += n;
		}

		/** Parses a part's header block: its name, file name and type come from it. */
		private void readHeaders(String block) {
			HttpHeaders h = new HttpHeaders();
			String lastName = null;
			StringBuilder lastValue = null;
			for (String line : block.split("\r\n", -1)) {
				if (line.isEmpty()) {
					continue;
				}
				if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && lastValue != null) {
					lastValue.append(' ').append(line.trim()); // obsolete line folding
					continue;
				}
				int colon = line.indexOf(':');
				if (colon <= 0) {
					throw malformed("a form part has a header line without a name: '" + clip(line) + "'");
				}
				if (lastName != null) {
					addHeader(h, lastName, lastValue.toString());
				}
				lastName = line.substring(0, colon).trim();
				lastValue = new StringBuilder(line.substring(colon + 1).trim());
			}
			if (lastName != null) {
				addHeader(h, lastName, lastValue.toString());
			}
			String disposition = h.get("Content-Disposition");
			if (disposition == null) {
				throw malformed("a form part has no Content-Disposition header");
			}
			if (!mediaType(disposition).equals("form-data")) {
				throw malformed("a form part's Content-Disposition is not form-data: '" + clip(disposition) + "'");
			}
			String n = parameter(disposition, "name");
			if (n == null) {
				throw malformed("a form part's Content-Disposition has no name");
			}
			String extended = parameter(disposition, "filename*");
			String decoded = extended == null ? null : decodeExtended(extended);
			this.name = n;
			this.filename = decoded != null ? decoded : parameter(disposition, "filename");
			this.contentType = h.get("Content-Type");
			this.partHeaders = h;
		}

		/** {@link HttpHeaders#add} checks the name and value; what it refuses is a malformed form. */
		private static void addHeader(HttpHeaders h, String name, String value) {
			try {
				h.add(name, value);
			}
			catch (IllegalArgumentException e) {
				throw malformed("a form part has an invalid header: " + clip(e.getMessage()));
			}
		}
	}

	// ---- application/x-www-form-urlencoded ----

	/** {@code name=value&...}: names gathered in memory (bounded), values through {@link Content}. */
	private static final class UrlEncoded extends FormDecoder {

		private final Charset charset;
		private final byte[] name;
		private int nameLength;
		private boolean inValue;
		/** Decoded bytes of the current value not yet written to the part's content. */
		private final byte[] pending = new byte[8192];
		private int pendingLength;
		/** 0, or 1 after '%', or 2 after '%' and one hex digit ({@link #high}). */
		private int escape;
		private int high;
		private boolean any;

		UrlEncoded(FormDecoderSpec spec, TempFiles files, Charset charset) {
			super(spec, files, charset);
			this.charset = charset;
			this.name = new byte[Math.min(spec.maxHeaderSize(), 64 * 1024)];
		}

		@Override
		void decode(ByteBuffer piece, List<FormPart> out) {
			while (piece.hasRemaining()) {
				int b = piece.get() & 0xff;
				if (escape == 1) {
					high = hex(b);
					escape = 2;
					continue;
				}
				if (escape == 2) {
					escape = 0;
					emit((high << 4) | hex(b));
					continue;
				}
				switch (b) {
					case '&' -> endField(out);
					case '=' -> {
						if (inValue) {
							emit(b);
						}
						else {
							inValue = true;
							any = true;
							beginPart();
						}
					}
					case '%' -> {
						escape = 1;
						any = true;
					}
					case '+' -> emit(' ');
					default -> emit(b);
				}
			}
			flush();
		}

		@Override
		void end(List<FormPart> out) {
			if (escape != 0) {
				throw malformed("the form ends inside a percent-escape");
			}
			endField(out);
		}

		private void emit(int b) {
			any = true;
			if (!inValue) {
				if (nameLength == name.length) {
					throw new FormDecodingException(413, "A form field name is longer than " + name.length
							+ " bytes (FormDecoderSpec.maxHeaderSize)");
				}
				name[nameLength++] = (byte) b;
				return;
			}
			if (pendingLength == pending.length) {
				flush();
			}
			pending[pendingLength++] = (byte) b;
		}

		private void flush() {
			if (pendingLength > 0) {
				write(pending, 0, pendingLength);
				pendingLength = 0;
			}
		}

		private void endField(List<FormPart> out) {
			if (any) {
				if (!inValue) {
					beginPart(); // a name without '=': an empty value
				}
				flush();
				out.add(completePart(new String(name, 0, nameLength, charset), null, null, new HttpHeaders()));
			}
			nameLength = 0;
			inValue = false;
			any = false;
		}

		private static int hex(int b) {
			int d = Character.digit(b, 16);
			if (d < 0) {
				throw malformed("the form has a bad percent-escape (a '%' not followed by two hex digits)");
			}
			return d;
		}
	}

	// ---- helpers ----

	static FormDecodingException malformed(String why) {
		return new FormDecodingException(400, "Malformed form: " + why);
	}

	private static String clip(String s) {
		return s.length() > 80 ? s.substring(0, 80) + "..." : s;
	}

	static int indexOf(byte[] a, int from, int to, byte[] needle) {
		byte first = needle[0];
		int last = to - needle.length;
		outer: for (int i = from; i <= last; i++) {
			if (a[i] != first) {
				continue;
			}
			for (int k = 1; k < needle.length; k++) {
				if (a[i + k] != needle[k]) {
					continue outer;
				}
			}
			return i;
		}
		return -1;
	}

	/** {@code type/subtype} (or a disposition type) of a header value, lower case. */
	static String mediaType(String value) {
		int semi = value.indexOf(';');
		return (semi < 0 ? value : value.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
	}

	/**
	 * The value of parameter {@code name} (case-insensitive) of a header value such as
	 * {@code form-data; name="a"; filename="b.txt"}: a token, or a quoted string in which a
	 * backslash escapes {@code "} and {@code \} (other backslashes stay, as in Windows paths
	 * some browsers sent). The first occurrence counts; {@code null} if absent.
	 */
	static @Nullable String parameter(String value, String name) {
		int i = value.indexOf(';');
		int n = value.length();
		while (i >= 0 && i < n) {
			i++; // past ';'
			while (i < n && (value.charAt(i) == ' ' || value.charAt(i) == '\t' || value.charAt(i) == ';')) {
				i++;
			}
			int eq = i;
			while (eq < n && value.charAt(eq) != '=' && value.charAt(eq) != ';') {
				eq++;
			}
			String key = value.substring(i, eq).trim();
			if (eq >= n || value.charAt(eq) == ';') {
				i = eq;
				continue;
			}
			int v = eq + 1;
			while (v < n && (value.charAt(v) == ' ' || value.charAt(v) == '\t')) {
				v++;
			}
			String val;
			if (v < n && value.charAt(v) == '"') {
				StringBuilder sb = new StringBuilder();
				int k = v + 1;
				boolean closed = false;
				while (k < n) {
					char c = value.charAt(k);
					if (c == '\\' && k + 1 < n && (value.charAt(k + 1) == '"' || value.charAt(k + 1) == '\\')) {
						sb.append(value.charAt(k + 1));
						k += 2;
						continue;
					}
					if (c == '"') {
						closed = true;
						k++;
						break;
					}
					sb.append(c);
					k++;
				}
				if (!closed) {
					throw malformed("an unterminated quoted string in '" + clip(value) + "'");
				}
				val = sb.toString();
				i = value.indexOf(';', k);
			}
			else {
				int semi = value.indexOf(';', v);
				val = (semi < 0 ? value.substring(v) : value.substring(v, semi)).trim();
				i = semi;
			}
			if (key.equalsIgnoreCase(name)) {
				return val;
			}
		}
		return null;
	}

	/** RFC 8187 {@code charset'language'pct-encoded}, or {@code null} if not decodable. */
	private static @Nullable String decodeExtended(String v) {
		int q1 = v.indexOf('\'');
		int q2 = q1 < 0 ? -1 : v.indexOf('\'', q1 + 1);
		if (q2 < 0) {
			return null;
		}
		String csName = v.substring(0, q1).trim();
		Charset cs = csName.equalsIgnoreCase("UTF-8") ? StandardCharsets.UTF_8
				: csName.equalsIgnoreCase("ISO-8859-1") ? StandardCharsets.ISO_8859_1 : null;
		String enc = v.substring(q2 + 1);
		if (cs == null || !enc.chars().allMatch(c -> c <= 0x7f)) {
			return null;
		}
		try {
			return RequestDecoder.percentDecode(enc, false, cs);
		}
		catch (BadRequestException e) {
			return null;
		}
	}

	/** The charset named by a {@code Content-Type}, or {@code fallback} (absent, unknown, unsupported). */
	static Charset charset(@Nullable String contentType, Charset fallback) {
		if (contentType == null) {
			return fallback;
		}
		String name;
		try {
			name = parameter(contentType, "charset");
		}
		catch (FormDecodingException e) {
			return fallback;
		}
		if (name == null) {
			return fallback;
		}
		try {
			return Charset.forName(name.trim());
		}
		catch (IllegalArgumentException e) {
			return fallback;
		}
	}

	/**
	 * The temporary files of one request's form: created in order, deleted when the exchange
	 * ends ({@link #release()}); a file moved away by {@link FormPart#transferTo} is forgotten.
	 */
	static final class TempFiles {
		private final List<Path> paths = new ArrayList<>();
		private boolean released;

		synchronized Path create(Path directory) throws IOException {
			if (released) {
				throw new IOException("the exchange ended");
			}
			Path p = Files.createTempFile(directory, "rmg-form-", ".part");
			paths.add(p);
			return p;
		}

		synchronized void forget(Path p) {
			paths.remove(p);
		}

		void delete(Path p) {
			forget(p);
			deleteQuietly(p);
		}

		/** Whether files were created and not released yet. */
		synchronized boolean isEmpty() {
			return paths.isEmpty();
		}

		/** Deletes every file still known; later {@link #create} calls fail. */
		void release() {
			List<Path> todo;
			synchronized (this) {
				released = true;
				todo = new ArrayList<>(paths);
				paths.clear();
			}
			for (Path p : todo) {
				deleteQuietly(p);
			}
		}

		private static void deleteQuietly(Path p) {
			try {
				Files.deleteIfExists(p);
			}
			catch (IOException e) {
				log.warn("Could not delete the temporary form file " + p + ": " + e);
			}
		}
	}
}
