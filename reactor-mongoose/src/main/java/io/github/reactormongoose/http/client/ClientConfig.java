/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.net.CookieHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.http.Cookie;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.LoopAccess;
import io.github.reactormongoose.internal.loop.Wiretap;
import io.github.reactormongoose.internal.metrics.HttpClientMetrics;
import io.github.reactormongoose.tls.TlsSpec;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/** The settings of an {@link HttpClient}; copied on every change, never mutated once shared. */
final class ClientConfig implements Cloneable {

	@Nullable
	String baseUrl;
	/** {@link HttpClient#host}; {@code null}: {@code localhost} once a port is set. */
	@Nullable
	String host;
	/** {@link HttpClient#port}; -1: 80, or 443 when {@link #secure}. */
	int port = -1;
	/** {@link HttpClient#remoteAddress}; replaces {@link #host} and {@link #port}. */
	@Nullable
	Supplier<? extends SocketAddress> remoteAddress;
	/** {@link HttpClient#secure()} or {@code secure(spec)} and no {@code noSSL()} since. */
	boolean secure;
	List<Consumer<? super HttpHeaders>> headers = List.of();
	/** {@link HttpClient#headersWhen}, in order. */
	List<Function<? super HttpHeaders, ? extends Mono<? extends HttpHeaders>>> headersWhen = List.of();
	/** {@link HttpClient#cookie(Cookie)}, in order (one per name, domain and path). */
	List<Cookie> cookies = List.of();
	/** {@link HttpClient#cookieHandler}; {@code null}: none. */
	@Nullable
	CookieHandler cookieHandler;
	boolean followRedirect;
	/** {@link HttpClient#followRedirect(java.util.function.BiPredicate)}; {@code null}: every redirect. */
	java.util.function.@Nullable BiPredicate<? super HttpClientRequest, ? super HttpClientResponse> redirectPredicate;
	int maxRedirects = 10;
	/** Runs on each redirect's request before it is sent ({@link HttpClient#followRedirect(boolean, Consumer)}). */
	@Nullable
	Consumer<? super HttpClientRequest> redirectRequestConsumer;
	@Nullable
	Duration responseTimeout;
	Duration connectTimeout = Duration.ofSeconds(30);
	@Nullable
	MongooseLoop loop;
	@Nullable
	MongooseLoops loops;
	int maxHeaderSize = 8192;
	/** {@link HttpResponseDecoderSpec#maxInitialLineLength(int)}; 0: as long as the head. */
	int maxStatusLine;
	/** {@link HttpResponseDecoderSpec#allowDuplicateContentLengths(boolean)}. */
	boolean allowDuplicateContentLengths = true;
	int maxHeaders = HttpClient.DEFAULT_MAX_HEADERS;
	boolean keepAlive = true;
	/** The one retry of a request a stale keep-alive connection lost ({@link HttpClient#disableRetry}). */
	boolean retry = true;
	/** Ask for gzip and decode it ({@link HttpClient#compress(boolean)}). */
	boolean compress;
	/** {@link HttpClient#doOnConnected}, in order. */
	List<Consumer<? super io.github.reactormongoose.Connection>> onConnected = List.of();
	/** {@link HttpClient#doOnDisconnected}, in order. */
	List<Consumer<? super io.github.reactormongoose.Connection>> onDisconnected = List.of();
	/** What separates the pools of clients with other connection hooks: {@link #onConnected}, {@link #onDisconnected}. */
	List<?> connectionHooks() {
		return onConnected.isEmpty() && onDisconnected.isEmpty() ? List.of() : List.of(onConnected, onDisconnected);
	}

	ConnectionPool.Limits pool = new ConnectionPool.Limits(500, 1000, Duration.ofSeconds(30), null);
	/** {@link HttpClient#pendingAcquireTimeout}. */
	Duration pendingAcquireTimeout = Duration.ofSeconds(45);
	/** The spec of https and wss requests; {@code null}: {@link #DEFAULT_TLS}. */
	@Nullable
	TlsSpec tls;
	/** {@link HttpClient#addressFilter}; {@code null}: any address. */
	@Nullable
	Predicate<? super InetAddress> addressFilter;
	/** {@link HttpClient#metrics(boolean)}; {@link HttpClientMetrics#NONE}: off. */
	HttpClientMetrics metrics = HttpClientMetrics.NONE;
	/** {@link HttpClient#doOnRequest} and the other lifecycle hooks. */
	ClientHooks hooks = ClientHooks.NONE;
	/** {@link HttpClient#proxy}; {@code null}: direct connections. */
	ProxyProvider.@Nullable Selection proxies;
	/** {@link HttpClient#wiretap(boolean)}; {@code null}: off. */
	@Nullable
	Wiretap wiretap;

	/**
	 * The spec of https and wss requests of clients without {@code secure(spec)}: one instance,
	 * so that they share their pools and the JDK's trust manager is built once.
	 */
	static final TlsSpec DEFAULT_TLS = TlsSpec.forClient();

	ClientConfig copy() {
		try {
			return (ClientConfig) clone();
		}
		catch (CloneNotSupportedException e) {
			throw new AssertionError(e);
		}
	}

	/**
	 * The loop of a new request: the given loop; else, of the group (the shared one by
	 * default), the loop whose poll thread is calling (a request made in a server handler
	 * stays on its loop), else the next in turn.
	 */
	EventLoop chooseLoop() {
		return LoopAccess.engine(LoopAccess.choose(loop, loops));
	}

	/** The spec of a request with {@code scheme} (lower case): {@code null} for http and ws. */
	@Nullable
	TlsSpec tlsFor(String scheme) {
		if (scheme.equals("https") || scheme.equals("wss")) {
			return tls != null ? tls : DEFAULT_TLS;
		}
		return null;
	}

	/**
	 * The origin ({@code scheme://host:port}) of relative URIs when there is no base URL, from
	 * {@link HttpClient#remoteAddress} or {@link HttpClient#host}/{@link HttpClient#port};
	 * {@code null} if none of them is set.
	 * @throws IllegalArgumentException if the remote address is not an {@link InetSocketAddress}
	 */
	@Nullable
	String origin() {
		String h = host;
		int p = port;
		if (remoteAddress != null) {
			SocketAddress a = remoteAddress.get();
			if (!(a instanceof InetSocketAddress inet)) {
				throw new IllegalArgumentException("remoteAddress supplied " + a + ", not an InetSocketAddress");
			}
			h = inet.getHostString(); // the name it was made with, else its IP address
			p = inet.getPort();
		}
		else if (h == null && p < 0) {
			return null;
		}
		if (h == null) {
			h = "localhost";
		}
		if (p < 0) {
			p = secure ? 443 : 80;
		}
		return (secure ? "https://" : "http://") + (h.indexOf(':') >= 0 && !h.startsWith("[") ? "[" + h + "]" : h)
				+ ":" + p;
	}

	HttpHeaders headers() {
		HttpHeaders h = new HttpHeaders();
		for (Consumer<? super HttpHeaders> c : headers) {
			c.accept(h);
		}
		return h;
	}
}
