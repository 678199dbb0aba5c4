/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

/**
 * Per-listener limits the native glue enforces (HTTP listeners; ignored for TCP).
 * @param maxBody bytes of request body before 413
 * @param maxHead bytes of request line and headers before 431
 * @param maxWebsocketFrame bytes of one WebSocket message before close 1009
 * @param pipelineLimit bytes buffered while a response is pending before reading pauses
 */
public record ListenLimits(long maxBody, int maxHead, int maxWebsocketFrame, int pipelineLimit) {

	/** For listeners whose kind has no limits. */
	public static final ListenLimits NONE = new ListenLimits(0, 1, 1, 1);
}
