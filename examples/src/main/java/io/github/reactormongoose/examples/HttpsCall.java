/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.Path;
import java.time.Duration;

import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.tls.TlsSpec;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * HTTPS and WSS calls with {@link HttpClient}. An {@code https://} or {@code wss://} URI is
 * enough with the JDK's default trust store ({@code HttpClient.create().get().uri("https://…")});
 * {@code secure(TlsSpec.forClient().trustedCertificates(ca))} trusts a private CA instead. The
 * server's chain and host name are verified before the request is sent, and the connection is
 * kept alive and reused like a plain one.
 */
public final class HttpsCall {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final HttpClient client;

	/** A client that trusts the CA certificate in {@code caPem}, or the JDK's trust store if it is null. */
	public HttpsCall(@Nullable Path caPem) {
		HttpClient c = HttpClient.create()
				.headers(h -> h.set("User-Agent", "reactor-mongoose-https-call"))
				.responseTimeout(Duration.ofSeconds(5));
		this.client = caPem == null ? c : c.secure(TlsSpec.forClient().trustedCertificates(caPem));
	}

	/** GETs {@code url} and returns {@code "<status> <body>"}. */
	public Mono<String> get(String url) {
		return client.get().uri(url)
				.responseSingle((res, body) -> body.map(b -> res.status() + " " + new String(b, UTF_8)));
	}

	/** Sends {@code messages} to the WebSocket at {@code wssUrl} and returns as many text replies. */
	public Flux<String> echo(String wssUrl, String... messages) {
		return client.websocket().uri(wssUrl)
				.handle((in, out) -> out.sendString(Flux.just(messages))
						.thenMany(in.receiveText().take(messages.length)));
	}

	/**
	 * Prints the answer to a GET.
	 * @param args the URL ({@code https://…}), optionally a CA certificate (PEM) to trust instead of the JDK's trust store
	 */
	public static void main(String[] args) {
		if (args.length < 1) {
			System.err.println("usage: HttpsCall https://HOST[:PORT]/PATH [CA.pem]");
			System.exit(2);
		}
		HttpsCall call = new HttpsCall(args.length > 1 ? Path.of(args[1]) : null);
		System.out.println(call.get(args[0]).block(TIMEOUT));
	}
}
