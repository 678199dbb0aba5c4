/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Map;

import io.github.reactormongoose.testing.NativeLeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Route path patterns, without a server. */
@ExtendWith(NativeLeakCheck.class)
class PathPatternTest {

	@Test
	void literalMatchesOnlyItself() {
		PathPattern p = PathPattern.compile("/hello/world");
		assertThat(p.match("/hello/world")).isEmpty();
		assertThat(p.match("/hello")).isNull();
		assertThat(p.match("/hello/world/x")).isNull();
		assertThat(p.match("/hello/worlds")).isNull();
		assertThat(p.match("/Hello/world")).as("case-sensitive").isNull();
	}

	@Test
	void variablesCaptureOneSegmentEach() {
		PathPattern p = PathPattern.compile("/users/{id}/posts/{post}");
		assertThat(p.match("/users/42/posts/7")).containsExactly(Map.entry("id", "42"), Map.entry("post", "7"));
		assertThat(p.match("/users/42/posts")).isNull();
		assertThat(p.match("/users/42/comments/7")).isNull();
		assertThat(p.match("/users/a b/posts/%")).as("decoded segments are taken as they are")
				.containsEntry("id", "a b").containsEntry("post", "%");
	}

	@Test
	void doubleStarSuffixMatchesThePrefixAndAnythingBelow() {
		PathPattern p = PathPattern.compile("/static/**");
		assertThat(p.match("/static")).isEmpty();
		assertThat(p.match("/static/")).isEmpty();
		assertThat(p.match("/static/a")).isEmpty();
		assertThat(p.match("/static/a/b/c.css")).isEmpty();
		assertThat(p.match("/statics/a")).isNull();
		assertThat(p.match("/")).isNull();
		assertThat(PathPattern.compile("/files/{dir}/**").match("/files/img/a/b"))
				.containsExactly(Map.entry("dir", "img"));
		assertThat(PathPattern.compile("/**").match("/anything/at/all")).isEmpty();
		assertThat(PathPattern.compile("/**").match("/")).isEmpty();
	}

	@Test
	void trailingSlashMatters() {
		assertThat(PathPattern.compile("/hello").match("/hello/")).isNull();
		assertThat(PathPattern.compile("/users/{id}").match("/users/1/")).isNull();
		assertThat(PathPattern.compile("/hello/").match("/hello")).as("segments are compared, not slashes")
				.isEmpty();
	}

	@Test
	void rootMatchesOnlyTheRoot() {
		PathPattern root = PathPattern.compile("/");
		assertThat(root.match("/")).isEmpty();
		assertThat(root.match("/a")).isNull();
		assertThat(PathPattern.compile("/a").match("/")).isNull();
	}

	@Test
	void noMatchGivesNull() {
		assertThat(PathPattern.compile("/a/{b}").match("/x/y")).isNull();
		assertThat(PathPattern.compile("/a/b").match("")).isNull();
	}

	@Test
	void patternMustStartWithASlash() {
		assertThatIllegalArgumentException().isThrownBy(() -> PathPattern.compile("hello"))
				.withMessageContaining("must start with '/'");
		assertThat(PathPattern.compile("/users/{id}")).hasToString("/users/{id}");
	}
}
