/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.github.reactormongoose.dns.DnsException;
import org.jspecify.annotations.Nullable;

/**
 * DNS messages (RFC 1035) for the resolver: builds one-question queries and reads the answers
 * to them. Every read is bounds-checked; compression pointers must point backwards and are
 * followed at most {@link #MAX_JUMPS} times. Internal API.
 */
public final class DnsMessages {

	public static final int TYPE_A = 1;
	public static final int TYPE_CNAME = 5;
	public static final int TYPE_SOA = 6;
	public static final int TYPE_AAAA = 28;
	public static final int RCODE_NXDOMAIN = 3;
	private static final int CLASS_IN = 1;
	private static final int HEADER = 12;
	private static final int MAX_JUMPS = 16;
	private static final int MAX_NAME = 255;

	private DnsMessages() {
	}

	/**
	 * What an answer to one of our queries says.
	 * @param ttl the smallest TTL (seconds) of the records that gave the addresses, the CNAME
	 *     records of the chain included; -1 without an address
	 * @param negativeTtl how long the absence of the name or of the record may be kept (RFC
	 *     2308 §5: the smaller of the authority section's SOA TTL and its MINIMUM field), in
	 *     seconds; -1 without an SOA record
	 */
	public record Answer(int id, int type, int rcode, boolean truncated, List<InetAddress> addresses, long ttl,
			long negativeTtl) {

		/** An answer without TTLs (a stand-in for a failed query). */
		public Answer(int id, int type, int rcode, boolean truncated, List<InetAddress> addresses) {
			this(id, type, rcode, truncated, addresses, -1, -1);
		}
	}

	/**
	 * A query for {@code name} (ASCII; an internationalised name must be given in its
	 * {@code xn--} form) and {@code type}, with recursion desired.
	 * @throws IllegalArgumentException if the name cannot be a DNS name
	 */
	public static byte[] query(int id, String name, int type) {
		byte[] qname = encodeName(name);
		byte[] m = new byte[HEADER + qname.length + 4];
		put16(m, 0, id);
		put16(m, 2, 0x0100); // RD
		put16(m, 4, 1); // one question
		System.arraycopy(qname, 0, m, HEADER, qname.length);
		put16(m, HEADER + qname.length, type);
		put16(m, HEADER + qname.length + 2, CLASS_IN);
		return m;
	}

	/** The wire form of {@code name}: length-prefixed labels and the root. */
	static byte[] encodeName(String name) {
		String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
		if (n.isEmpty()) {
			throw new IllegalArgumentException("empty host name");
		}
		byte[] out = new byte[n.length() + 2];
		int o = 0;
		for (String label : n.split("\\.", -1)) {
			byte[] b = label.getBytes(StandardCharsets.US_ASCII);
			if (label.isEmpty() || label.length() > 63) {
				throw new IllegalArgumentException("invalid host name " + name + ": labels must have 1 to 63 characters");
			}
			for (int i = 0; i < label.length(); i++) {
				char c = label.charAt(i);
				if (c <= ' ' || c >= 0x7f) {
					throw new IllegalArgumentException("invalid host name " + name
							+ ": only ASCII without spaces (give an internationalised name in its xn-- form)");
				}
			}
			out[o++] = (byte) b.length;
			System.arraycopy(b, 0, out, o, b.length);
			o += b.length;
		}
		out[o] = 0;
		if (o + 1 > MAX_NAME) {
			throw new IllegalArgumentException("invalid host name " + name + ": longer than 253 characters");
		}
		return out;
	}

	/** The transaction id of a message of at least two bytes, else -1. */
	public static int id(byte[] m) {
		return m.length >= 2 ? u16(m, 0) : -1;
	}

