/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh {@link SimpleMeterRegistry} in Micrometer's global registry (where metered servers
 * and clients record) for each test, removed after it:
 * {@code @RegisterExtension final GlobalMeters meters = new GlobalMeters();}. The global
 * registry keeps the meters of earlier tests and adds them to each new registry, so assertions
 * should select by a tag of their own (the server's address).
 */
public final class GlobalMeters implements BeforeEachCallback, AfterEachCallback {

	private SimpleMeterRegistry registry;

	@Override
	public void beforeEach(ExtensionContext context) {
		registry = new SimpleMeterRegistry();
		Metrics.addRegistry(registry);
	}

	@Override
	public void afterEach(ExtensionContext context) {
		Metrics.removeRegistry(registry);
		registry.close();
	}

	/** The registry of the running test. */
	public SimpleMeterRegistry registry() {
		return registry;
	}
}
