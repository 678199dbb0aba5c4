/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The first {@code nameserver} of a {@code resolv.conf} file, as glibc reads it: the first
 * word after {@code nameserver} on a line, an IP literal (an IPv6 zone is dropped); lines
 * starting with {@code #} or {@code ;} are comments. Without a usable entry the nameserver
 * is {@code 127.0.0.1}, glibc's default; never a public resolver. Internal API.
 */
public final class ResolvConf {

	/** The system's file. */
	public static final Path SYSTEM = Path.of("/etc/resolv.conf");
	private static final InetSocketAddress FALLBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 53);

	private ResolvConf() {
	}

	/** The first nameserver of {@code file} on port 53, or {@code 127.0.0.1:53}. */
	public static InetSocketAddress nameserver(Path file) {
		List<String> lines;
		try {
			lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
		}
		catch (IOException e) {
			return FALLBACK;
		}
		return nameserver(lines);
	}

	static InetSocketAddress nameserver(List<String> lines) {
		for (String line : lines) {
			String[] w = line.trim().split("\\s+");
			if (w.length < 2 || !w[0].equals("nameserver")) {
				continue;
			}
			String ip = w[1];
			int zone = ip.indexOf('%');
			if (zone >= 0) {
				ip = ip.substring(0, zone);
			}
			if (!ip.matches("[0-9.]+") && !ip.matches("[0-9a-fA-F:.]+")) {
				continue; // not an IP literal: glibc ignores it too
			}
			try {
				return new InetSocketAddress(InetAddress.getByName(ip), 53); // a literal: no lookup
			}
			catch (IOException e) {
				// malformed literal: next line
			}
		}
		return FALLBACK;
	}
}
