/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Proxies from Debian's packages as peers of the client's tests: tinyproxy (an HTTP proxy:
 * {@code CONNECT} and absolute-form requests, Basic authentication), microsocks (a SOCKS5
 * proxy, with or without a user name and password) and Dante (SOCKS 4 and 5). One foreground process each, on a port
 * that was free a moment ago; a test skips with a visible notice where one is missing.
 */
public final class ProxyPeers implements AutoCloseable {

	private static final Path TINYPROXY = Path.of("/usr/bin/tinyproxy");
	private static final Path MICROSOCKS = Path.of("/usr/bin/microsocks");
	private static final Path DANTED = Path.of("/usr/sbin/danted");

	private final Process process;
	private final int port;
	private final Path log;

	private ProxyPeers(Process process, int port, Path log) {
		this.process = process;
		this.port = port;
		this.log = log;
	}

	/** Aborts the calling test, with a notice on stderr, when {@code binary} is not installed. */
	private static void assumeInstalled(Path binary, String pkg) {
		if (!Files.isExecutable(binary)) {
			System.err.println("NOTICE: " + binary + " is not installed (Debian package " + pkg
					+ "); a test that needs it is skipped");
			Assumptions.abort(binary + " is not installed");
		}
	}

	/**
	 * tinyproxy on 127.0.0.1, every port allowed for {@code CONNECT} (no {@code ConnectPort}
	 * line), with {@code BasicAuth user password} unless {@code user} is null (tinyproxy's
	 * configuration accepts letters and digits there, no punctuation); logs at Info level to
	 * {@link #log()}.
	 */
	public static ProxyPeers tinyproxy(Path dir, String user, String password) throws Exception {
		assumeInstalled(TINYPROXY, "tinyproxy");
		int port = Nginx.freePort();
		Path log = dir.resolve("tinyproxy-" + port + ".log");
		List<String> conf = new ArrayList<>(List.of("Port " + port, "Listen 127.0.0.1", "Timeout 30",
				"Allow 127.0.0.1", "LogLevel Info", "LogFile \"" + log + "\"", "MaxClients 64"));
		if (user != null) {
			conf.add("BasicAuth " + user + " " + password);
		}
		Path file = dir.resolve("tinyproxy-" + port + ".conf");
		Files.writeString(file, String.join("\n", conf) + "\n");
		return start(new ProcessBuilder(TINYPROXY.toString(), "-d", "-c", file.toString()), port, log, dir);
	}

	/** microsocks on 127.0.0.1, asking for {@code user} and {@code password} unless {@code user} is null. */
	public static ProxyPeers microsocks(Path dir, String user, String password) throws Exception {
		assumeInstalled(MICROSOCKS, "microsocks");
		int port = Nginx.freePort();
		List<String> cmd = new ArrayList<>(List.of(MICROSOCKS.toString(), "-i", "127.0.0.1", "-p", String.valueOf(port)));
		if (user != null) {
			cmd.addAll(List.of("-u", user, "-P", password));
		}
		Path log = dir.resolve("microsocks-" + port + ".log");
		return start(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()), port, log, dir);
	}

	/**
	 * Dante's SOCKS server on 127.0.0.1, without authentication, allowing {@code CONNECT} from
	 * and to loopback only; it speaks SOCKS 4 and 5 (not 4a: it refuses host names over
	 * SOCKS 4). Logs connections to {@link #log()}.
	 */
	public static ProxyPeers dante(Path dir) throws Exception {
		assumeInstalled(DANTED, "dante-server");
		int port = Nginx.freePort();
		Path log = dir.resolve("danted-" + port + ".log");
		Path file = dir.resolve("danted-" + port + ".conf");
		Files.writeString(file, String.join("\n", "logoutput: " + log, "internal: 127.0.0.1 port = " + port,
				"external: 127.0.0.1", "clientmethod: none", "socksmethod: none", // one keyword per line in rules
				"client pass {", "  from: 127.0.0.0/8 to: 127.0.0.0/8", "}",
				"socks pass {", "  from: 127.0.0.0/8 to: 127.0.0.0/8", "  command: connect", "  log: connect", "}")
				+ "\n");
		return start(new ProcessBuilder(DANTED.toString(), "-f", file.toString(), "-N", "1",
				"-p", dir.resolve("danted-" + port + ".pid").toString()), port, log, dir);
	}

	private static ProxyPeers start(ProcessBuilder pb, int port, Path log, Path dir) throws Exception {
		Path out = dir.resolve("stdout-" + port + ".log");
		if (pb.redirectOutput() == ProcessBuilder.Redirect.PIPE) {
			pb.redirectErrorStream(true).redirectOutput(out.toFile());
		}
		ProxyPeers peer = new ProxyPeers(pb.start(), port, log);
		try {
			Commands.awaitListening(peer.process, port, String.valueOf(pb.command()), out, log);
		}
		catch (Exception | AssertionError e) {
			peer.close();
			throw e;
		}
		return peer;
	}

	public int port() {
		return port;
	}

	/** What the proxy logged so far (tinyproxy: one line per connection it opened, among others). */
	public String log() throws IOException {
		return Files.exists(log) ? Files.readString(log) : "";
	}

	/** The log once it contains {@code text}, or as it is after 5 s (the proxy writes it on its own time). */
	public String awaitLog(String text) throws IOException, InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		String l = log();
		while (!l.contains(text) && System.nanoTime() < deadline) {
			Thread.sleep(20); // polling a file another process writes
			l = log();
		}
		return l;
	}

	@Override
	public void close() throws InterruptedException {
		Commands.stop(process);
	}
}
