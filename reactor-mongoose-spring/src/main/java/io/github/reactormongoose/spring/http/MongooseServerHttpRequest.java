/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.X509Certificate;

import io.github.reactormongoose.http.server.HttpServerRequest;
import io.github.reactormongoose.http.server.RequestBodyTimeoutException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ResponseStatusException;

/**
 * A Spring {@link org.springframework.http.server.reactive.ServerHttpRequest} over a
 * reactor-mongoose {@link HttpServerRequest}.
 * <p>
 * The headers are the received ones, seen through a read-only view (nothing is copied).
 * {@link #getBody()} streams the body as it arrives (demand-driven: without demand the
 * connection stops reading), each piece wrapped, not copied, as a read-only {@link DataBuffer}.
 */
public class MongooseServerHttpRequest extends AbstractServerHttpRequest {

	private final HttpServerRequest request;

	private final DataBufferFactory bufferFactory;

	public MongooseServerHttpRequest(HttpServerRequest request, DataBufferFactory bufferFactory)
			throws URISyntaxException {
		super(HttpMethod.valueOf(request.method()), createUri(request), null, headersOf(request));
		this.request = request;
		this.bufferFactory = bufferFactory;
	}

	static URI createUri(HttpServerRequest request) throws URISyntaxException {
		// the URI as the connection received it (its scheme, the Host header): forwarded headers
		// are for Spring's ForwardedHeaderTransformer to apply (server.forward-headers-strategy)
		// an absolute-form target reaches here as its path and query (the server routes by them),
		// its authority as the Host header (RFC 9112 3.2.2: the server put it there)
		String target = request.uri();
		if (target.equals("*")) {
			// OPTIONS * (RFC 9110 9.3.7, about the server as a whole): no path a route of the
			// application could mean; as "/*" it reaches WebFlux, whose routes answer it (404
			// unless one matches), as on Reactor Netty
			target = "/*";
		}
		if (target.isEmpty() || target.charAt(0) != '/') {
			throw new URISyntaxException(target, "request target must start with '/'");
		}
		String authority = request.requestHeaders().get("Host");
		if (authority == null || authority.isBlank()) {
			InetSocketAddress local = request.connectionHostAddress();
			if (local == null) {
				authority = "localhost";
			}
			else {
				String host = local.getAddress() != null ? local.getAddress().getHostAddress() : local.getHostString();
				authority = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + local.getPort();
			}
		}
		return RequestUris.parse(request.connectionScheme() + "://" + authority.trim() + target);
	}

	/** The received headers, seen (not copied) through a read-only view. */
	private static HttpHeaders headersOf(HttpServerRequest request) {
		return new HttpHeaders(new MongooseHeadersAdapter(request.requestHeaders()));
	}

	/**
	 * The request's cookies, but those RFC 6265 (4.1.1) does not allow: a name that is not a
	 * token, a value (its double quotes removed) with a space, comma, semicolon, double quote,
	 * backslash or control character. Reactor Netty's strict decoder leaves them out so (a
	 * required {@code @CookieValue} is then 400 on both servers), and so does Tomcat's RFC 6265
	 * parser; the {@code Cookie} header keeps them.
	 */
	@Override
	protected MultiValueMap<String, HttpCookie> initCookies() {
		MultiValueMap<String, HttpCookie> cookies = new LinkedMultiValueMap<>();
		this.request.cookies().forEach((name, values) -> {
			if (isToken(name)) {
				values.forEach(v -> {
					if (isCookieValue(v)) {
						cookies.add(name, new HttpCookie(name, v));
					}
				});
			}
		});
		return cookies;
	}

	/** RFC 9110 5.6.2 token: the cookie-name of RFC 6265 4.1.1. */
	static boolean isToken(String name) {
		if (name.isEmpty()) {
			return false;
		}
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			boolean tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
					|| "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
			if (!tchar) {
				return false;
			}
		}
		return true;
	}

	/** RFC 6265 4.1.1 cookie-octets only (the value's surrounding double quotes already removed). */
	static boolean isCookieValue(String value) {
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\') {
				return false;
			}
		}
		return true;
	}

	@Override
	protected @Nullable SslInfo initSslInfo() {
		// the built-in TLS stack exposes no session id; the client's certificates are those it
		// authenticated with (server.ssl.client-auth=need), null without them, as Spring expects
		if (!"https".equals(this.request.connectionScheme())) {
			return null;
		}
		java.util.List<X509Certificate> peer = this.request.peerCertificates();
		X509Certificate[] certificates = peer.isEmpty() ? null : peer.toArray(new X509Certificate[0]);
		return new SslInfo() {
			@Override
			public @Nullable String getSessionId() {
				return null;
			}

			@Override
			public X509Certificate @Nullable [] getPeerCertificates() {
				return certificates == null ? null : certificates.clone();
			}
		};
	}

	@Override
	public @Nullable InetSocketAddress getLocalAddress() {
		return this.request.connectionHostAddress();
	}

	@Override
	public @Nullable InetSocketAddress getRemoteAddress() {
		// the client a proxy forwarded under HttpServer.forwarded(true) (an IP address), as on Reactor Netty
		return this.request.remoteAddress();
	}

	@Override
	protected @Nullable String initId() {
		return this.request.requestId();
	}

	@Override
	public Flux<DataBuffer> getBody() {
		// a client that stalled in the body (server.mongoose.read-timeout): 408, as Spring answers
		// a ResponseStatusException, rather than the 500 of an unknown error
		return this.request.receive().map(this.bufferFactory::wrap)
			.onErrorMap(RequestBodyTimeoutException.class,
					e -> new ResponseStatusException(HttpStatus.REQUEST_TIMEOUT, e.getMessage(), e));
	}

	@SuppressWarnings("unchecked")
	@Override
	public <T> T getNativeRequest() {
		return (T) this.request;
	}
}
