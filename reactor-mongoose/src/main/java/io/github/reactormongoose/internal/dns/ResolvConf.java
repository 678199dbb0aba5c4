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
import java.util.ArrayList;
import java.util.List;

/**
 * The first {@code nameserver} of a {@code resolv.conf} file, as glibc reads it: the first
 * word after {@code nameserver} on a line, an IP literal (an IPv6 zone is dropped); lines
 * starting with {@code #} or {@code ;} are comments. Without a usable entry the nameserver
 * is {@code 127.0.0.1}, glibc's default; never a public resolver. Also the search list (the
 * last {@code search} or {@code domain} line: they replace each other) and {@code ndots}
 * (the last {@code ndots:n} of the {@code options} lines, at most 15; default 1). Internal API.
 */
public final class ResolvConf {

	/** The system's file. */
	public static final Path SYSTEM = Path.of("/etc/resolv.conf");
	private static final InetSocketAddress FALLBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 53);

	private ResolvConf() {
	}

	/** What the resolver takes from the file. */
	public record Config(InetSocketAddress nameserver, List<String> search, int ndots) {
	}

	/** The most {@code ndots} glibc takes ({@code RES_MAXNDOTS}). */
	public static final int MAX_NDOTS = 15;

	/** The nameserver, search list and ndots of {@code file}; the defaults when it cannot be read. */
	public static Config read(Path file) {
		List<String> lines;
		try {
			lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
		}
		catch (IOException e) {
			lines = List.of();
		}
		return new Config(nameserver(lines), search(lines), ndots(lines));
	}

	/** The domains of the last {@code search} or {@code domain} line, without trailing dots. */
	static List<String> search(List<String> lines) {
		List<String> search = List.of();
		for (String line : lines) {
			String[] w = line.trim().split("\\s+");
			if (!w[0].equals("search") && !w[0].equals("domain")) {
				continue;
			}
			List<String> domains = new ArrayList<>();
			for (int i = 1; i < w.length && (w[0].equals("search") || i == 1); i++) {
				String d = w[i].endsWith(".") ? w[i].substring(0, w[i].length() - 1) : w[i];
				if (!d.isEmpty()) {
					domains.add(d);
				}
			}
			search = List.copyOf(domains);
		}
		return search;
	}

	/** The last {@code ndots:n} of the {@code options} lines, cut to {@link #MAX_NDOTS}; 1 without one. */
	static int ndots(List<String> lines) {
		int ndots = 1;
		for (String line : lines) {
			String[] w = line.trim().split("\\s+");
			if (!w[0].equals("options")) {
				continue;
			}
			for (int i = 1; i < w.length; i++) {
				if (w[i].matches("ndots:[0-9]{1,9}")) {
					ndots = Math.min(Integer.parseInt(w[i].substring(6)), MAX_NDOTS);
				}
			}
		}
		return ndots;
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