	/**
	 * Reads an answer to our query for {@code name}/{@code type}: the A or AAAA records of
	 * the name, following CNAME records of the answer section.
	 * @return {@code null} when the message does not answer that question (not a response, or
	 *         another question): the caller ignores it
	 * @throws DnsException if the message is malformed
	 */
	public static @Nullable Answer parse(byte[] m, String name, int type) {
		if (m.length < HEADER) {
			throw malformed("shorter than a DNS header (" + m.length + " bytes)");
		}
		int flags = u16(m, 2);
		if ((flags & 0x8000) == 0 || ((flags >> 11) & 0xf) != 0) {
			return null; // a query, or another opcode: not an answer to us
		}
		int qd = u16(m, 4);
		int an = u16(m, 6);
		if (qd != 1) {
			return null;
		}
		int[] pos = {HEADER};
		String qname = readName(m, pos);
		int qtype = u16checked(m, pos[0]);
		int qclass = u16checked(m, pos[0] + 2);
		pos[0] += 4;
		String wanted = canonical(name);
		if (!qname.equals(wanted) || qtype != type || qclass != CLASS_IN) {
			return null;
		}
		int rcode = flags & 0xf;
		boolean truncated = (flags & 0x0200) != 0;
		// the records first, then the CNAME chain from the name, whatever order the server put
		// them in (RFC 1034 does not ask for the chain's order), then the chain's addresses
		Map<String, String> aliases = new HashMap<>();
		Map<String, Long> aliasTtls = new HashMap<>();
		List<int[]> records = new ArrayList<>(); // {start of the owner name, rdata, rdlen, ttl position}
		for (int i = 0; i < an; i++) {
			int ownerAt = pos[0];
			String owner = readName(m, pos);
			int p = pos[0];
			int rtype = u16checked(m, p);
			int rclass = u16checked(m, p + 2);
			int rdlen = u16checked(m, p + 8);
			int rdata = p + 10;
			if (rdata + rdlen > m.length) {
				throw malformed("record " + (i + 1) + " runs past the end of the message");
			}
			pos[0] = rdata + rdlen;
			if (rclass != CLASS_IN) {
				continue;
			}
			if (rtype == TYPE_CNAME) {
				int[] t = {rdata};
				if (aliases.putIfAbsent(owner, readName(m, t)) == null) {
					aliasTtls.put(owner, ttl(m, p + 4));
				}
			}
			else if (rtype == type) {
				records.add(new int[] {ownerAt, rdata, rdlen, p + 4});
			}
		}
		Set<String> names = new HashSet<>();
		long chainTtl = Long.MAX_VALUE;
		for (String n = wanted; n != null && names.add(n);) { // a loop ends where it comes back
			Long t = aliasTtls.get(n);
			if (t != null) {
				chainTtl = Math.min(chainTtl, t);
			}
			n = aliases.get(n);
		}
		List<InetAddress> addresses = new ArrayList<>();
		long ttl = Long.MAX_VALUE;
		for (int[] r : records) {
			if (!names.contains(readName(m, new int[] {r[0]}))) {
				continue;
			}
			ttl = Math.min(ttl, ttl(m, r[3]));
			int want = type == TYPE_A ? 4 : 16;
			if (r[2] != want) {
				throw malformed((type == TYPE_A ? "A" : "AAAA") + " record of " + r[2] + " bytes");
			}
			byte[] ip = new byte[want];
			System.arraycopy(m, r[1], ip, 0, want);
			try {
				addresses.add(InetAddress.getByAddress(name, ip));
			}
			catch (UnknownHostException e) {
				throw malformed(e.getMessage());
			}
		}
		return new Answer(u16(m, 0), type, rcode, truncated, List.copyOf(addresses),
				addresses.isEmpty() ? -1 : Math.min(ttl, chainTtl), addresses.isEmpty() ? negativeTtl(m, pos[0]) : -1);
	}

