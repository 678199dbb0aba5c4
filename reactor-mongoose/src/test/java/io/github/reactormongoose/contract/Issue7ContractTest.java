/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Issue 7 ("Engine in layers"): "JSpecify {@code @NullMarked} is on every package", of the
 * library and of the Spring module. {@code internal.io} and the Spring module's five packages
 * had none, so Kotlin and NullAway saw their types as of unknown nullness.
 */
class Issue7ContractTest {

	@Test
	void everyPackageIsNullMarked() throws IOException {
		List<Path> roots = List.of(Path.of("src/main/java"), Path.of("../reactor-mongoose-spring/src/main/java"));
		for (Path root : roots) {
			assertThat(root).as("sources of %s (the tests run in the module's folder)", root).isDirectory();
			try (Stream<Path> dirs = Files.walk(root)) {
				List<Path> packages = dirs.filter(Files::isDirectory).filter(Issue7ContractTest::hasClasses).toList();
				assertThat(packages).isNotEmpty();
				for (Path pkg : packages) {
					Path info = pkg.resolve("package-info.java");
					assertThat(info).as("package-info of %s", root.relativize(pkg)).exists();
					assertThat(Files.readString(info)).as("%s", info).contains("@NullMarked");
				}
			}
		}
	}

	private static boolean hasClasses(Path dir) {
		try (Stream<Path> files = Files.list(dir)) {
			return files.anyMatch(f -> f.toString().endsWith(".java") && !f.endsWith("package-info.java")
					&& !f.endsWith("module-info.java"));
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
