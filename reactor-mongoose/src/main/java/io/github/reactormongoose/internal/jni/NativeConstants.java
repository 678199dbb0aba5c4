/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.jni;

/**
 * Constants and counters read from the native library (peer of {@code rmg_constants.c}).
 * <p>
 * Loading this class loads the library; its {@code JNI_OnLoad} registers the natives of
 * every peer. Values are read by name from C at class initialisation, never copied by hand.
 * Internal API: not for applications.
 */
public final class NativeConstants {

	static {
		NativeLibraryLoader.load();
	}

	// event records (layout owned by rmg_records.h; decoded only by EventRecords)
	static final int RECORD_HEADER = (int) constant("RMG_RECORD_HEADER");
	static final int RECORD_ALIGN = (int) constant("RMG_RECORD_ALIGN");
	static final int REC_TYPE = (int) constant("RMG_REC_TYPE");
	static final int REC_LENGTH = (int) constant("RMG_REC_LENGTH");
	static final int REC_ID = (int) constant("RMG_REC_ID");
	static final int REC_ARG = (int) constant("RMG_REC_ARG");
	static final int ADDR_SIZE = (int) constant("RMG_ADDR_SIZE");
	static final int ADDR_FAMILY = (int) constant("RMG_ADDR_FAMILY");
	static final int ADDR_PORT = (int) constant("RMG_ADDR_PORT");
	static final int ADDR_IP = (int) constant("RMG_ADDR_IP");
	static final int ADDR_IPV6 = (int) constant("RMG_ADDR_IPV6");
	static final long POLL_LENGTH_MASK = constant("RMG_POLL_LENGTH_MASK");
	static final long POLL_ARENA_MOVED = constant("RMG_POLL_ARENA_MOVED");
	static final long POLL_RECORD_LOST = constant("RMG_POLL_RECORD_LOST");
	public static final int EV_ACCEPT = (int) constant("RMG_EV_ACCEPT");
	public static final int EV_CONNECT = (int) constant("RMG_EV_CONNECT");
	public static final int EV_READ = (int) constant("RMG_EV_READ");
	public static final int EV_WRITABLE = (int) constant("RMG_EV_WRITABLE");
	public static final int EV_CLOSE = (int) constant("RMG_EV_CLOSE");
	public static final int EV_ERROR = (int) constant("RMG_EV_ERROR");
	/** What an {@code EV_ERROR} reports (the low byte of its arg; the socket's errno above it). */
	public static final int ERROR_SOCKET = (int) constant("RMG_ERROR_SOCKET");
	public static final int ERROR_WRITE_TIMEOUT = (int) constant("RMG_ERROR_WRITE_TIMEOUT");
	public static final int ERROR_TLS = (int) constant("RMG_ERROR_TLS");
	public static final int ERROR_FILE_CUT = (int) constant("RMG_ERROR_FILE_CUT");
	public static final int EV_HTTP_MSG = (int) constant("RMG_EV_HTTP_MSG");
	public static final int EV_WS_MSG = (int) constant("RMG_EV_WS_MSG");
	public static final int EV_WS_CTL = (int) constant("RMG_EV_WS_CTL");
	public static final int EV_REJECTED = (int) constant("RMG_EV_REJECTED");
	public static final int EV_DRAINED = (int) constant("RMG_EV_DRAINED");
	public static final int EV_WIRE = (int) constant("RMG_EV_WIRE");
	public static final int EV_READ_END = (int) constant("RMG_EV_READ_END");
	public static final int EV_WRITE_END = (int) constant("RMG_EV_WRITE_END");
	public static final int WIRE_WRITTEN = (int) constant("RMG_WIRE_WRITTEN");
	public static final int EV_DATAGRAM = (int) constant("RMG_EV_DATAGRAM");
	public static final int EV_UDP_ERROR = (int) constant("RMG_EV_UDP_ERROR");
	public static final int EV_SNTP_TIME = (int) constant("RMG_EV_SNTP_TIME");
	public static final int EV_SNTP_BAD = (int) constant("RMG_EV_SNTP_BAD");
	public static final int KIND_UDP = (int) constant("RMG_KIND_UDP");
	/** PROXY protocol modes of a listener (LoopNative.proxyProtocol). */
	public static final int PROXY_ON = (int) constant("RMG_PROXY_ON");
	public static final int PROXY_AUTO = (int) constant("RMG_PROXY_AUTO");

