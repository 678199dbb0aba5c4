/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tls;

import java.util.Objects;
import java.util.function.Function;

import io.github.reactormongoose.internal.loop.BoundServer;
import io.github.reactormongoose.internal.loop.TlsContext;
import io.github.reactormongoose.tls.TlsSpec;
import org.jspecify.annotations.Nullable;

/**
 * The {@link TlsConfig} of a public {@link TlsSpec}, for this library's own packages (the
 * JDK's "shared secrets" idiom, as {@code LoopAccess}): {@code TlsSpec} installs the accessor
 * when its class initialises, so no public method returns an internal type.
 */
public final class TlsAccess {

	private static volatile @Nullable Function<TlsSpec, TlsConfig> accessor;

	private TlsAccess() {
	}

	public static void install(Function<TlsSpec, TlsConfig> a) {
		accessor = a;
	}

	public static TlsConfig config(TlsSpec spec) {
		Objects.requireNonNull(spec, "spec");
		return Objects.requireNonNull(accessor, "TlsSpec not initialised").apply(spec);
	}

	/** The TLS contexts of a server bound with {@code spec}, and of the specs it is updated to. */
	public static BoundServer.TlsContexts serverContexts(TlsSpec spec) {
		return new BoundServer.TlsContexts() {
			@Override
			public TlsContext bind() {
				return config(spec).serverContext();
			}

			@Override
			public TlsContext update(TlsSpec next) {
				TlsConfig c = config(next);
				if (!c.server()) {
					throw new IllegalArgumentException("updateTls needs a server spec (TlsSpec.forServer)");
				}
				return c.serverContext();
			}
		};
	}
}
