/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

import io.github.reactormongoose.http.HttpHeaders;
import org.jspecify.annotations.Nullable;

/**
 * A proxy of an {@link HttpClient}, shaped like Reactor Netty's {@code ProxyProvider}: built
 * with {@link HttpClient#proxy(Consumer)}, as in
 * {@code proxy(p -> p.type(ProxyProvider.Proxy.HTTP).host("proxy.internal").port(3128))}.
 * <ul>
 * <li>{@link Proxy#HTTP}: {@code https://} and {@code wss://} requests, and WebSocket upgrades
 * of {@code ws://}, go through a {@code CONNECT} tunnel (RFC 9110, 9.3.6), and TLS runs end to
 * end inside it; plain {@code http://} requests are sent to the proxy in absolute form
 * ({@code GET http://host/path HTTP/1.1}), as curl, browsers and the JDK's client do, so proxies
 * that allow {@code CONNECT} only to port 443 (Squid's and tinyproxy's defaults) work.
 * <li>{@link Proxy#SOCKS5}: every connection goes through the proxy (RFC 1928), with the
 * user name and password method (RFC 1929) when a user name is set. The host name goes to
 * the proxy unresolved (as curl's {@code socks5h}).
 * <li>{@link Proxy#SOCKS4}: every connection goes through the proxy (SOCKS 4 {@code CONNECT},
 * the user name as its user id, no password); an IPv4 target as an address, a host name
 * unresolved in SOCKS 4a's form (as Netty's {@code Socks4ProxyHandler} and curl's
 * {@code socks4a}); an IPv6 target cannot be carried.
 * </ul>
 * The connection to the proxy is plain TCP (a proxy spoken to over TLS is not supported).
 * Hosts matching {@link Builder#nonProxyHosts(String)} are connected to directly. A proxy that
 * refuses the tunnel fails the request with {@link ProxyConnectException}.
 */
public final class ProxyProvider {

	/** The proxy protocols. */
	public enum Proxy {
		/** An HTTP proxy: {@code CONNECT} tunnels, and absolute-form requests for {@code http://}. */
		HTTP,
		/**
		 * A SOCKS version 4 proxy: host names go to it in SOCKS 4a's form, which some SOCKS 4
		 * servers (Dante) refuse; IPv4 only.
		 */
		SOCKS4,
		/** A SOCKS version 5 proxy. */
		SOCKS5
	}

	/** First step: the protocol. */
	public interface TypeSpec {
		/** The proxy's protocol. */
		AddressSpec type(Proxy type);
	}

	/** Second step: where the proxy is. */
	public interface AddressSpec {
		/** The proxy's host name or IP literal; resolved when a connection is made. */
		Builder host(String host);

		/** The proxy's address and port. */
		Builder address(InetSocketAddress address);
	}

	/** The rest, all optional except {@link #port(int)} after {@link AddressSpec#host(String)}. */
	public interface Builder {
		/** The proxy's port (1 to 65535). */
		Builder port(int port);

		/**
		 * The user name for the proxy: HTTP Basic ({@code Proxy-Authorization}) for
		 * {@link Proxy#HTTP}, the user name and password method for {@link Proxy#SOCKS5}, the
		 * user id of the request for {@link Proxy#SOCKS4}.
		 */
		Builder username(String username);

		/**
		 * The password, computed from the user name each time a connection authenticates (so a
		 * rotated one is picked up); needs {@link #username(String)}. It runs on the poll
		 * thread and must not block: return a value kept up to date elsewhere. SOCKS 4 has no
		 * password: a {@link Proxy#SOCKS4} proxy with one is refused.
		 */
		Builder password(Function<? super String, ? extends String> password);

		/**
		 * A regular expression (case-insensitive) for the hosts that are connected to directly:
		 * a request whose host name or IP literal (without brackets) matches it whole does not
		 * use the proxy, as in Reactor Netty. Example: {@code "localhost|127\\..*|.*\\.internal"}.
		 */
		Builder nonProxyHosts(String regex);

