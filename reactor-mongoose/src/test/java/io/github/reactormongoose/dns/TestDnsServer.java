/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.dns;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted DNS responder for tests, on a {@link DatagramSocket} on 127.0.0.1 and a thread of
 * its own. Each question (name, type) is answered by the {@link Script} registered for the
 * name; unknown names get NXDOMAIN. Also usable by other tests (an HTTP client resolving names).
 */
public final class TestDnsServer implements AutoCloseable {

	/** What the responder sends back for one query; returns the datagrams to send (none: stay silent). */
	@FunctionalInterface
	public interface Script {
		List<byte[]> answer(Query q);
	}

	/** A received query. */
	public record Query(int id, String name, int type, byte[] raw) {
	}

	public static final int A = 1;
	public static final int CNAME = 5;
	public static final int AAAA = 28;

	private final DatagramSocket socket;
	private final Thread thread;
	private final Map<String, Script> scripts = new ConcurrentHashMap<>();
	private final List<Query> queries = new CopyOnWriteArrayList<>();
	private final AtomicInteger received = new AtomicInteger();

	public TestDnsServer() throws SocketException {
		socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
		thread = new Thread(this::serve, "test-dns-server");
		thread.setDaemon(true);
		thread.start();
	}

	public InetSocketAddress address() {
		return (InetSocketAddress) socket.getLocalSocketAddress();
	}

	/** Answers queries for {@code name} (lower case) with {@code script}. */
	public TestDnsServer on(String name, Script script) {
		scripts.put(name, script);
		return this;
	}

	/** Queries received so far. */
	public List<Query> queries() {
		return queries;
	}

	public int count(String name) {
		return (int) queries.stream().filter(q -> q.name().equals(name)).count();
	}

	private void serve() {
		byte[] buf = new byte[1500];
		while (!socket.isClosed()) {
			DatagramPacket p = new DatagramPacket(buf, buf.length);
			try {
				socket.receive(p);
				received.incrementAndGet();
				byte[] raw = java.util.Arrays.copyOf(p.getData(), p.getLength());
				Query q = parseQuery(raw);
				queries.add(q);
				Script s = scripts.getOrDefault(q.name(), x -> List.of(response(x, 3, false)));
				for (byte[] out : s.answer(q)) {
					socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
				}
			}
			catch (Exception e) {
				if (socket.isClosed()) {
					return;
				}
			}
		}
	}

	private static Query parseQuery(byte[] m) {
		int id = ((m[0] & 0xff) << 8) | (m[1] & 0xff);
		StringBuilder sb = new StringBuilder();
		int p = 12;
		while (m[p] != 0) {
			int len = m[p];
			if (sb.length() > 0) {
				sb.append('.');
			}
			sb.append(new String(m, p + 1, len, StandardCharsets.US_ASCII));
			p += len + 1;
		}
		int type = ((m[p + 1] & 0xff) << 8) | (m[p + 2] & 0xff);
		return new Query(id, sb.toString().toLowerCase(java.util.Locale.ROOT), type, m);
	}

	// ---- building answers ----

	/** A response that copies the query's header and question, with {@code rcode}, and the given records. */
	public static byte[] response(Query q, int rcode, boolean truncated, byte[]... records) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		int qEnd = 12;
		while (q.raw()[qEnd] != 0) {
			qEnd += (q.raw()[qEnd] & 0xff) + 1;
		}
		qEnd += 5;
		out.write(q.raw(), 0, qEnd);
		byte[] m = out.toByteArray();
		m[2] = (byte) (0x81 | (truncated ? 0x02 : 0)); // QR, RD (and TC)
		m[3] = (byte) (0x80 | rcode); // RA
		m[6] = (byte) (records.length >> 8);
		m[7] = (byte) records.length;
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		all.writeBytes(m);
		for (byte[] r : records) {
			all.writeBytes(r);
		}
		return all.toByteArray();
	}

	/**
	 * A response without answers, with {@code authority} records (an {@link #soa} for a negative
	 * answer, RFC 2308).
	 */
	public static byte[] negative(Query q, int rcode, byte[]... authority) {
		byte[] m = response(q, rcode, false);
		m[8] = (byte) (authority.length >> 8);
		m[9] = (byte) authority.length;
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		all.writeBytes(m);
		for (byte[] r : authority) {
			all.writeBytes(r);
		}
		return all.toByteArray();
	}

	/** An SOA record owned by the question's name, with TTL {@code ttl} and MINIMUM {@code minimum} (seconds). */
	public static byte[] soa(int ttl, int minimum) {
		ByteArrayOutputStream rdata = new ByteArrayOutputStream();
		rdata.writeBytes(name("ns.test"));
		rdata.writeBytes(name("admin.test"));
		for (int v : new int[] {1, 3600, 600, 86400, minimum}) { // SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM
			rdata.writeBytes(new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v});
		}
		return record(new byte[] {(byte) 0xc0, 12}, 6, rdata.toByteArray(), ttl);
	}

	/** A record owned by the question's name (a compression pointer to offset 12), TTL 60 s. */
	public static byte[] record(int type, byte[] rdata) {
		return record(new byte[] {(byte) 0xc0, 12}, type, rdata);
	}

	/** A record owned by the question's name, with TTL {@code ttl} (seconds). */
	public static byte[] record(int type, byte[] rdata, int ttl) {
		return record(new byte[] {(byte) 0xc0, 12}, type, rdata, ttl);
	}

	/** A record owned by {@code owner} (wire form), TTL 60 s. */
	public static byte[] record(byte[] owner, int type, byte[] rdata) {
		return record(owner, type, rdata, 60);
	}

	/** A record owned by {@code owner} (wire form), with TTL {@code ttl} (seconds). */
	public static byte[] record(byte[] owner, int type, byte[] rdata, int ttl) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.writeBytes(owner);
		out.write(type >> 8);
		out.write(type);
		out.write(0);
		out.write(1); // IN
		out.writeBytes(new byte[] {(byte) (ttl >> 24), (byte) (ttl >> 16), (byte) (ttl >> 8), (byte) ttl});
		out.write(rdata.length >> 8);
		out.write(rdata.length);
		out.writeBytes(rdata);
		return out.toByteArray();
	}

	/** The wire form of a name. */
	public static byte[] name(String name) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (String label : name.split("\\.")) {
			out.write(label.length());
			out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
		}
		out.write(0);
		return out.toByteArray();
	}

	public static byte[] ip(String literal) {
		try {
			return InetAddress.getByName(literal).getAddress();
		}
		catch (Exception e) {
			throw new IllegalArgumentException(e);
		}
	}

	/** A script answering A with {@code v4} and AAAA with {@code v6} (either may be null: no record). */
	public static Script addresses(String v4, String v6) {
		return q -> {
			if (q.type() == A) {
				return List.of(v4 == null ? response(q, 0, false) : response(q, 0, false, record(A, ip(v4))));
			}
			return List.of(v6 == null ? response(q, 0, false) : response(q, 0, false, record(AAAA, ip(v6))));
		};
	}

	@Override
	public void close() throws InterruptedException {
		socket.close();
		thread.join(5000);
	}
}
