/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.MongooseLoops;

import static org.assertj.core.api.Assertions.assertThat;

/** The poll threads tests look for (those of the shared group, and ending ones), and what a loop holds. */
public final class LoopThreads {

	private LoopThreads() {
	}

	/** The thread names of {@link MongooseLoops#shared()}: {@code mongoose-0} .. {@code mongoose-<n-1>}. */
	public static Set<String> sharedLoopNames() {
		Set<String> names = new TreeSet<>();
		for (int i = 0; i < MongooseLoops.defaultSize(); i++) {
			names.add("mongoose-" + i);
		}
		return names;
	}

	/** Whether a live thread's name starts with {@code prefix}. */
	public static boolean alive(String prefix) {
		return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith(prefix) && t.isAlive());
	}

	/**
	 * Waits up to 5 s until no live thread's name starts with {@code prefix} (a poll thread
	 * ends just after signalling its disposal), then asserts it.
	 */
	public static void awaitGone(String prefix) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (alive(prefix) && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(alive(prefix)).as("threads " + prefix + "* alive").isFalse();
	}

	/** Bytes of I/O buffers the loop's connections hold (receive, send, output queue), read on its poll thread. */
	public static long bufferBytes(io.github.reactormongoose.MongooseLoop loop) throws Exception {
		io.github.reactormongoose.internal.loop.EventLoop el = io.github.reactormongoose.internal.loop.LoopAccess.engine(loop);
		java.util.concurrent.CompletableFuture<Long> f = new java.util.concurrent.CompletableFuture<>();
		el.execute(() -> f.complete(el.bufferBytes()));
		return f.get(10, TimeUnit.SECONDS);
	}
}
