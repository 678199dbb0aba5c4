/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.logging;

/**
 * The level at which a wiretap logs (Netty's {@code LogLevel}). The lines are written only
 * when the wiretap's logger has this level enabled; the bytes are recorded by the native
 * side either way once a wiretap is configured.
 */
public enum LogLevel {
	TRACE,
	DEBUG,
	INFO,
	WARN,
	ERROR
}
