/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.jni;

/**
 * Natives of UDP connections (peer of {@code rmg_udp.c}); poll thread only. Addresses are
 * raw IP bytes (4 or 16) and a port. Negative results are error codes for
 * {@link Errors#toException(long, String)}.
 */
public final class UdpNative {

	static {
		NativeConstants.ensureLoaded();
	}

	private UdpNative() {
	}

	/**
	 * Opens a datagram socket bound to {@code localIp:localPort} ({@code localIp} null: the
	 * wildcard of the remote's family, or IPv4), connected to {@code remoteIp:remotePort} when
	 * {@code remoteIp} is given. Buffer sizes of 0 keep the kernel's defaults. With
	 * {@code sntp}, received datagrams are parsed as SNTP answers instead of being recorded.
	 * @return the connection's id or an error code
	 */
	public static native long open(long loop, byte[] localIp, int localPort, byte[] remoteIp, int remotePort,
			int receiveBuffer, int sendBuffer, boolean sntp);

	/**
	 * Sends {@code data[offset, offset + length)} as one datagram to {@code ip:port}, or to the
	 * connected peer when {@code ip} is null.
	 * @return 0 or an error code ({@code -(ERR_ERRNO_BASE + EAGAIN)} when the socket's send buffer is full)
	 */
	public static native long sendArray(long loop, long id, byte[] ip, int port, byte[] data, int offset, int length);

	/**
	 * Fills {@code out[0]} with the datagrams the kernel dropped on this socket (receive
	 * buffer full; -1 when unknown) and {@code out[1]} with those the glue could not record.
	 * @return 0 or an error code
	 */
	public static native int drops(long loop, long id, long[] out);
}
