/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * {@link HttpClient#addressFilter}: what it refuses is never connected to, on the first request,
 * after a redirect, and through a connection another client left in the pool.
 */
class HttpClientAddressFilterTest extends BaseHttpTest {

	private static final Predicate<InetAddress> IPV4_ONLY = a -> a instanceof Inet4Address;

	private static final Predicate<InetAddress> NOT_LOOPBACK = a -> !a.isLoopbackAddress();

	/** The client ports of the connections the servers served (ids repeat across a server's loops). */
	private final Set<Integer> connections = ConcurrentHashMap.newKeySet();

	private DisposableServer server(String host) {
		return bind(HttpServer.create().host(host).port(0).route(r -> r
				.get("/hello", (req, res) -> {
					connections.add(req.remoteAddress().getPort());
					return res.sendString(Mono.just("Hello"));
				})
				.get("/to", (req, res) -> res.sendRedirect(req.queryParam("url")))));
	}

	private static Mono<String> body(HttpClient c, String url) {
		return c.get().uri(url).responseSingle((res, b) -> b.map(x -> res.status() + " " + new String(x, UTF_8)));
	}

	@Test
	void anAcceptedAddressIsConnectedToAndSeesItsAddresses() {
		DisposableServer s = server("127.0.0.1");
		List<InetAddress> seen = new CopyOnWriteArrayList<>();
		HttpClient c = HttpClient.create().addressFilter(a -> seen.add(a) && a.isLoopbackAddress());
		StepVerifier.create(body(c, "http://127.0.0.1:" + s.port() + "/hello")).expectNext("200 Hello").verifyComplete();
		StepVerifier.create(body(c, "http://localhost:" + s.port() + "/hello")).expectNext("200 Hello").verifyComplete();
		assertThat(seen).isNotEmpty().allMatch(InetAddress::isLoopbackAddress);
	}

	@Test
	void aRefusedAddressIsNeverConnectedTo() throws Exception {
		try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
			listener.setSoTimeout(500);
			HttpClient c = HttpClient.create().addressFilter(NOT_LOOPBACK);
			for (String host : new String[] {"127.0.0.1", "localhost"}) {
				StepVerifier.create(body(c, "http://" + host + ":" + listener.getLocalPort() + "/hello"))
						.expectErrorSatisfies(e -> {
							assertThat(e).isInstanceOf(FilteredAddressException.class)
									.hasMessageContaining("Filtered host '" + host + "'")
									.hasMessageContaining("127.0.0.1");
							FilteredAddressException f = (FilteredAddressException) e;
							assertThat(f.host()).isEqualTo(host);
							assertThat(f.addresses()).extracting(InetAddress::getHostAddress).contains("127.0.0.1");
						})
						.verify(TIMEOUT);
			}
			// nothing reached the listener: no TCP connection was even attempted
			assertThatThrownBy(listener::accept).isInstanceOf(SocketTimeoutException.class);
		}
	}

	@Test
	void aRedirectToARefusedAddressFailsWithoutFollowingIt() {
		DisposableServer v4 = server("127.0.0.1");
		DisposableServer v6 = server("::1");
		HttpClient c = HttpClient.create().followRedirect(true).addressFilter(IPV4_ONLY);
		String inward = "http://[::1]:" + v6.port() + "/hello";
		StepVerifier.create(body(c, "http://127.0.0.1:" + v4.port() + "/to?url=" + inward))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(FilteredAddressException.class)
						.hasMessageContaining("0:0:0:0:0:0:0:1"))
				.verify(TIMEOUT);
		assertThat(connections).isEmpty();
		// without the filter, the same redirect is followed: the refusal was the filter's
		StepVerifier.create(body(HttpClient.create().followRedirect(true), "http://127.0.0.1:" + v4.port() + "/to?url=" + inward))
				.expectNext("200 Hello")
				.verifyComplete();
		assertThat(connections).hasSize(1);
	}

	@Test
	void aPooledConnectionOfAnUnfilteredClientIsNotReused() {
		DisposableServer s = server("127.0.0.1");
		MongooseLoop loop = newLoop();
		String url = "http://127.0.0.1:" + s.port() + "/hello";
		// an unfiltered client leaves an idle keep-alive connection in the loop's pool
		StepVerifier.create(body(HttpClient.create().runOn(loop), url)).expectNext("200 Hello").verifyComplete();
		assertThat(connections).hasSize(1);
		StepVerifier.create(body(HttpClient.create().runOn(loop).addressFilter(NOT_LOOPBACK), url))
				.expectError(FilteredAddressException.class)
				.verify(TIMEOUT);
		assertThat(connections).hasSize(1);
		// clients with the same filter instance share their connections
		Predicate<InetAddress> loopback = InetAddress::isLoopbackAddress;
		StepVerifier.create(body(HttpClient.create().runOn(loop).addressFilter(loopback), url))
				.expectNext("200 Hello").verifyComplete();
		StepVerifier.create(body(HttpClient.create().runOn(loop).addressFilter(loopback), url))
				.expectNext("200 Hello").verifyComplete();
		assertThat(connections).hasSize(2);
	}

	@Test
	void aFilterThatThrowsFailsTheRequest() {
		DisposableServer s = server("127.0.0.1");
		HttpClient c = HttpClient.create().addressFilter(a -> {
			throw new IllegalStateException("filter broke");
		});
		StepVerifier.create(body(c, "http://127.0.0.1:" + s.port() + "/hello"))
				.expectErrorMessage("filter broke")
				.verify(TIMEOUT);
		assertThat(connections).isEmpty();
		assertThatThrownBy(() -> HttpClient.create().addressFilter(null)).isInstanceOf(NullPointerException.class);
	}
}
