/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.github.reactormongoose.dns.DnsResolver;
import io.github.reactormongoose.dns.TestDnsServer;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.mqtt.MqttClient;
import io.github.reactormongoose.mqtt.MqttPacket;
import io.github.reactormongoose.mqtt.MqttProperties;
import io.github.reactormongoose.mqtt.MqttServer;
import io.github.reactormongoose.sntp.Sntp;
import io.github.reactormongoose.tcp.TcpClient;
import io.github.reactormongoose.testing.NativeLeakCheck;
import io.github.reactormongoose.udp.UdpClient;
import io.github.reactormongoose.udp.UdpConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

import static io.github.reactormongoose.testing.LoopThreads.sharedLoopNames;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every client that is given no loop runs on the process-wide {@link MongooseLoops#shared()}
 * group and takes its loops in turn; given a group, it takes that group's loops in turn.
 * Each peer runs on a loop of its own, so the threads seen are the client's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(NativeLeakCheck.class)
class SharedLoopsTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final List<Runnable> cleanup = new ArrayList<>();

	@AfterEach
	void disposeAll() {
		for (int i = cleanup.size() - 1; i >= 0; i--) {
			cleanup.get(i).run();
		}
	}

	private <T extends DisposableServer> T track(T server) {
		cleanup.add(server::disposeNow);
		return server;
	}

	/** The threads of {@code 2 * n} calls made one after the other on this (non-loop) thread. */
	private static Set<String> threadsOfCalls(int n, Supplier<Mono<String>> call) {
		Set<String> threads = new TreeSet<>();
		for (int i = 0; i < 2 * n; i++) {
			threads.add(call.get().block(TIMEOUT));
		}
		return threads;
	}

	private static Mono<String> thread() {
		return Mono.fromSupplier(() -> Thread.currentThread().getName());
	}

	@Test
	void httpAndWebsocketClientsTakeTheSharedLoopsInTurn() {
		DisposableServer backend = track(HttpServer.create().loopName("http-backend")
				.route(r -> r.get("/", (req, res) -> res.sendString(Mono.just("ok")))
						.ws("/ws", (in, out) -> out.sendString(Mono.just("hi"))))
				.bindNow(TIMEOUT));
		int n = MongooseLoops.defaultSize();
		assertThat(threadsOfCalls(n, () -> HttpClient.create().get().uri("http://127.0.0.1:" + backend.port() + "/")
				.responseSingle((res, body) -> body.then(thread()))))
				.as("HttpClient").isEqualTo(sharedLoopNames());
		assertThat(threadsOfCalls(n, () -> HttpClient.create().websocket().uri("ws://127.0.0.1:" + backend.port() + "/ws")
				.handle((in, out) -> in.receiveText().take(1).then(thread())).next()))
				.as("WebSocket client").isEqualTo(sharedLoopNames());
	}

	@Test
	void tcpAndMqttClientsTakeTheSharedLoopsOrAGivenGroupsInTurn() {
		DisposableServer broker = track(MqttServer.create().loopName("mqtt-backend")
				.handle(c -> c.receive()
						.concatMap(p -> p instanceof MqttPacket.Connect
								? c.send(new MqttPacket.ConnAck(false, 0, MqttProperties.empty()))
								: Mono.empty())
						.then())
				.bindNow(TIMEOUT));
		int n = MongooseLoops.defaultSize();
		Supplier<Mono<String>> mqtt = () -> MqttClient.create("mqtt://127.0.0.1:" + broker.port()).connect()
				.flatMap(c -> thread().flatMap(t -> c.disconnect().thenReturn(t)));
		assertThat(threadsOfCalls(n, mqtt)).as("MqttClient").isEqualTo(sharedLoopNames());
		assertThat(threadsOfCalls(n, () -> TcpClient.create().port(broker.port()).connect()
				.flatMap(c -> thread().doFinally(s -> c.close()))))
				.as("TcpClient").isEqualTo(sharedLoopNames());

		MongooseLoops group = MongooseLoops.create("given", 2);
		try {
			assertThat(threadsOfCalls(2, () -> MqttClient.create("mqtt://127.0.0.1:" + broker.port()).runOn(group)
					.connect().flatMap(c -> thread().flatMap(t -> c.disconnect().thenReturn(t)))))
					.as("MqttClient.runOn(MongooseLoops)").containsExactly("given-0", "given-1");
		}
		finally {
			group.disposeNow();
		}
	}

	@Test
	void udpSntpAndDnsRunOnTheSharedLoops() throws Exception {
		int n = MongooseLoops.defaultSize();
		try (DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
			List<String> udp = new CopyOnWriteArrayList<>();
			for (int i = 0; i < 2 * n; i++) {
				UdpConnection c = UdpClient.create().port(peer.getLocalPort())
						.handle((in, out) -> {
							udp.add(Thread.currentThread().getName());
							return out.sendString(Mono.just("hello"));
						})
						.connectNow(TIMEOUT);
				c.dispose();
				c.onDispose().block(TIMEOUT);
			}
			assertThat(new TreeSet<>(udp)).as("UdpClient").isEqualTo(sharedLoopNames());
		}

		// SNTP: a closed port answers at once with "port unreachable", signalled on the loop
		int closed;
		try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
			closed = s.getLocalPort();
		}
		assertThat(threadsOfCalls(n, () -> Sntp.create().timeout(Duration.ofSeconds(5))
				.request("udp://127.0.0.1:" + closed).then(thread()).onErrorResume(e -> thread())))
				.as("Sntp").isEqualTo(sharedLoopNames());

		try (TestDnsServer dns = new TestDnsServer()) {
			dns.on("loops.test", TestDnsServer.addresses("192.0.2.7", null));
			List<InetAddress> found = DnsResolver.create().nameserver(dns.address()).resolve("loops.test")
					.doOnNext(x -> assertThat(Thread.currentThread().getName()).as("DnsResolver")
							.isIn(sharedLoopNames()))
					.block(TIMEOUT);
			assertThat(found).extracting(InetAddress::getHostAddress).containsExactly("192.0.2.7");
		}
	}
}
