/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.net.Inet4Address;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.client.ProxyProvider;
import io.github.reactormongoose.tls.TlsSpec;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Calls through a proxy given as a URL, the way {@code HTTPS_PROXY} and curl's {@code -x} name
 * one: {@code http://[user:password@]host:port} for an HTTP proxy ({@code CONNECT} tunnels for
 * https, absolute-form requests for http), {@code socks5://[user:password@]host:port},
 * {@code socks4a://[user@]host:port} (host names go to the proxy) or
 * {@code socks4://[user@]host:port} (names are resolved here, to an IPv4 address, as curl's
 * {@code socks4} does: for SOCKS 4 servers without 4a, such as Dante). Hosts in {@code noProxy}
 * (a regular expression) are called directly.
 */
public final class ProxiedCall {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final HttpClient client;

	/**
	 * A client that goes through {@code proxyUrl}, trusting the CA certificate in {@code caPem}
	 * (or the JDK's trust store if it is null).
	 * @throws IllegalArgumentException for a proxy URL that is not {@code http://},
	 *         {@code socks5://}, {@code socks4://} or {@code socks4a://} with a host and a port
	 */
	public ProxiedCall(String proxyUrl, @Nullable String noProxy, @Nullable Path caPem) {
		URI u = URI.create(proxyUrl);
		String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
		ProxyProvider.Proxy type = switch (scheme) {
			case "http" -> ProxyProvider.Proxy.HTTP;
			case "socks5", "socks5h" -> ProxyProvider.Proxy.SOCKS5;
			case "socks4", "socks4a" -> ProxyProvider.Proxy.SOCKS4;
			default -> throw new IllegalArgumentException("proxy URL must be http://, socks5://, socks4:// or socks4a://: "
					+ proxyUrl);
		};
		if (u.getHost() == null || u.getPort() == -1) {
			throw new IllegalArgumentException("proxy URL needs a host and a port: " + proxyUrl);
		}
		String userInfo = u.getRawUserInfo();
		HttpClient c = HttpClient.create().responseTimeout(Duration.ofSeconds(5)).proxy(p -> {
			ProxyProvider.Builder b = p.type(type).host(u.getHost()).port(u.getPort());
			if (userInfo != null) {
				int colon = userInfo.indexOf(':');
				String user = URLDecoder.decode(colon < 0 ? userInfo : userInfo.substring(0, colon), UTF_8);
				String password = colon < 0 ? "" : URLDecoder.decode(userInfo.substring(colon + 1), UTF_8);
				b.username(user);
				if (type != ProxyProvider.Proxy.SOCKS4) { // SOCKS 4 has a user id, no password
					b.password(name -> password);
				}
			}
			if (noProxy != null) {
				b.nonProxyHosts(noProxy);
			}
		});
		if (scheme.equals("socks4")) {
			// names are resolved here; the proxy gets the first IPv4 address (SOCKS 4 has no IPv6)
			c = c.addressFilter(a -> a instanceof Inet4Address);
		}
		this.client = caPem == null ? c : c.secure(TlsSpec.forClient().trustedCertificates(caPem));
	}

	/** GETs {@code url} and returns {@code "<status> <body>"}. */
	public Mono<String> get(String url) {
		return client.get().uri(url)
			.responseSingle((res, body) -> body.map(b -> res.status() + " " + new String(b, UTF_8))
				.defaultIfEmpty(res.status() + " "));
	}

	/**
	 * Prints the answer to a GET through a proxy.
	 * @param args the proxy URL, the URL to get, optionally a CA certificate (PEM) to trust
	 */
	public static void main(String[] args) {
		if (args.length < 2) {
			System.err.println("usage: ProxiedCall http://[USER:PASS@]PROXY:PORT|socks5://PROXY:PORT|socks4[a]://PROXY:PORT URL [CA.pem]");
			System.exit(2);
		}
		ProxiedCall call = new ProxiedCall(args[0], null, args.length > 2 ? Path.of(args[2]) : null);
		System.out.println(call.get(args[1]).block(TIMEOUT));
	}
}
