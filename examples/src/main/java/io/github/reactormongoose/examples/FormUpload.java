/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.reactormongoose.http.client.HttpClient;
import reactor.core.publisher.Mono;

/**
 * Sends files and fields as an HTML form would ({@code multipart/form-data}), as
 * {@code curl -F} does: {@code FormUpload http://127.0.0.1:8081/files title=Holiday @photo.jpg}.
 * Files are read as the request is written, 64 KiB at a time, so their size costs no memory;
 * the request has a {@code Content-Length}. Pairs with {@link UploadServer}'s {@code /files}.
 */
public final class FormUpload {

	private FormUpload() {
	}

	/**
	 * POSTs {@code fields} and {@code files} (each sent under its file name, in the field
	 * {@code file}, {@code file2}, ...) to {@code url}; returns {@code "<status> <body>"}. An upload
	 * is never sent twice ({@code disableRetry(true)}): should a reused keep-alive connection turn
	 * out closed by the server, it fails instead of being repeated (the server may have stored it).
	 */
	public static Mono<String> upload(HttpClient client, String url, Map<String, String> fields, List<Path> files) {
		return client.disableRetry(true).post().uri(url)
				.sendForm(form -> {
					fields.forEach(form::attr);
					for (int i = 0; i < files.size(); i++) {
						form.file(i == 0 ? "file" : "file" + (i + 1), files.get(i));
					}
				})
				.responseSingle((res, body) -> body.map(b -> res.status() + " " + new String(b, UTF_8)));
	}

	/**
	 * Uploads a form and prints the answer.
	 * @param args the URL, then {@code name=value} fields and {@code @path} files
	 */
	public static void main(String[] args) {
		if (args.length < 2) {
			System.err.println("usage: FormUpload URL [name=value...] [@file...]");
			System.exit(2);
		}
		Map<String, String> fields = new java.util.LinkedHashMap<>();
		List<Path> files = new java.util.ArrayList<>();
		for (int i = 1; i < args.length; i++) {
			if (args[i].startsWith("@")) {
				files.add(Path.of(args[i].substring(1)));
			}
			else {
				int eq = args[i].indexOf('=');
				fields.put(eq < 0 ? args[i] : args[i].substring(0, eq), eq < 0 ? "" : args[i].substring(eq + 1));
			}
		}
		System.out.println(upload(HttpClient.create(), args[0], fields, files).block(Duration.ofMinutes(10)));
	}
}