	/**
	 * The negative TTL of the first SOA record of the authority section at {@code p} (RFC 2308
	 * §5: the smaller of its TTL and its MINIMUM); -1 without one, or when the section is cut
	 * off or malformed (the answer is still taken, only not kept).
	 */
	private static long negativeTtl(byte[] m, int p) {
		try {
			int ns = u16(m, 8);
			int[] pos = {p};
			for (int i = 0; i < ns; i++) {
				readName(m, pos);
				int q = pos[0];
				int rtype = u16checked(m, q);
				int rclass = u16checked(m, q + 2);
				int rdlen = u16checked(m, q + 8);
				int rdata = q + 10;
				if (rdata + rdlen > m.length) {
					return -1;
				}
				if (rtype == TYPE_SOA && rclass == CLASS_IN) {
					int[] r = {rdata};
					readName(m, r); // MNAME
					readName(m, r); // RNAME
					int minimum = r[0] + 16; // after SERIAL, REFRESH, RETRY, EXPIRE
					if (minimum + 4 > rdata + rdlen) {
						return -1;
					}
					return Math.min(ttl(m, q + 4), ttl(m, minimum));
				}
				pos[0] = rdata + rdlen;
			}
			return -1;
		}
		catch (DnsException e) {
			return -1;
		}
	}

	/** The 32-bit TTL at {@code p} (in bounds), in seconds; one with the top bit set is 0 (RFC 2181 §8). */
	private static long ttl(byte[] m, int p) {
		long v = ((long) u16(m, p) << 16) | u16(m, p + 2);
		return v > Integer.MAX_VALUE ? 0 : v;
	}

	private static String canonical(String name) {
		String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
		return n.toLowerCase(Locale.ROOT);
	}

	/** Reads a (possibly compressed) name at {@code pos[0]}, lower-cased; advances {@code pos[0]} past it. */
	private static String readName(byte[] m, int[] pos) {
		StringBuilder sb = new StringBuilder();
		int p = pos[0];
		int end = -1;
		int jumps = 0;
		int wire = 0;
		for (;;) {
			if (p >= m.length) {
				throw malformed("name runs past the end of the message");
			}
			int len = m[p] & 0xff;
			if (len == 0) {
				p++;
				break;
			}
			if ((len & 0xc0) == 0xc0) {
				if (p + 1 >= m.length) {
					throw malformed("compression pointer cut off");
				}
				int target = ((len & 0x3f) << 8) | (m[p + 1] & 0xff);
				if (target > p) { // only earlier names may be pointed at (RFC 1035 4.1.4), so never past the end
					throw malformed("forward or out-of-range compression pointer");
				}
				if (target == p || ++jumps > MAX_JUMPS) { // to itself, or back to a label before it
					throw malformed("compression pointer loop");
				}
				if (end < 0) {
					end = p + 2;
				}
				p = target;
				continue;
			}
			if ((len & 0xc0) != 0) {
				throw malformed("unknown label type 0x" + Integer.toHexString(len & 0xc0));
			}
			if (p + 1 + len > m.length) {
				throw malformed("label runs past the end of the message");
			}
			wire += len + 1;
			if (wire > MAX_NAME) {
				throw malformed("name longer than 255 bytes");
			}
			if (sb.length() > 0) {
				sb.append('.');
			}
			for (int i = 0; i < len; i++) {
				int c = m[p + 1 + i] & 0xff;
				sb.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : (char) c);
			}
			p += 1 + len;
		}
		pos[0] = end >= 0 ? end : p;
		return sb.toString();
	}

	private static int u16(byte[] m, int p) {
		return ((m[p] & 0xff) << 8) | (m[p + 1] & 0xff);
	}

	private static int u16checked(byte[] m, int p) {
		if (p + 2 > m.length) {
			throw malformed("cut off inside a record");
		}
		return u16(m, p);
	}

	private static void put16(byte[] m, int p, int v) {
		m[p] = (byte) (v >> 8);
		m[p + 1] = (byte) v;
	}

	private static DnsException malformed(String why) {
		return new DnsException("malformed DNS answer: " + why, -1);
	}
}
