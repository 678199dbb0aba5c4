/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/**
 * {@link RoundRobinClient} over three instances: calls go to each in turn, each instance sees
 * one kept-alive connection, and {@code main} reaches instances given as {@code host:port}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RoundRobinClientTest {

	private final List<DisposableServer> instances = new ArrayList<>();

	@AfterEach
	void stop() {
		instances.forEach(s -> s.disposeNow(Duration.ofSeconds(5)));
	}

	/** An instance that answers "{name} {the caller's port}". */
	private DisposableServer instance(String name) {
		DisposableServer s = HttpServer.create().host("127.0.0.1").port(0)
				.route(r -> r.get("/whoami", (req, res) -> res.sendString(Mono.just(name + " " + req.remoteAddress().getPort()))))
				.bindNow(Duration.ofSeconds(10));
		instances.add(s);
		return s;
	}

	@Test
	void callsGoToEachInstanceInTurnOverOneConnectionEach() {
		List<InetSocketAddress> addresses = List.of(instance("a").address(), instance("b").address(), instance("c").address());
		List<String> answers = new RoundRobinClient(addresses).getEach("/whoami", 9).collectList().block(Duration.ofSeconds(30));
		assertThat(answers).hasSize(9).allMatch(a -> a.startsWith("200 "));
		assertThat(answers).extracting(a -> a.split(" ")[1]).containsExactly("a", "b", "c", "a", "b", "c", "a", "b", "c");
		for (int i = 0; i < 3; i++) {
			// the same client port for every call to one instance: its connection was kept and reused
			assertThat(answers.get(i + 3)).isEqualTo(answers.get(i));
			assertThat(answers.get(i + 6)).isEqualTo(answers.get(i));
		}
		assertThat(new RoundRobinClient(addresses).get("/nothing-here").block(Duration.ofSeconds(10))).isEqualTo("404 ");
		assertThatThrownBy(() -> new RoundRobinClient(List.of())).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void mainPrintsTheAnswersOfInstancesGivenAsHostAndPort() {
		int a = instance("a").port();
		int b = instance("b").port();
		PrintStream out = System.out;
		ByteArrayOutputStream printed = new ByteArrayOutputStream();
		System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
		try {
			RoundRobinClient.main(new String[] { "/whoami", "4", "localhost:" + a, "127.0.0.1:" + b });
		}
		finally {
			System.setOut(out);
		}
		assertThat(printed.toString(StandardCharsets.UTF_8).lines()).extracting(l -> l.split(" ")[1])
				.containsExactly("a", "b", "a", "b");
	}
}
