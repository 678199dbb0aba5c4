/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.dns;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * The names of a hosts file ({@code /etc/hosts}, hosts(5)): on each line an IP address, then a
 * canonical name and its aliases, separated by blanks; {@code #} starts a comment. Names match
 * case-insensitively, with or without a trailing dot. A name on several lines has all their
 * addresses (as glibc's {@code getaddrinfo} and Netty return them), the IPv4 ones first, each in
 * file order. Lines whose address is not an IPv4 literal in dotted-quad form (four decimal parts
 * of 0 to 255, without leading zeros: {@code inet_aton} would read {@code 010} as octal) or an
 * IPv6 literal (a {@code %zone} is dropped), and lines without a name, are skipped. Internal API.
 */
public final class HostsFile {

	/** The system's file. */
	public static final Path SYSTEM = Path.of("/etc/hosts");
	/** No hosts file: every name goes to the nameserver. */
	public static final HostsFile NONE = new HostsFile(Map.of());

	private final Map<String, List<InetAddress>> names;

	private HostsFile(Map<String, List<InetAddress>> names) {
		this.names = names;
	}

	/** The system's hosts file, or {@link #NONE} when it cannot be read. */
	public static HostsFile system() {
		try {
			return read(SYSTEM);
		}
		catch (IOException e) {
			return NONE;
		}
	}

	/** Reads {@code file} (ISO-8859-1, as bytes). */
	public static HostsFile read(Path file) throws IOException {
		return parse(Files.readAllLines(file, StandardCharsets.ISO_8859_1));
	}

	static HostsFile parse(List<String> lines) {
		Map<String, Set<InetAddress>> found = new HashMap<>();
		for (String line : lines) {
			int hash = line.indexOf('#');
			String[] w = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
			if (w.length < 2) {
				continue;
			}
			InetAddress address = address(w[0]);
			if (address == null) {
				continue;
			}
			for (int i = 1; i < w.length; i++) {
				String name = canonical(w[i]);
				if (!name.isEmpty()) {
					found.computeIfAbsent(name, n -> new LinkedHashSet<>()).add(address);
				}
			}
		}
		Map<String, List<InetAddress>> names = new HashMap<>();
		found.forEach((name, addresses) -> {
			List<InetAddress> ordered = new ArrayList<>();
			addresses.stream().filter(a -> a instanceof Inet4Address).forEach(ordered::add);
			addresses.stream().filter(a -> !(a instanceof Inet4Address)).forEach(ordered::add);
			names.put(name, List.copyOf(ordered));
		});
		return new HostsFile(Map.copyOf(names));
	}

	/** The addresses of {@code name} (any case, a trailing dot or not), or null if the file does not have it. */
	public @Nullable List<InetAddress> lookup(String name) {
		return names.isEmpty() ? null : names.get(canonical(name));
	}

	/** How many names (canonical names and aliases) the file has. */
	public int size() {
		return names.size();
	}

	/** {@code name} in lower case, without one trailing dot. */
	public static String canonical(String name) {
		String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
		return n.toLowerCase(Locale.ROOT);
	}

	private static @Nullable InetAddress address(String s) {
		try {
			if (s.indexOf(':') >= 0) {
				int zone = s.indexOf('%');
				String ip = zone >= 0 ? s.substring(0, zone) : s;
				return ip.matches("[0-9a-fA-F:.]+") ? InetAddress.getByName(ip) : null; // a literal: no lookup
			}
			String[] parts = s.split("\\.", -1);
			if (parts.length != 4) {
				return null;
			}
			byte[] ip = new byte[4];
			for (int i = 0; i < 4; i++) {
				String p = parts[i];
				if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')
						|| !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
					return null;
				}
				int v = Integer.parseInt(p);
				if (v > 255) {
					return null;
				}
				ip[i] = (byte) v;
			}
			return InetAddress.getByAddress(ip);
		}
		catch (UnknownHostException e) {
			return null; // a malformed IPv6 literal
		}
	}
}
