/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
/**
 * TLS for servers and clients with Mongoose's built-in TLS 1.3 stack: {@link TlsSpec}
 * declares certificates, keys, trust and client authentication; {@code secure(TlsSpec)} on
 * {@code HttpServer}, {@code TcpServer} and {@code TcpClient} applies it. What the stack
 * supports, and what is refused at configuration time, is in {@code docs/tls.md}.
 */
@NullMarked
package io.github.reactormongoose.tls;

import org.jspecify.annotations.NullMarked;
