/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import io.github.reactormongoose.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The form decoder alone, fed bodies cut at random places: what it decodes does not depend on
 * where the pieces end; bad input gives {@link FormDecodingException} with 400 or 413 and
 * nothing else; temporary files are removed. The same decoder over real sockets, with curl,
 * the JDK client and Reactor Netty's encoder: {@link HttpServerFormTest}.
 */
class FormDecoderTest {

	@TempDir
	Path dir;

	record Expected(String name, String filename, String type, byte[] content) {
	}

	/** Request headers as received (not checked as headers set by an application are). */
	private static HttpHeaders headers(String contentType) {
		return HttpHeaders.received(List.of("Content-Type"), List.of(contentType));
	}

	/** A multipart body: each part's content random, sometimes with pieces of the delimiter in it. */
	static byte[] multipart(String boundary, List<Expected> parts, Random rnd, String preamble, String epilogue) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.writeBytes(preamble.getBytes(StandardCharsets.ISO_8859_1));
		for (Expected p : parts) {
			StringBuilder h = new StringBuilder("--" + boundary + "\r\n");
			h.append("Content-Disposition: form-data; name=\"").append(p.name).append('"');
			if (p.filename != null) {
				h.append("; filename=\"").append(p.filename).append('"');
			}
			h.append("\r\n");
			if (p.type != null) {
				h.append("Content-Type: ").append(p.type).append("\r\n");
			}
			h.append("\r\n");
			out.writeBytes(h.toString().getBytes(StandardCharsets.UTF_8));
			out.writeBytes(p.content);
			out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
		}
		out.writeBytes(("--" + boundary + "--\r\n" + epilogue).getBytes(StandardCharsets.ISO_8859_1));
		return out.toByteArray();
	}

	/** Random content; with {@code traps}, lines that start like the delimiter but are not one. */
	static byte[] content(Random rnd, int size, String boundary, boolean traps) {
		byte[] b = new byte[size];
		rnd.nextBytes(b);
		if (traps && size > 0) {
			byte[] d = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
			for (int t = rnd.nextInt(4); t > 0; t--) {
				int len = 1 + rnd.nextInt(d.length - 1); // a proper prefix only: never the whole delimiter
				int at = rnd.nextInt(size);
				System.arraycopy(d, 0, b, at, Math.min(len, size - at));
				if (at + len < size) {
					b[at + len] = (byte) (d[len] ^ 0x55); // and what follows differs
				}
			}
		}
		return b;
	}

	private List<FormPart> decode(FormDecoder d, byte[] body, Random rnd) {
		List<FormPart> parts = new ArrayList<>();
		int off = 0;
		while (off < body.length) {
			int n = Math.min(body.length - off, rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : 1 + rnd.nextInt(70_000));
			parts.addAll(d.feed(ByteBuffer.wrap(body, off, n).slice().asReadOnlyBuffer()));
			off += n;
		}
		parts.addAll(d.finish());
		return parts;
	}

	private FormDecoderSpec spec() {
		return new FormDecoderSpec().baseDirectory(dir).maxInMemorySize(1024);
	}

	@Test
	void multipartDecodesTheSameWhereverThePiecesEnd() throws Exception {
		Random rnd = new Random(7);
		for (int round = 0; round < 300; round++) {
			String boundary = "----rmg" + Long.toHexString(rnd.nextLong()) + (round % 3 == 0 ? "'()+_,-./:=?" : "");
			List<Expected> expected = new ArrayList<>();
			for (int i = 0, n = rnd.nextInt(6); i < n; i++) {
				int size = rnd.nextInt(10) == 0 ? rnd.nextInt(200_000) : rnd.nextInt(3000);
				boolean file = rnd.nextBoolean();
				expected.add(new Expected("f" + i + (rnd.nextBoolean() ? " ü€" : ""), file ? "file " + i + ".bin" : null,
						file ? "application/octet-stream" : null, content(rnd, size, boundary, true)));
			}
			if (expected.isEmpty()) {
				expected.add(new Expected("only", null, null, new byte[0]));
			}
			byte[] body = multipart(boundary, expected, rnd, rnd.nextBoolean() ? "preamble\r\n" : "",
					rnd.nextBoolean() ? "epilogue" : "");
			FormDecoder.TempFiles files = new FormDecoder.TempFiles();
			FormDecoder d = FormDecoder.of(headers("multipart/form-data; boundary=\"" + boundary + "\""), spec(), files);
			List<FormPart> parts = decode(d, body, rnd);
			assertThat(parts).as("round " + round).hasSize(expected.size());
			for (int i = 0; i < parts.size(); i++) {
				FormPart p = parts.get(i);
				Expected e = expected.get(i);
				assertThat(p.name()).isEqualTo(e.name);
				assertThat(p.filename()).isEqualTo(e.filename);
				assertThat(p.contentType()).isEqualTo(e.type);
				assertThat(p.size()).isEqualTo(e.content.length);
				assertThat(p.isInMemory()).isEqualTo(e.content.length <= 1024);
				assertThat(p.bytes()).as("round %d part %d", round, i).isEqualTo(e.content);
			}
			files.release();
			try (Stream<Path> left = Files.list(dir)) {
				assertThat(left).isEmpty();
			}
		}
	}

	@Test
	void urlencodedDecodesTheSameWhereverThePiecesEnd() {
		Random rnd = new Random(11);
		for (int round = 0; round < 300; round++) {
			List<String[]> fields = new ArrayList<>();
			StringBuilder body = new StringBuilder();
			for (int i = 0, n = 1 + rnd.nextInt(8); i < n; i++) {
				String name = "k" + i + (rnd.nextBoolean() ? " &=+%ü" : "");
				StringBuilder value = new StringBuilder();
				for (int k = rnd.nextInt(rnd.nextInt(10) == 0 ? 5000 : 40); k > 0; k--) {
					value.append((char) (rnd.nextInt(5) == 0 ? 0x80 + rnd.nextInt(0x700) : 0x20 + rnd.nextInt(0x5f)));
				}
				fields.add(new String[] { name, value.toString() });
				if (i > 0) {
					body.append(rnd.nextInt(5) == 0 ? "&&" : "&");
				}
				body.append(java.net.URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
						.append(java.net.URLEncoder.encode(value.toString(), StandardCharsets.UTF_8));
			}
			FormDecoder.TempFiles files = new FormDecoder.TempFiles();
			FormDecoder d = FormDecoder.of(headers("application/x-www-form-urlencoded"), spec(), files);
			List<FormPart> parts = decode(d, body.toString().getBytes(StandardCharsets.US_ASCII), rnd);
			assertThat(parts).hasSize(fields.size());
			for (int i = 0; i < parts.size(); i++) {
				assertThat(parts.get(i).name()).isEqualTo(fields.get(i)[0]);
				assertThat(parts.get(i).string()).isEqualTo(fields.get(i)[1]);
				assertThat(parts.get(i).filename()).isNull();
			}
			files.release();
		}
	}

	@Test
	void urlencodedEdgeCasesFollowTheWhatwgParser() {
		List<FormPart> parts = FormDecoder.of(headers("application/x-www-form-urlencoded"), spec(),
				new FormDecoder.TempFiles()).feed(ByteBuffer.wrap("a&=x&b=1=2&&c=%41+%42&".getBytes()));
		assertThat(parts).extracting(FormPart::name).containsExactly("a", "", "b", "c");
		assertThat(parts).extracting(FormPart::string).containsExactly("", "x", "1=2", "A B");
		FormDecoder d = FormDecoder.of(headers("application/x-www-form-urlencoded; charset=ISO-8859-1"), spec(),
				new FormDecoder.TempFiles());
		d.feed(ByteBuffer.wrap("c=%41+%42&n=%FC".getBytes()));
		List<FormPart> last = d.finish();
		assertThat(last).extracting(FormPart::string).containsExactly("ü");
	}

	@Test
	void dispositionParametersAreParsedAsBrowsersAndCurlWriteThem() {
		String b = "XyZ";
		String body = "--XyZ\r\n"
				+ "Content-Disposition: form-data; name=\"q\\\"uote\"; filename=\"C:\\dir\\a.txt\"\r\n\r\nA\r\n"
				+ "--XyZ\r\n"
				+ "content-disposition: FORM-DATA; filename*=UTF-8''%E2%82%AC%20rates.txt; NAME=token; filename=\"fallback\"\r\n"
				+ "Content-Type: text/plain; charset=ISO-8859-1\r\n"
				+ "X-Folded: one\r\n two\r\n\r\n\u00fc\r\n"
				+ "--XyZ  \t\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n\r\n--XyZ--";
		FormDecoder d = FormDecoder.of(headers("Multipart/Form-Data; charset=utf-8; boundary=" + b), spec(),
				new FormDecoder.TempFiles());
		List<FormPart> parts = new ArrayList<>(d.feed(ByteBuffer.wrap(body.getBytes(StandardCharsets.ISO_8859_1))));
		parts.addAll(d.finish());
		assertThat(parts).hasSize(3);
		assertThat(parts.get(0).name()).isEqualTo("q\"uote");
		assertThat(parts.get(0).filename()).isEqualTo("C:\\dir\\a.txt");
		assertThat(parts.get(1).name()).isEqualTo("token");
		assertThat(parts.get(1).filename()).isEqualTo("€ rates.txt");
		assertThat(parts.get(1).headers().get("X-Folded")).isEqualTo("one two");
		assertThat(parts.get(1).string()).isEqualTo("ü"); // the part's own charset
		assertThat(parts.get(2).name()).isEmpty();
		assertThat(parts.get(2).size()).isZero();
	}

	@Test
	void whatIsNotAFormOrHasNoBoundaryIsRefusedBeforeReading() {
		FormDecoder.TempFiles files = new FormDecoder.TempFiles();
		assertThatThrownBy(() -> FormDecoder.of(headers("application/json"), spec(), files))
				.isInstanceOfSatisfying(FormDecodingException.class, e -> assertThat(e.status()).isEqualTo(415))
				.hasMessageContaining("application/json");
		assertThatThrownBy(() -> FormDecoder.of(new HttpHeaders(), spec(), files))
				.isInstanceOfSatisfying(FormDecodingException.class, e -> assertThat(e.status()).isEqualTo(415));
		for (String bad : new String[] { "multipart/form-data", "multipart/form-data; boundary=",
				"multipart/form-data; boundary=\"abc", "multipart/form-data; boundary=a\u0001b" }) {
			assertThatThrownBy(() -> FormDecoder.of(headers(bad), spec(), files)).as(bad)
					.isInstanceOfSatisfying(FormDecodingException.class, e -> assertThat(e.status()).isEqualTo(400));
		}
	}

	@Test
	void limitsGive413WithTheSettingsName() {
		Random rnd = new Random(3);
		byte[] big = multipart("b", List.of(new Expected("f", "f.bin", null, content(rnd, 5000, "b", false))), rnd, "", "");
		assertThatThrownBy(() -> decode(FormDecoder.of(headers("multipart/form-data; boundary=b"),
				spec().maxPartSize(4999), new FormDecoder.TempFiles()), big, rnd))
				.isInstanceOfSatisfying(FormDecodingException.class, e -> assertThat(e.status()).isEqualTo(413))
				.hasMessageContaining("maxPartSize");
		List<Expected> many = new ArrayList<>();
		for (int i = 0; i < 11; i++) {
			many.add(new Expected("p" + i, null, null, new byte[] { 1 }));
		}
		assertThatThrownBy(() -> decode(FormDecoder.of(headers("multipart/form-data; boundary=b"), spec().maxParts(10),
				new FormDecoder.TempFiles()), multipart("b", many, rnd, "", ""), rnd))
				.isInstanceOfSatisfying(FormDecodingException.class, e -> assertThat(e.status()).isEqualTo(413))
				.hasMessageContaining("maxParts");
		byte[] longHeaders = ("--b\r\nContent-Disposition: form-data; name=\"" + "n".repeat(9000) + "\"\r\n\r\nx\r\n--b--")
				.getBytes(StandardCharsets.US_ASCII);
		assertThatThrownBy(() -> decode(FormDecoder.of(headers("multipart/form-data; boundary=b"), spec(),
				new FormDecoder.TempFiles()), longHeaders, rnd))
				.isInstanceOfSatisfying(FormDecodingException.class, e -> assertThat(e.status()).isEqualTo(413))
				.hasMessageContaining("maxHeaderSize");
		assertThatThrownBy(() -> decode(FormDecoder.of(headers("application/x-www-form-urlencoded"), spec().maxParts(2),
				new FormDecoder.TempFiles()), "a=1&b=2&c=3".getBytes(), rnd))
				.isInstanceOfSatisfying(FormDecodingException.class, e -> assertThat(e.status()).isEqualTo(413));
		assertThatThrownBy(() -> decode(FormDecoder.of(headers("application/x-www-form-urlencoded"), spec(),
				new FormDecoder.TempFiles()), ("n".repeat(9000) + "=1").getBytes(), rnd))
				.isInstanceOfSatisfying(FormDecodingException.class, e -> assertThat(e.status()).isEqualTo(413))
				.hasMessageContaining("maxHeaderSize");
	}

	@Test
	void malformedBodiesGive400() {
		Random rnd = new Random(5);
		String[] bodies = { "", "no boundary here", "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nunterminated",
				"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--", "--b\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--b--",
				"--b\r\nContent-Disposition: form-data; filename=a\r\n\r\nx\r\n--b--",
				"--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--b--", "--bogus\r\n",
				"--b\r\nno colon\r\n\r\nx\r\n--b--", "--b\r\n\r\nx\r\n--b--",
				"--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--bX\r\n--b--" };
		for (String body : bodies) {
			assertThatThrownBy(() -> decode(FormDecoder.of(headers("multipart/form-data; boundary=b"), spec(),
					new FormDecoder.TempFiles()), body.getBytes(StandardCharsets.ISO_8859_1), rnd)).as(body)
					.isInstanceOfSatisfying(FormDecodingException.class, e -> assertThat(e.status()).isEqualTo(400));
		}
		for (String body : new String[] { "a=%4", "a=%zz", "a=%" }) {
			assertThatThrownBy(() -> decode(FormDecoder.of(headers("application/x-www-form-urlencoded"), spec(),
					new FormDecoder.TempFiles()), body.getBytes(), rnd)).as(body)
					.isInstanceOfSatisfying(FormDecodingException.class, e -> assertThat(e.status()).isEqualTo(400));
		}
	}

	/** Mutated bodies: the decoder either decodes them or refuses them with 400/413; never anything else; no file left. */
	@Test
	void mutatedBodiesAreDecodedOrRefusedCleanly() throws Exception {
		Random rnd = new Random(13);
		int refused = 0;
		for (int round = 0; round < 3000; round++) {
			List<Expected> parts = new ArrayList<>();
			for (int i = 0, n = 1 + rnd.nextInt(3); i < n; i++) {
				parts.add(new Expected("n" + i, rnd.nextBoolean() ? "x.bin" : null, null, content(rnd, rnd.nextInt(3000), "bb", true)));
			}
			byte[] body = multipart("bb", parts, rnd, "", "");
			for (int m = 1 + rnd.nextInt(6); m > 0; m--) {
				int at = rnd.nextInt(body.length);
				switch (rnd.nextInt(4)) {
					case 0 -> body[at] = (byte) rnd.nextInt(256);
					case 1 -> body[at] = (byte) "\r\n-\"=;:".charAt(rnd.nextInt(7));
					case 2 -> body = java.util.Arrays.copyOf(body, at);
					default -> {
						byte[] longer = new byte[body.length + 4];
						System.arraycopy(body, 0, longer, 0, at);
						System.arraycopy("\r\n--".getBytes(), 0, longer, at, 4);
						System.arraycopy(body, at, longer, at + 4, body.length - at);
						body = longer;
					}
				}
				if (body.length == 0) {
					break;
				}
			}
			FormDecoder.TempFiles files = new FormDecoder.TempFiles();
			FormDecoder d = FormDecoder.of(headers("multipart/form-data; boundary=bb"), spec().maxInMemorySize(100), files);
			try {
				decode(d, body, rnd);
			}
			catch (FormDecodingException e) {
				assertThat(e.status()).isIn(400, 413);
				refused++;
			}
			finally {
				d.close();
				files.release();
			}
		}
		assertThat(refused).isBetween(100, 2990); // both outcomes occurred
		try (Stream<Path> left = Files.list(dir)) {
			assertThat(left).isEmpty();
		}
	}

	@Test
	void closingMidPartDeletesItsFile() throws Exception {
		FormDecoder.TempFiles files = new FormDecoder.TempFiles();
		FormDecoder d = FormDecoder.of(headers("multipart/form-data; boundary=b"), spec(), files);
		d.feed(ByteBuffer.wrap(("--b\r\nContent-Disposition: form-data; name=f; filename=x\r\n\r\n" + "x".repeat(5000))
				.getBytes(StandardCharsets.US_ASCII)));
		try (Stream<Path> left = Files.list(dir)) {
			assertThat(left).hasSize(1);
		}
		d.close();
		try (Stream<Path> left = Files.list(dir)) {
			assertThat(left).isEmpty();
		}
		files.release();
	}
}
