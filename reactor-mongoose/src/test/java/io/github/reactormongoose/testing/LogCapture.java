/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Captures what one Reactor logger writes (its formatted INFO, WARN and ERROR lines; with
 * {@link #allLevels} TRACE and DEBUG too) while a test runs; {@link #close()} restores
 * Reactor's default logger factory.
 */
public final class LogCapture implements AutoCloseable {

	private final List<String> lines = new CopyOnWriteArrayList<>();
	private final List<String> levels = new CopyOnWriteArrayList<>();
	private final boolean all;

	private LogCapture(String name, boolean all) {
		this.all = all;
		Loggers.useCustomLoggers(n -> recorder(n, n.equals(name)));
	}

	/** Starts capturing the logger {@code name}. */
	public static LogCapture of(String name) {
		return new LogCapture(name, false);
	}

	/** Starts capturing every line of the logger {@code name}, DEBUG and TRACE included. */
	public static LogCapture allLevels(String name) {
		return new LogCapture(name, true);
	}

	public List<String> lines() {
		return lines;
	}

	/** The level of each line ({@code "debug"}, {@code "info"}...), in the order of {@link #lines()}. */
	public List<String> levels() {
		return levels;
	}

	@Override
	public void close() {
		Loggers.resetLoggerFactory();
	}

	/** Records the lines of the captured logger; other loggers made meanwhile print to stderr. */
	private Logger recorder(String name, boolean captured) {
		return (Logger) java.lang.reflect.Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
				(proxy, method, args) -> {
					String m = method.getName();
					if (m.equals("getName")) {
						return name;
					}
					if (m.startsWith("is") && m.endsWith("Enabled")) {
						return captured || !(m.contains("Debug") || m.contains("Trace"));
					}
					boolean low = m.equals("debug") || m.equals("trace");
					if ((m.equals("info") || m.equals("warn") || m.equals("error") || (low && all && captured))
							&& args != null && args.length > 0 && args[0] instanceof String format) {
						Object[] params = args.length > 1 && args[1] instanceof Object[] a ? a
								: java.util.Arrays.copyOfRange(args, 1, args.length);
						String line = format;
						for (Object p : params) {
							line = line.replaceFirst("\\{\\}", java.util.regex.Matcher.quoteReplacement(String.valueOf(p)));
						}
						if (captured) {
							lines.add(line);
							levels.add(m);
						}
						else {
							System.err.println("[" + m + "] " + name + ": " + line);
						}
					}
					return null;
				});
	}
}
