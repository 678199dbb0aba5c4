/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.logging;

/**
 * How a wiretap writes the bytes of each read and write, as Reactor Netty's
 * {@code AdvancedByteBufFormat} (the name is kept for porting; the bytes are those of the
 * socket, not of a {@code ByteBuf}).
 */
public enum AdvancedByteBufFormat {

	/** The event and the byte count only: {@code READ: 78B}. */
	SIMPLE,

	/** The event, the byte count, and a hex dump of the bytes with their ASCII beside (the default). */
	HEX_DUMP,

	/** The event, the byte count, and the bytes decoded as text (UTF-8 unless given). */
	TEXTUAL
}
