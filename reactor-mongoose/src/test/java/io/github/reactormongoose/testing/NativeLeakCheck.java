/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.internal.jni.NativeConstants;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves Mongoose managers or native allocations behind. The
 * process-wide {@link MongooseLoops#shared()} group is disposed first (like Reactor Netty's
 * tests reset {@code HttpResources}); a later class starts a new one. Disposal is asynchronous,
 * so it waits up to 5 s for the counters to reach zero. Shipped in the
 * reactor-mongoose test-jar; other modules enable it with JUnit's extension autodetection
 * ({@code junit.jupiter.extensions.autodetection.enabled=true}).
 */
public final class NativeLeakCheck implements AfterAllCallback {

	@Override
	public void afterAll(ExtensionContext context) throws Exception {
		MongooseLoops.disposeShared(Duration.ofSeconds(2));
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while ((NativeConstants.liveLoops() != 0 || NativeConstants.liveAllocations() != 0
				|| NativeConstants.liveBytes() != 0) && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		long loops = NativeConstants.liveLoops();
		long allocations = NativeConstants.liveAllocations();
		long bytes = NativeConstants.liveBytes();
		if (loops != 0 || allocations != 0 || bytes != 0) {
			throw new AssertionError(context.getDisplayName() + " left " + loops + " Mongoose manager(s), "
					+ allocations + " native allocation(s) of the glue and " + bytes
					+ " native bytes behind: dispose every loop and server it starts");
		}
	}
}
