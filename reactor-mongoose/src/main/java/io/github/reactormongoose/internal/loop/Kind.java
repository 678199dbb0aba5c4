/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import io.github.reactormongoose.internal.jni.NativeConstants;

/** What the native glue does with a connection's bytes; accepted connections inherit it. */
public enum Kind {
	/** Raw bytes: READ records. */
	TCP(NativeConstants.KIND_TCP),
	/** Mongoose's HTTP parser, our limits, then WebSocket after an upgrade. */
	HTTP(NativeConstants.KIND_HTTP),
	/** Datagrams, read by the glue itself: DATAGRAM records (SNTP answers on an SNTP socket). */
	UDP(NativeConstants.KIND_UDP);

	final int code;

	Kind(int code) {
		this.code = code;
	}
}
