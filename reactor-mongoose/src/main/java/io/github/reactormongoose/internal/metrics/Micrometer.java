/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.metrics;

/** Whether Micrometer, an optional dependency, is on the class path. */
final class Micrometer {

	private Micrometer() {
	}

	/** @throws IllegalStateException naming the missing dependency, for {@code metrics(true)} */
	static void require() {
		try {
			Class.forName("io.micrometer.core.instrument.Metrics", false, Micrometer.class.getClassLoader());
		}
		catch (ClassNotFoundException | LinkageError e) {
			throw new IllegalStateException(
					"metrics(true) needs Micrometer (io.micrometer:micrometer-core) on the class path", e);
		}
	}
}
