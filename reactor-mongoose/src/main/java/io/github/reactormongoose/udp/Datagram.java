/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.udp;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One UDP datagram: its bytes and an address. A received datagram carries its sender; a
 * datagram to send carries its recipient, or no address to go to the peer of a connected
 * {@link UdpClient}. Immutable: the bytes are never modified after construction.
 */
public final class Datagram {

	/** The largest UDP payload over IPv4 (65,535 − 8 bytes of UDP header − 20 of IP header). */
	public static final int MAX_IPV4_PAYLOAD = 65_507;

	private final byte[] data;
	private final @Nullable InetSocketAddress address;

	private Datagram(byte[] data, @Nullable InetSocketAddress address) {
		this.data = data;
		this.address = address;
	}

	/** A datagram with a copy of {@code data}, for {@code address} (null: the connected peer). */
	public static Datagram of(byte[] data, @Nullable InetSocketAddress address) {
		return new Datagram(Objects.requireNonNull(data, "data").clone(), address);
	}

	/** A datagram with a copy of the remaining bytes of {@code data} (its position does not move). */
	public static Datagram of(ByteBuffer data, @Nullable InetSocketAddress address) {
		byte[] copy = new byte[data.remaining()];
		data.duplicate().get(copy);
		return new Datagram(copy, address);
	}

	/** A datagram holding {@code text} in UTF-8. */
	public static Datagram of(String text, @Nullable InetSocketAddress address) {
		return new Datagram(text.getBytes(StandardCharsets.UTF_8), address);
	}

	/**
	 * A datagram over {@code data} itself, without a copy: the caller hands the array over and
	 * must not modify it afterwards.
	 */
	public static Datagram wrap(byte[] data, @Nullable InetSocketAddress address) {
		return new Datagram(Objects.requireNonNull(data, "data"), address);
	}

	/**
	 * The sender of a received datagram, or the recipient of one to send; {@code null} for a
	 * datagram to the connected peer.
	 */
	public @Nullable InetSocketAddress address() {
		return address;
	}

	/** A read-only view of the bytes. */
	public ByteBuffer content() {
		return ByteBuffer.wrap(data).asReadOnlyBuffer();
	}

	/** A copy of the bytes. */
	public byte[] bytes() {
		return data.clone();
	}

	/** The number of bytes (0 for an empty datagram). */
	public int length() {
		return data.length;
	}

	/** The bytes decoded as UTF-8. */
	public String text() {
		return text(StandardCharsets.UTF_8);
	}

	/** The bytes decoded with {@code charset}. */
	public String text(Charset charset) {
		return new String(data, charset);
	}

	/** The array itself, for this library's senders (never modified). */
	byte[] array() {
		return data;
	}

	@Override
	public String toString() {
		return "Datagram[" + data.length + " bytes" + (address != null ? ", " + address : "") + "]";
	}
}
