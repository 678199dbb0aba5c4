/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Redirect targets resolved by RFC 3986: its own examples (5.4.1 and 5.4.2), fragments dropped. */
class LocationsTest {

	private static final URI BASE = URI.create("http://a/b/c/d;p?q");

	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource(delimiter = '|', value = {
		// 5.4.1 normal examples
		"g:h|g:h", "g|http://a/b/c/g", "./g|http://a/b/c/g", "g/|http://a/b/c/g/", "/g|http://a/g",
		"//g|http://g", "?y|http://a/b/c/d;p?y", "g?y|http://a/b/c/g?y", "#s|http://a/b/c/d;p?q",
		"g#s|http://a/b/c/g", "g?y#s|http://a/b/c/g?y", ";x|http://a/b/c/;x", "g;x|http://a/b/c/g;x",
		"g;x?y#s|http://a/b/c/g;x?y", "''|http://a/b/c/d;p?q", ".|http://a/b/c/", "./|http://a/b/c/",
		"..|http://a/b/", "../|http://a/b/", "../g|http://a/b/g", "../..|http://a/", "../../|http://a/",
		"../../g|http://a/g",
		// 5.4.2 abnormal examples
		"../../../g|http://a/g", "../../../../g|http://a/g", "/./g|http://a/g", "/../g|http://a/g",
		"g.|http://a/b/c/g.", ".g|http://a/b/c/.g", "g..|http://a/b/c/g..", "..g|http://a/b/c/..g",
		"./../g|http://a/b/g", "./g/.|http://a/b/c/g/", "g/./h|http://a/b/c/g/h", "g/../h|http://a/b/c/h",
		"g;x=1/./y|http://a/b/c/g;x=1/y", "g;x=1/../y|http://a/b/c/y", "g?y/./x|http://a/b/c/g?y/./x",
		"g?y/../x|http://a/b/c/g?y/../x", "g#s/./x|http://a/b/c/g", "g#s/../x|http://a/b/c/g",
		// the scheme of the reference wins, its path cleaned; percent-encoding kept as sent
		"https://h:8443/x/../y?z|https://h:8443/y?z", "/p%20q/r?s=%2F|http://a/p%20q/r?s=%2F"})
	void resolvesAsRfc3986Says(String reference, String target) {
		assertThat(Locations.resolve(BASE, reference)).hasToString(target);
	}

	@Test
	void aBaseWithoutAPathMergesUnderTheRoot() {
		assertThat(Locations.resolve(URI.create("http://h:8080"), "next?x=1")).hasToString("http://h:8080/next?x=1");
		assertThat(Locations.resolve(URI.create("http://h:8080"), "?x=1")).hasToString("http://h:8080?x=1");
	}

	@Test
	void aReferenceThatIsNoUriIsRefused() {
		assertThatThrownBy(() -> Locations.resolve(BASE, "/a b")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> Locations.resolve(BASE, "http://[::1")).isInstanceOf(IllegalArgumentException.class);
	}
}
