/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The applications of this repository use only the exported API. The library's
 * {@code module-info} hides {@code io.github.reactormongoose.internal} from modular code; these
 * modules run on the class path (as Spring Boot applications do), where nothing would stop
 * them, so their sources are checked here: no class of the Spring module, the examples or the
 * benchmarks names an internal package.
 */
class ApiBoundaryTest {

	private static final String INTERNAL = "io.github.reactormongoose.internal";

	/** Main source trees of the modules that must stay on the public API, from this module. */
	private static final String[] TREES = {
		"src/main/java",
		"spring-boot-webflux/src/main/java",
		"../reactor-mongoose-spring/src/main/java",
		"../benchmarks/src/main/java",
	};

	@Test
	void noApplicationCodeUsesAnInternalPackage() {
		List<String> offenders = new ArrayList<>();
		int files = 0;
		for (String tree : TREES) {
			Path root = Paths.get(tree);
			assertThat(root).as("source tree %s (run from the examples module)", root.toAbsolutePath()).isDirectory();
			for (Path f : javaFiles(root)) {
				files++;
				List<String> lines = read(f);
				for (int i = 0; i < lines.size(); i++) {
					if (lines.get(i).contains(INTERNAL)) {
						offenders.add(f + ":" + (i + 1) + ": " + lines.get(i).trim());
					}
				}
			}
		}
		assertThat(files).as("Java files checked").isGreaterThan(20);
		assertThat(offenders).as("references to %s outside the library", INTERNAL).isEmpty();
	}

	private static List<Path> javaFiles(Path root) {
		try (Stream<Path> s = Files.walk(root)) {
			return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static List<String> read(Path f) {
		try {
			return Files.readAllLines(f);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
