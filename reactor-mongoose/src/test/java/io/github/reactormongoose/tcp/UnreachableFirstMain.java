/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tcp;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.MongooseLoops;

/**
 * The child JVM of {@link TcpClientTest#aNameWhoseFirstAddressFailsAtOnceIsReachedOnItsNext}, started
 * with a hosts file in which {@code unreachable-first.test} is 224.0.0.1 (a multicast address:
 * connect(2) fails at once with ENETUNREACH), then 127.0.0.1: connects to a JDK listener there
 * through the name and prints the address it reached, or the error.
 */
public final class UnreachableFirstMain {

	private UnreachableFirstMain() {
	}

	public static void main(String[] args) throws Exception {
		try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			Connection c = TcpClient.create().host("unreachable-first.test").port(listener.getLocalPort())
					.connectNow(Duration.ofSeconds(10));
			System.out.println("connected to " + c.remoteAddress().getAddress().getHostAddress());
			c.disposeNow(Duration.ofSeconds(5));
		}
		catch (RuntimeException e) {
			System.out.println("failed: " + e);
		}
		finally {
			MongooseLoops.disposeShared(Duration.ofSeconds(5));
		}
	}
}