	/** Flags of a WebSocket upgrade (WsNative.upgrade): compressed messages, PINGs left to the application. */
	public static final int WS_F_DEFLATE = (int) constant("RMG_WS_F_DEFLATE");
	public static final int WS_F_OWN_PING = (int) constant("RMG_WS_F_OWN_PING");
	public static final int EAGAIN = (int) constant("EAGAIN");
	public static final int ENOBUFS = (int) constant("ENOBUFS");
	public static final int EMSGSIZE = (int) constant("EMSGSIZE");
	public static final int EV_TLS_PEER = (int) constant("RMG_EV_TLS_PEER");
	public static final int EV_TLS_DONE = (int) constant("RMG_EV_TLS_DONE");
	public static final long HTTP_STREAMED = constant("RMG_HTTP_STREAMED");
	public static final long HTTP_EMPTY_QUERY = constant("RMG_HTTP_EMPTY_QUERY");
	public static final int EV_HTTP_BODY = (int) constant("RMG_EV_HTTP_BODY");
	public static final int EV_HTTP_END = (int) constant("RMG_EV_HTTP_END");
	public static final int EV_HTTP_BODY_STAGED = (int) constant("RMG_EV_HTTP_BODY_STAGED");
	public static final int LISTEN_EXCLUSIVE = (int) constant("RMG_LISTEN_EXCLUSIVE");
	public static final int LISTEN_SHARE_FIRST = (int) constant("RMG_LISTEN_SHARE_FIRST");
	public static final int LISTEN_SHARE_JOIN = (int) constant("RMG_LISTEN_SHARE_JOIN");
	public static final int KIND_TCP = (int) constant("RMG_KIND_TCP");
	public static final int KIND_HTTP = (int) constant("RMG_KIND_HTTP");
	public static final int OP_CLOSE = (int) constant("RMG_OP_CLOSE");
	public static final int OP_DRAIN = (int) constant("RMG_OP_DRAIN");
	public static final int OP_PAUSE = (int) constant("RMG_OP_PAUSE");
	public static final int OP_RESUME = (int) constant("RMG_OP_RESUME");
	public static final int OP_NOTIFY_WRITABLE = (int) constant("RMG_OP_NOTIFY_WRITABLE");
	public static final int OP_HTTP_END = (int) constant("RMG_OP_HTTP_END");
	public static final int OP_MORE = (int) constant("RMG_OP_MORE");
	public static final int OP_CORK = (int) constant("RMG_OP_CORK");
	public static final int OP_UNCORK = (int) constant("RMG_OP_UNCORK");
	public static final int OP_WIRETAP = (int) constant("RMG_OP_WIRETAP");
	public static final int OP_INTERIM = (int) constant("RMG_OP_INTERIM");
	public static final int OP_CLOSE_IDLE = (int) constant("RMG_OP_CLOSE_IDLE");
	public static final int OP_HALF_CLOSE = (int) constant("RMG_OP_HALF_CLOSE");
	public static final int OP_SHUT_WR = (int) constant("RMG_OP_SHUT_WR");
	/** A TLS server sends a fatal alert (its description shifted by {@code OP_ALERT_SHIFT}), then closes after a linger. */
	public static final int OP_TLS_ALERT = (int) constant("RMG_OP_TLS_ALERT");
	public static final int OP_ALERT_SHIFT = (int) constant("RMG_OP_ALERT_SHIFT");
	public static final long ERR_NO_CONN = constant("RMG_ERR_NO_CONN");
	public static final long ERR_OOM = constant("RMG_ERR_OOM");
	public static final long ERR_BAD_ARG = constant("RMG_ERR_BAD_ARG");
	public static final long ERR_LISTEN = constant("RMG_ERR_LISTEN");
	public static final long ERR_CONNECT = constant("RMG_ERR_CONNECT");
	public static final long ERR_CLOSING = constant("RMG_ERR_CLOSING");
	/** A write after {@code OP_SHUT_WR}. */
	public static final long ERR_OUTPUT_SHUT = constant("RMG_ERR_OUTPUT_SHUT");
	/** {@code OP_SHUT_WR} on a connection that is not plain raw TCP (TLS, a listener). */
	public static final long ERR_UNSUPPORTED = constant("RMG_ERR_UNSUPPORTED");
	/** Errno failures are returned as {@code -(ERR_ERRNO_BASE + errno)}. */
	public static final long ERR_ERRNO_BASE = constant("RMG_ERR_ERRNO_BASE");
	public static final int EADDRINUSE = (int) constant("EADDRINUSE");
	public static final int EACCES = (int) constant("EACCES");
	/** The file opened is not the one its response was made from (it changed on the way). */
	public static final int ESTALE = (int) constant("ESTALE");
	public static final int EADDRNOTAVAIL = (int) constant("EADDRNOTAVAIL");
	public static final int ECONNREFUSED = (int) constant("ECONNREFUSED");
	public static final int ECONNRESET = (int) constant("ECONNRESET");
	public static final int WS_OP_CONTINUE = (int) constant("WEBSOCKET_OP_CONTINUE");
	public static final int WS_OP_TEXT = (int) constant("WEBSOCKET_OP_TEXT");
	public static final int WS_OP_BINARY = (int) constant("WEBSOCKET_OP_BINARY");
	public static final int WS_OP_CLOSE = (int) constant("WEBSOCKET_OP_CLOSE");
	public static final int WS_OP_PING = (int) constant("WEBSOCKET_OP_PING");
	public static final int WS_OP_PONG = (int) constant("WEBSOCKET_OP_PONG");
	public static final int MAX_HTTP_HEADERS = (int) constant("MG_MAX_HTTP_HEADERS");
	public static final long MAX_RECV_SIZE = constant("MG_MAX_RECV_SIZE");
	public static final int LL_NONE = (int) constant("MG_LL_NONE");
	public static final int LL_ERROR = (int) constant("MG_LL_ERROR");
	public static final int LL_DEBUG = (int) constant("MG_LL_DEBUG");
	/** Mongoose's {@code MG_VERSION}, from the header the library was compiled against. */
	public static final String MONGOOSE_VERSION = mongooseVersion();