		/** Headers for the proxy: sent with every {@code CONNECT} and every absolute-form request. */
		Builder httpHeaders(Consumer<? super HttpHeaders> headers);

		/**
		 * How long the proxy may take to open the tunnel once the TCP connection to it is up
		 * (the TCP connect itself has the client's {@code connectTimeout}); default 10 seconds,
		 * as in Reactor Netty.
		 */
		Builder connectTimeoutMillis(long millis);
	}

	private final Proxy type;
	private final String host;
	private final int port;
	private final @Nullable InetSocketAddress address;
	private final @Nullable String username;
	private final @Nullable Function<? super String, ? extends String> password;
	private final @Nullable Pattern nonProxyHosts;
	private final @Nullable Consumer<? super HttpHeaders> headers;
	private final Duration connectTimeout;

	private ProxyProvider(Build b) {
		this.type = Objects.requireNonNull(b.type, "type");
		this.address = b.address;
		this.host = b.address != null ? b.address.getHostString() : Objects.requireNonNull(b.host, "host");
		this.port = b.address != null ? b.address.getPort() : b.port;
		if (port < 1 || port > 65535) {
			throw new IllegalArgumentException("the " + type + " proxy " + host + " needs a port from 1 to 65535"
					+ (b.port == 0 ? " (call port(...))" : ": " + port));
		}
		this.username = b.username;
		this.password = b.password;
		if (password != null && username == null) {
			throw new IllegalArgumentException("a proxy password needs a username");
		}
		if (type != Proxy.HTTP && username != null && username.getBytes(StandardCharsets.UTF_8).length > 255) {
			throw new IllegalArgumentException("a " + type + " user name has at most 255 bytes");
		}
		if (type == Proxy.SOCKS4 && password != null) {
			throw new IllegalArgumentException("SOCKS4 has a user id but no password: use SOCKS5 for a password");
		}
		if (type == Proxy.SOCKS4 && username != null && username.indexOf('\0') >= 0) {
			throw new IllegalArgumentException("a SOCKS4 user id must not contain NUL");
		}
		this.nonProxyHosts = b.nonProxyHosts == null || b.nonProxyHosts.isEmpty() ? null
				: Pattern.compile(b.nonProxyHosts, Pattern.CASE_INSENSITIVE);
		this.headers = b.headers;
		this.connectTimeout = b.connectTimeout;
	}

	/** A new specification, as {@link HttpClient#proxy(Consumer)} passes to its argument. */
	static Build builder() {
		return new Build();
	}

	/** The proxy's protocol. */
	public Proxy type() {
		return type;
	}

	/** The proxy's host name or IP literal. */
	public String host() {
		return host;
	}

	/** The proxy's port. */
	public int port() {
		return port;
	}

	/** The resolved address it was given with {@link AddressSpec#address}, else {@code null}. */
	@Nullable
	InetSocketAddress address() {
		return address != null && !address.isUnresolved() ? address : null;
	}

	/** The user name, or {@code null}. */
	public @Nullable String username() {
		return username;
	}

	/** How long the proxy may take to open a tunnel. */
	public Duration connectTimeout() {
		return connectTimeout;
	}

	/** Whether a request to {@code host} (a name or an IP literal, brackets allowed) goes through this proxy. */
	public boolean shouldProxy(String host) {
		if (nonProxyHosts == null) {
			return true;
		}
		String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
		return !nonProxyHosts.matcher(h).matches();
	}

	/** The password for the user name, asked now; {@code null} without one. */
	@Nullable
	String password() {
		if (username == null || password == null) {
			return null;
		}
		String p = password.apply(username);
		return p != null ? p : "";
	}

	/** The headers for the proxy: {@code Proxy-Authorization} (HTTP with a user name) and {@link Builder#httpHeaders}. */
	HttpHeaders proxyHeaders() {
		HttpHeaders h = new HttpHeaders();
		if (headers != null) {
			headers.accept(h);
		}
		if (username != null && !h.contains("Proxy-Authorization")) {
			String p = password();
			h.set("Proxy-Authorization", "Basic " + Base64.getEncoder()
				.encodeToString((username + ":" + (p != null ? p : "")).getBytes(StandardCharsets.UTF_8)));
		}
		return h;
	}

