/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;

/**
 * The reason phrase of the status line: a status the native table lacked (418, 507, an
 * unregistered 499) went out as {@code Status}, which Chromium's console showed as
 * "(Status)". Now the IANA registry's phrase, else the class's as Netty gives.
 */
class ReasonPhraseTest extends BaseHttpTest {

	@Test
	void everyStatusHasTheRegistrysPhraseOrItsClasss() throws Exception {
		DisposableServer server = bind(HttpServer.create()
				.route(r -> r.get("/s/{code}", (req, res) -> res.status(Integer.parseInt(req.param("code"))).send())));
		Map<Integer, String> expected = Map.ofEntries(Map.entry(404, "Not Found"), Map.entry(418, "I'm a teapot"),
				Map.entry(422, "Unprocessable Content"), Map.entry(423, "Locked"), Map.entry(407,
						"Proxy Authentication Required"),
				Map.entry(207, "Multi-Status"), Map.entry(226, "IM Used"), Map.entry(507, "Insufficient Storage"),
				Map.entry(508, "Loop Detected"), Map.entry(511, "Network Authentication Required"),
				Map.entry(299, "Success"), Map.entry(399, "Redirection"), Map.entry(499, "Client Error"),
				Map.entry(599, "Server Error"), Map.entry(600, "Unknown Status"), Map.entry(999, "Unknown Status"));
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (Map.Entry<Integer, String> e : expected.entrySet()) {
				c.write(RawHttp.get("/s/" + e.getKey()));
				RawHttp.Response r = c.read();
				assertThat(r.status()).isEqualTo(e.getKey());
				assertThat(r.reason()).as("the phrase of %d", e.getKey()).isEqualTo(e.getValue());
			}
		}
	}
}
