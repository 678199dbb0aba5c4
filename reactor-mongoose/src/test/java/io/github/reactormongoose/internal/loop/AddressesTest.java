/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Which hosts {@link Addresses#resolve} parses on the calling thread (a poll thread, often):
 * only what the JDK parses without asking a name server.
 */
class AddressesTest {

	@Test
	void ipLiteralsAreParsedOnTheCallingThread() throws Exception {
		for (String literal : new String[] { "127.0.0.1", "0.0.0.0", "255.255.255.255", "[::1]", "::1", "dead:beef::",
				"::ffff:1.2.3.4" }) {
			AtomicReference<String> thread = new AtomicReference<>();
			InetAddress a = Addresses.resolve(literal).doOnNext(x -> thread.set(Thread.currentThread().getName()))
				.block(Duration.ofSeconds(5));
			assertThat(a).as(literal).isEqualTo(InetAddress.getByName(literal.replace("[", "").replace("]", "")));
			assertThat(thread.get()).as(literal).isEqualTo(Thread.currentThread().getName());
		}
	}

	@Test
	void whatOnlyLooksLikeALiteralIsLookedUpOffTheCallingThread() {
		// The JDK sends these to the name server: on a poll thread that would stall the loop.
		for (String host : new String[] { "999.1.1.1", "1.2.3.4.5", "256.0.0.1", "g:h" }) {
			assertThat(Addresses.isLiteral(host)).as(host).isFalse();
			AtomicReference<String> thread = new AtomicReference<>();
			Throwable error = Addresses.resolve(host)
				.doOnError(x -> thread.set(Thread.currentThread().getName()))
				.then(Mono.<Throwable>empty())
				.onErrorResume(Mono::just)
				.block(Duration.ofSeconds(60));
			assertThat(error).as(host).isInstanceOf(UnknownHostException.class);
			assertThat(thread.get()).as(host).startsWith("boundedElastic");
		}
	}

	@Test
	void namesAreLookedUpOffTheCallingThread() {
		AtomicReference<String> thread = new AtomicReference<>();
		InetAddress a = Addresses.resolve("localhost").doOnNext(x -> thread.set(Thread.currentThread().getName()))
			.block(Duration.ofSeconds(30));
		assertThat(a.isLoopbackAddress()).isTrue();
		assertThat(thread.get()).startsWith("boundedElastic");
	}
}