	@Override
	public String toString() {
		return "ProxyProvider[" + type.name().toLowerCase(Locale.ROOT) + " " + host + ":" + port
				+ (username != null ? ", user " + username : "")
				+ (nonProxyHosts != null ? ", nonProxyHosts " + nonProxyHosts.pattern() : "") + "]";
	}

	/**
	 * The proxies the JDK's own properties name, read now: {@code https.proxyHost} and
	 * {@code https.proxyPort} (default 443) for https and wss, {@code http.proxyHost} and
	 * {@code http.proxyPort} (default 80) for http and ws, {@code http.nonProxyHosts} for both
	 * (the JDK's {@code |}-separated patterns with {@code *}; default
	 * {@code localhost|127.*|[::1]|0.0.0.0|[::0]}, as the JDK's), {@code http.proxyUser} and
	 * {@code http.proxyPassword} (as Reactor Netty reads them); else {@code socksProxyHost},
	 * {@code socksProxyPort} (default 1080), {@code socksProxyVersion} (5, the default, or 4),
	 * {@code java.net.socks.username} and {@code java.net.socks.password} (not for version 4,
	 * which has no password, as the JDK ignores it there). A scheme without any gets no proxy.
	 * @throws IllegalArgumentException for a {@code socksProxyVersion} other than 4 or 5, or a
	 *     port that is not a number
	 */
	static Selection fromSystemProperties(Properties p) {
		String noProxy = p.getProperty("http.nonProxyHosts", "localhost|127.*|[::1]|0.0.0.0|[::0]");
		String regex = globsToRegex(noProxy);
		ProxyProvider socks = null;
		String socksHost = p.getProperty("socksProxyHost");
		if (socksHost != null && !socksHost.isBlank()) {
			String version = p.getProperty("socksProxyVersion", "5").strip();
			if (!version.equals("4") && !version.equals("5")) {
				throw new IllegalArgumentException("system property socksProxyVersion must be 4 or 5: " + version);
			}
			Build b = builder();
			b.type(version.equals("4") ? Proxy.SOCKS4 : Proxy.SOCKS5).host(socksHost.strip())
				.port(port(p, "socksProxyPort", 1080));
			if (version.equals("4")) {
				String id = p.getProperty("java.net.socks.username");
				if (id != null) {
					b.username(id);
				}
			}
			else {
				credentials(b, p, "java.net.socks.username", "java.net.socks.password");
			}
			b.nonProxyHosts(regex);
			socks = new ProxyProvider(b);
		}
		ProxyProvider http = httpFrom(p, "http", 80, regex);
		ProxyProvider https = httpFrom(p, "https", 443, regex);
		return new Selection(http != null ? http : socks, https != null ? https : socks);
	}

	private static @Nullable ProxyProvider httpFrom(Properties p, String prefix, int defaultPort, String regex) {
		String host = p.getProperty(prefix + ".proxyHost");
		if (host == null || host.isBlank()) {
			return null;
		}
		Build b = builder();
		b.type(Proxy.HTTP).host(host.strip()).port(port(p, prefix + ".proxyPort", defaultPort));
		credentials(b, p, "http.proxyUser", "http.proxyPassword");
		b.nonProxyHosts(regex);
		return new ProxyProvider(b);
	}

	/** The user name and password the properties {@code user} and {@code password} name, if any. */
	private static void credentials(Build b, Properties p, String user, String password) {
		String name = p.getProperty(user);
		if (name != null) {
			String pass = p.getProperty(password, "");
			b.username(name).password(u -> pass);
		}
	}

	private static int port(Properties p, String name, int defaultPort) {
		String v = p.getProperty(name);
		if (v == null || v.isBlank()) {
			return defaultPort;
		}
		try {
			return Integer.parseInt(v.strip());
		}
		catch (NumberFormatException e) {
			throw new IllegalArgumentException("system property " + name + " is not a port: " + v);
		}
	}

