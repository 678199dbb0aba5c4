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

	@Test
	void theLastSearchOrDomainLineAndTheLastNdotsWin() {
		assertThat(ResolvConf.search(List.of("nameserver 10.0.0.53"))).isEmpty();
		assertThat(ResolvConf.search(List.of("domain corp.example", "search a.example  b.example. ")))
				.containsExactly("a.example", "b.example");
		assertThat(ResolvConf.search(List.of("search a.example b.example", "domain corp.example other")))
				.containsExactly("corp.example");
		assertThat(ResolvConf.search(List.of("search .", "# search x.example"))).isEmpty();
		assertThat(ResolvConf.ndots(List.of("search a.example"))).isEqualTo(1);
		assertThat(ResolvConf.ndots(List.of("options ndots:5 timeout:2", "options rotate"))).isEqualTo(5);
		assertThat(ResolvConf.ndots(List.of("options ndots:3", "options ndots:40"))).isEqualTo(15);
		assertThat(ResolvConf.ndots(List.of("options ndots:x ndots:"))).isEqualTo(1);
	}

	@Test
	void readTakesAllThree(@TempDir Path dir) throws Exception {
		Path f = dir.resolve("resolv.conf");
		Files.writeString(f, "nameserver 198.51.100.3\nsearch svc.example example\noptions ndots:2\n");
		ResolvConf.Config c = ResolvConf.read(f);
		assertThat(c.nameserver().getAddress().getHostAddress()).isEqualTo("198.51.100.3");
		assertThat(c.search()).containsExactly("svc.example", "example");
		assertThat(c.ndots()).isEqualTo(2);
		ResolvConf.Config none = ResolvConf.read(dir.resolve("absent"));
		assertThat(none.search()).isEmpty();
		assertThat(none.ndots()).isEqualTo(1);
	}
}
