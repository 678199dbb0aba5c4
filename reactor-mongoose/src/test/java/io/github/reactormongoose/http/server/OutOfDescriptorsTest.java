/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.testing.Commands;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A process out of file descriptors: accept fails, and Mongoose only logs it, so the listener
 * stays readable and a naive loop polls and fails again at full speed. The loop must instead
 * stop accepting for a while (the clients wait in the kernel's backlog), burn no CPU, and serve
 * again once descriptors are free. The limit of this JVM is lowered with {@code prlimit} for a
 * second; the clients run in another process, so that they do not use this one's descriptors.
 */
class OutOfDescriptorsTest extends BaseHttpTest {

	private static final String CLIENTS = String.join("\n",
			"import socket, sys, time",
			"s = [socket.create_connection(('127.0.0.1', int(sys.argv[1]))) for _ in range(int(sys.argv[2]))]",
			"print('opened', flush=True)",
			"time.sleep(60)");

	@Test
	void aLoopOutOfDescriptorsStopsAcceptingInsteadOfSpinningAndServesAgainAfter() throws Exception {
		Commands.assumeAvailable("prlimit", "--version");
		Commands.assumeAvailable("python3", "--version");
		MongooseLoop loop = newLoop("fd-exhaustion");
		DisposableServer server = bind(HttpServer.create().runOn(loop)
				.route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))));
		Thread poll = Thread.getAllStackTraces().keySet().stream()
				.filter(t -> t.getName().equals("fd-exhaustion")).findFirst().orElseThrow();
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		String pid = Long.toString(ProcessHandle.current().pid());
		String[] limits = run("prlimit", "--pid", pid, "--nofile", "--output", "SOFT,HARD", "--noheadings", "--raw")
				.trim().split("\\s+");
		long open;
		try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
			open = fds.count();
		}
		Process clients = new ProcessBuilder("python3", "-c", CLIENTS, Integer.toString(server.port()), "200")
				.redirectErrorStream(true).start();
		// out of descriptors, this JVM could not start the process that restores the limit: start it now
		Process restore = new ProcessBuilder("sh", "-c", "read go; exec prlimit --pid " + pid + " --nofile=" + limits[0]
				+ ":" + limits[1]).redirectErrorStream(true).start();
		long spent;
		try {
			// room for about 40 accepted connections, then every accept fails with EMFILE
			run("prlimit", "--pid", pid, "--nofile=" + (open + 40) + ":" + limits[1]);
			try {
				BufferedReader out = new BufferedReader(new InputStreamReader(clients.getInputStream(), StandardCharsets.UTF_8));
				assertThat(out.readLine()).as("the clients connected (the backlog holds what is not accepted)").isEqualTo("opened");
				Thread.sleep(300);
				long before = threads.getThreadCpuTime(poll.getId());
				Thread.sleep(1000);
				spent = threads.getThreadCpuTime(poll.getId()) - before;
			}
			finally {
				restore.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
				restore.getOutputStream().flush();
				assertThat(restore.waitFor(10, TimeUnit.SECONDS)).isTrue();
				assertThat(restore.exitValue()).as("limit restored").isZero();
			}
		}
		finally {
			clients.destroyForcibly();
			clients.waitFor(10, TimeUnit.SECONDS);
		}
		// a spinning loop spends the whole second on the CPU
		assertThat(TimeUnit.NANOSECONDS.toMillis(spent)).as("CPU time of the poll thread in one second, out of descriptors")
				.isLessThan(250);
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			c.write(RawHttp.get("/hello"));
			assertThat(c.read().bodyString()).as("served again once descriptors are free").isEqualTo("hello");
		}
	}

	private static String run(String... command) throws IOException, InterruptedException {
		Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
		assertThat(p.exitValue()).as("%s: %s", String.join(" ", command), out).isZero();
		return out;
	}
}
