/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolvConfTest {

	private static String ns(List<String> lines) {
		InetSocketAddress a = ResolvConf.nameserver(lines);
		return a.getAddress().getHostAddress() + ":" + a.getPort();
	}

	@Test
	void takesTheFirstUsableNameserver() {
		assertThat(ns(List.of("# generated", "search example.org", "nameserver 10.0.0.53", "nameserver 10.0.0.54")))
				.isEqualTo("10.0.0.53:53");
		assertThat(ns(List.of("; comment", "nameserver   fe80::1%eth0  ", "nameserver 10.0.0.54")))
				.isEqualTo("fe80:0:0:0:0:0:0:1:53");
		assertThat(ns(List.of("nameserver dns.example", "nameserver 192.0.2.1"))).isEqualTo("192.0.2.1:53");
		assertThat(ns(List.of("#nameserver 10.1.1.1", "options ndots:2"))).isEqualTo("127.0.0.1:53");
	}

	@Test
	void aMissingFileMeansTheLoopback(@TempDir Path dir) throws Exception {
		assertThat(ResolvConf.nameserver(dir.resolve("absent")).getAddress().isLoopbackAddress()).isTrue();
		Path f = dir.resolve("resolv.conf");
		Files.writeString(f, "nameserver 198.51.100.3\n");
		assertThat(ResolvConf.nameserver(f).getAddress().getHostAddress()).isEqualTo("198.51.100.3");
	}
}
