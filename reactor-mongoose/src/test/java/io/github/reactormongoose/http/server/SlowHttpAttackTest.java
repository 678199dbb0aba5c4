/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.Commands;
import io.github.reactormongoose.testing.LogCapture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * The three slow-client attacks of slowhttptest (Debian's {@code slowhttptest}, a tool nobody
 * here wrote) against a server with short limits: slow headers (Slowloris) meet
 * {@link HttpServer#requestHeaderTimeout}, a slow body (R-U-Dead-Yet) meets
 * {@link HttpServer#readTimeout}, a slow read meets {@link HttpServer#writeTimeout}. Each
 * attack's connections are closed by the server well within the test, and the tool's own probe
 * (a normal request every few seconds) finds the service available throughout.
 */
class SlowHttpAttackTest extends BaseHttpTest {

	@TempDir
	Path dir;

	private final AtomicInteger open = new AtomicInteger();

	@BeforeEach
	void assumeSlowhttptest() {
		Commands.assumeExecutable(Path.of("/usr/bin/slowhttptest"), "slowhttptest", getClass().getSimpleName());
	}

	/** Limits of two seconds each; {@code /attack} answers 8 MiB (more than the kernel's send buffer). */
	private DisposableServer server() {
		byte[] eight = new byte[8 << 20];
		return bind(HttpServer.create().host("127.0.0.1").port(0)
				.requestHeaderTimeout(Duration.ofSeconds(2))
				.readTimeout(Duration.ofSeconds(2))
				.writeTimeout(Duration.ofSeconds(2))
				.doOnConnection(c -> {
					open.incrementAndGet();
					c.onClose().subscribe(null, null, open::decrementAndGet);
				})
				.route(r -> r.get("/", (req, res) -> res.sendString(Mono.just("hello")))
						.post("/", (req, res) -> res.sendString(req.receive().count().map(n -> n + " pieces")))
						.get("/attack", (req, res) -> res.sendByteArray(Mono.just(eight)))));
	}

	/** Runs slowhttptest with {@code args} and returns its output, colours removed. */
	private String slowhttptest(String... args) throws IOException, InterruptedException {
		List<String> cmd = new ArrayList<>(List.of("slowhttptest"));
		cmd.addAll(List.of(args));
		Path out = dir.resolve("out.txt");
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
		assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
		String text = Files.readString(out).replaceAll("\u001b\\[[0-9;]*m", "");
		assertThat(text).as(text).contains("service available:   YES").doesNotContain("service available:   NO");
		return text;
	}

	private void allClosedSoon() throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (open.get() > 0 && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(open).hasValue(0);
	}

	/** 100 connections sending a header line a second: 408 after 2 s, all gone before the 8 s are up. */
	@Test
	void slowHeadersMeetTheRequestHeaderTimeout() throws Exception {
		DisposableServer s = server();
		String out = slowhttptest("-H", "-c", "100", "-r", "100", "-i", "1", "-l", "8", "-p", "2",
				"-u", "http://127.0.0.1:" + s.port() + "/");
		assertThat(out).containsPattern("test type:\\s+SLOW HEADERS")
			.contains("Exit status: No open connections left");
		allClosedSoon();
	}

	/** 100 connections sending a 4 KiB form body a few bytes a second: 408 after 2 s, all gone. */
	@Test
	void aSlowBodyMeetsTheReadTimeout() throws Exception {
		DisposableServer s = server();
		String out = slowhttptest("-B", "-c", "100", "-r", "100", "-i", "3", "-s", "20000", "-l", "8", "-p", "2",
				"-u", "http://127.0.0.1:" + s.port() + "/");
		assertThat(out).containsPattern("test type:\\s+SLOW BODY")
			.contains("Exit status: No open connections left");
		allClosedSoon();
	}

	/**
	 * 30 connections each asking for the 8 MiB response three times and reading a byte every two
	 * seconds through a window of one or two bytes: the server resets every one of them (its log
	 * names each) before the 10 s are up. The tool does not count a reset as closed, so the
	 * server's log is the measure here.
	 */
	@Test
	void aSlowReadMeetsTheWriteTimeout() throws Exception {
		DisposableServer s = server();
		try (LogCapture log = LogCapture.allLevels(HttpServer.class.getName())) {
			String out = slowhttptest("-X", "-c", "30", "-r", "30", "-l", "10", "-p", "3", "-k", "3", "-n", "2", "-w", "1",
					"-y", "2", "-z", "1", "-u", "http://127.0.0.1:" + s.port() + "/attack");
			assertThat(out).containsPattern("test type:\\s+SLOW READ");
			assertThat(log.lines().stream().filter(l -> l.contains("write timeout: the peer took none of")).count()).as(out)
				.isGreaterThanOrEqualTo(30);
		}
		allClosedSoon();
	}
}