	private static final String[] REASONS = reasons();

	private NativeConstants() {
	}

	private static String[] reasons() {
		String[] r = new String[600];
		for (int i = 100; i < r.length; i++) {
			r[i] = reasonPhrase(i);
		}
		return r;
	}

	/**
	 * The reason phrase of an HTTP status, from the native table: the IANA registry's, else
	 * the class's ({@code "Client Error"} for an unregistered 4xx, as Netty); {@code
	 * "Unknown Status"} for a code outside 100-599.
	 */
	public static String reason(int status) {
		String r = status >= 0 && status < REASONS.length ? REASONS[status] : null;
		return r != null ? r : "Unknown Status";
	}

	/** Forces class initialisation, hence library loading. */
	public static void ensureLoaded() {
	}

	static native long constant(String name);

	static native String mongooseVersion();

	/** Native allocations made by the glue that are not yet freed, over all loops. */
	public static native long liveAllocations();

	/**
	 * Bytes of the native blocks alive in this process, the glue's and Mongoose's (connection
	 * buffers, output queues, TLS state), over all loops.
	 */
	public static native long liveBytes();

	/** Mongoose managers alive in this process. */
	public static native long liveLoops();

	/** The C library's message for {@code errno} ({@code strerror}). */
	public static native String errnoMessage(int errno);

	/** The HTTP reason phrase of {@code status}, or {@code null} when the table has none. */
	public static native String reasonPhrase(int status);

	/**
	 * Which code seals and opens TLS records, decided when the library loads: {@code 0}
	 * Mongoose's own AES-GCM; {@code 1} {@code rmg_gcm.c} with the CPU's AES-NI and PCLMULQDQ
	 * instructions (the CPU has them, the environment variable {@code RMG_SOFT_GCM} is not
	 * {@code 1}, and the code agreed with Mongoose's on a self-test); {@code 2} the same on
	 * 256-bit registers with VAES and VPCLMULQDQ (the CPU has those too, and
	 * {@code RMG_GCM_NO_VAES} is not {@code 1}).
	 */
	public static native int gcmPath();

	/** Sets Mongoose's process-wide log level ({@code MG_LL_*}); logs go to stdout. */
	public static native void logLevel(int level);
}
