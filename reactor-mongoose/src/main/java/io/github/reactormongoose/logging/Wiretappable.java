/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.logging;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * A server or client whose connections can log their bytes, with Reactor Netty's
 * {@code wiretap} methods: {@code HttpServer}, {@code HttpClient}, {@code TcpServer},
 * {@code TcpClient}, {@code UdpServer}, {@code UdpClient}, {@code MqttClient} and
 * {@code MqttServer}. Each method returns a new instance; the last call wins.
 * <p>
 * A tapped connection logs a line when it opens ({@code ACTIVE}, with its id and addresses),
 * one per socket read ({@code READ: 78B}) and per write the socket took ({@code WRITE: 52B}),
 * with the bytes in the chosen format, and one when it is gone ({@code INACTIVE}), in the
 * shape of Netty's {@code LoggingHandler}, on the poll thread. The bytes are the socket's:
 * request heads as sent, chunk sizes, WebSocket frames, answers the server makes itself; on
 * TLS, before encryption. For debugging: every byte is copied and formatted, and the bytes are
 * recorded while a wiretap is configured even if its level is disabled. See
 * {@code docs/observability.md}.
 * @param <T> the configuration type
 */
public interface Wiretappable<T> {

	/**
	 * With {@code true}, logs to the logger named after the class ({@code
	 * io.github.reactormongoose.http.server.HttpServer}...), at DEBUG, as hex dumps (Reactor
	 * Netty's defaults); {@code false} turns the wiretap off.
	 */
	T wiretap(boolean enable);

	/** Logs to the logger {@code category}, at DEBUG, as hex dumps. */
	default T wiretap(String category) {
		return wiretap(category, LogLevel.DEBUG);
	}

	/** Logs to the logger {@code category}, at {@code level}, as hex dumps. */
	default T wiretap(String category, LogLevel level) {
		return wiretap(category, level, AdvancedByteBufFormat.HEX_DUMP);
	}

	/** Logs to the logger {@code category}, at {@code level}, in {@code format} (text as UTF-8). */
	default T wiretap(String category, LogLevel level, AdvancedByteBufFormat format) {
		return wiretap(category, level, format, StandardCharsets.UTF_8);
	}

	/**
	 * Logs to the logger {@code category}, at {@code level}, in {@code format};
	 * {@link AdvancedByteBufFormat#TEXTUAL} decodes the bytes with {@code charset}.
	 * @throws IllegalArgumentException if {@code category} is blank
	 */
	T wiretap(String category, LogLevel level, AdvancedByteBufFormat format, Charset charset);
}