	/** The JDK's {@code http.nonProxyHosts} syntax ({@code a|*.b|c*}) as one regular expression. */
	static String globsToRegex(String globs) {
		List<String> parts = new ArrayList<>();
		for (String g : globs.split("\\|")) {
			String s = g.strip();
			if (s.startsWith("[") && s.endsWith("]")) {
				s = s.substring(1, s.length() - 1);
			}
			if (!s.isEmpty()) {
				List<String> pieces = new ArrayList<>();
				for (String piece : s.split("\\*", -1)) {
					pieces.add(Pattern.quote(piece));
				}
				parts.add(String.join(".*", pieces));
			}
		}
		return String.join("|", parts);
	}

	/** The proxy for plain requests ({@code http}, {@code ws}) and for secure ones ({@code https}, {@code wss}). */
	record Selection(@Nullable ProxyProvider plain, @Nullable ProxyProvider secure) {

		/** The proxy of a request to {@code host}, or {@code null} for a direct connection. */
		@Nullable
		ProxyProvider choose(boolean tls, String host) {
			ProxyProvider p = tls ? secure : plain;
			return p != null && p.shouldProxy(host) ? p : null;
		}
	}

	/** The specification being built. */
	static final class Build implements TypeSpec, AddressSpec, Builder {

		@Nullable
		Proxy type;
		@Nullable
		String host;
		int port;
		@Nullable
		InetSocketAddress address;
		@Nullable
		String username;
		@Nullable
		Function<? super String, ? extends String> password;
		@Nullable
		String nonProxyHosts;
		@Nullable
		Consumer<? super HttpHeaders> headers;
		Duration connectTimeout = Duration.ofSeconds(10);

		@Override
		public AddressSpec type(Proxy type) {
			this.type = Objects.requireNonNull(type, "type");
			return this;
		}

		@Override
		public Builder host(String host) {
			Objects.requireNonNull(host, "host");
			if (host.isBlank()) {
				throw new IllegalArgumentException("blank proxy host");
			}
			this.host = host;
			this.address = null;
			return this;
		}

		@Override
		public Builder address(InetSocketAddress address) {
			this.address = Objects.requireNonNull(address, "address");
			this.host = null;
			return this;
		}

		@Override
		public Builder port(int port) {
			if (port < 1 || port > 65535) {
				throw new IllegalArgumentException("proxy port must be 1 to 65535: " + port);
			}
			if (address != null) {
				address = address.isUnresolved() ? InetSocketAddress.createUnresolved(address.getHostString(), port)
						: new InetSocketAddress(address.getAddress(), port);
			}
			this.port = port;
			return this;
		}

		@Override
		public Builder username(String username) {
			this.username = Objects.requireNonNull(username, "username");
			return this;
		}

		@Override
		public Builder password(Function<? super String, ? extends String> password) {
			this.password = Objects.requireNonNull(password, "password");
			return this;
		}

		@Override
		public Builder nonProxyHosts(String regex) {
			Objects.requireNonNull(regex, "regex");
			Pattern.compile(regex); // refused now, with the reason
			this.nonProxyHosts = regex;
			return this;
		}

		@Override
		public Builder httpHeaders(Consumer<? super HttpHeaders> headers) {
			this.headers = Objects.requireNonNull(headers, "headers");
			return this;
		}

		@Override
		public Builder connectTimeoutMillis(long millis) {
			if (millis <= 0) {
				throw new IllegalArgumentException("proxy connect timeout must be positive: " + millis);
			}
			this.connectTimeout = Duration.ofMillis(millis);
			return this;
		}

		ProxyProvider build() {
			if (type == null) {
				throw new IllegalArgumentException("proxy type missing: type(ProxyProvider.Proxy.HTTP, SOCKS4 or SOCKS5)");
			}
			if (host == null && address == null) {
				throw new IllegalArgumentException("proxy address missing: host(...) or address(...)");
			}
			return new ProxyProvider(this);
		}
	}
}
