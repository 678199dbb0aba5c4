/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.testing.Commands;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The native library loads from the packaged reactor-mongoose jar, as it does for a user: a
 * fresh JVM ({@code -Xcheck:jni}) with only that jar, reactor-core and reactive-streams (no
 * {@code target/classes}, no {@code java.library.path} entry, no
 * {@code io.github.reactormongoose.native.path}) runs {@link PackagedJarMain}, once with them on
 * the class path and once on the module path, where the jar's {@code module-info} applies.
 * <p>
 * Linux only: {@code /proc/self/maps} of the child tells which file the library was mapped
 * from, which proves it was extracted from {@code /META-INF/native/} of the jar into the
 * child's {@code java.io.tmpdir}.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PackagedJarTest {

	/** Where the loader looks in the jar (NativeLibraryLoader's resource directory). */
	private static final String NATIVE_DIR = "META-INF/native/";

	/** The name in the jar's module descriptor. */
	private static final String MODULE = "io.github.reactormongoose";

	@ParameterizedTest(name = "on the {0}, {1}")
	@CsvSource({"class path, this JDK", "module path, this JDK", "class path, the newest JDK", "module path, the newest JDK"})
	void nativeLibraryLoadsFromThePackagedJar(String mode, String jdk, @TempDir Path childTmp, @TempDir Path logs) throws Exception {
		// the newest JDK of the machine (25 here; skipped with a notice without one), where Java 24's
		// JEP 472 warns about a library loading native code unless native access was enabled for it
		String java = jdk.equals("the newest JDK") ? Commands.newestJava(24)
				: Path.of(System.getProperty("java.home"), "bin", "java").toString();
		Path jar = packagedJar();
		String nativeLibrary;
		try (JarFile j = new JarFile(jar.toFile())) {
			List<String> libraries = j.stream().map(ZipEntry::getName)
					.filter(n -> n.startsWith(NATIVE_DIR) && !n.endsWith("/"))
					.toList();
			assertThat(libraries).as("native libraries packaged in %s", jar).hasSize(1);
			nativeLibrary = libraries.get(0).substring(NATIVE_DIR.length());
		}
		String libraryBaseName = nativeLibrary.substring(0, nativeLibrary.lastIndexOf('.'));

		boolean modular = mode.equals("module path");
		String jars = String.join(File.pathSeparator, jar.toString(), codeSource(Flux.class).toString(),
				codeSource(Publisher.class).toString());
		String program = codeSource(PackagedJarMain.class).toString();
		List<String> command = new ArrayList<>(List.of(
				java,
				"-Xcheck:jni",
				// the loader extracts the library here: a fresh directory to look into
				"-Djava.io.tmpdir=" + childTmp));
		// what docs/building.md tells users of Java 24 and later to pass (17 to 23 accept it too):
		// native access for the module, or for the class path
		command.add("--enable-native-access=" + (modular ? MODULE : "ALL-UNNAMED"));
		if (modular) {
			// the library and Reactor as modules; the program stays in the unnamed module
			command.addAll(List.of("--module-path", jars, "--add-modules", MODULE, "-cp", program));
		}
		else {
			command.addAll(List.of("-cp", jars + File.pathSeparator + program));
		}
		command.add(PackagedJarMain.class.getName());
		Path output = logs.resolve("child.out");
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
		Map<String, String> env = builder.environment();
		// nothing may point the child at a library outside the jar, nor add JVM options
		for (String name : List.of("LD_LIBRARY_PATH", "CLASSPATH", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
			env.remove(name);
		}
		Process child = builder.start();
		boolean exited = child.waitFor(60, TimeUnit.SECONDS);
		if (!exited) {
			child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
		String out = Files.readString(output, StandardCharsets.UTF_8);
		assertThat(exited).as("child JVM exited within 60 s (a thread left running?); output:%n%s", out).isTrue();
		assertThat(child.exitValue()).as("child exit code; output:%n%s", out).isZero();

		Map<String, String> facts = facts(out);
		assertThat(facts).as("output:%n%s", out).containsKeys("response", "mongoose version", "classes from",
				"library from", "path property", "module", "internal.jni exported", "done");
		assertThat(facts.get("response")).isEqualTo("HTTP/1.1 200 OK | " + PackagedJarMain.BODY);
		assertThat(facts.get("garbage answered")).startsWith("HTTP/1.1 400 Bad Request");
		// Mongoose hex-dumps an unparsable request whatever its log level; the glue's log sink
		// drops it while logging is off, so no byte a client sent reaches stdout
		assertThat(out).as("the unparsable request's bytes on the process output")
				.doesNotContain("NOT_HTTP").doesNotContain("4e 4f 54 5f 48 54 54 50");
		assertThat(facts.get("mongoose version")).isNotBlank().isEqualTo(MongooseLoop.mongooseVersion());
		assertThat(Path.of(URI.create(facts.get("classes from")))).isEqualTo(jar);
		assertThat(facts.get("path property")).isEqualTo("null");
		// on the module path the descriptor names the module and seals off the internal packages
		assertThat(facts.get("module")).isEqualTo(modular ? MODULE : "null");
		assertThat(facts.get("internal.jni exported")).isEqualTo(modular ? "false" : "true");
		// extracted from the jar into the child's tmpdir, loaded, then deleted by the loader
		assertThat(facts.get("library from"))
				.startsWith(childTmp.resolve(libraryBaseName + "-").toString())
				.endsWith(".so (deleted)")
				.doesNotContain(",");
		try (Stream<Path> left = Files.list(childTmp)) {
			assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(libraryBaseName));
		}
		assertThat(out).as("-Xcheck:jni found no misuse of JNI").doesNotContain("WARNING in native method",
				"FATAL ERROR in native method");
		// with native access enabled for it, the library's System.load is not a restricted call
		assertThat(out).as("output of the child").doesNotContain("restricted method");
	}

	/**
	 * The jar the build put on this test's class path (a reactor build that ran {@code package});
	 * else the newest {@code reactor-mongoose-*.jar} in {@code ../reactor-mongoose/target}; else
	 * the test is skipped (e.g. {@code mvn test}, which packages nothing).
	 */
	private static Path packagedJar() throws IOException, URISyntaxException {
		Path onClassPath = codeSource(MongooseLoop.class);
		if (Files.isRegularFile(onClassPath) && onClassPath.getFileName().toString().endsWith(".jar")) {
			return onClassPath;
		}
		Path target = Path.of(System.getProperty("basedir", "."), "..", "reactor-mongoose", "target").normalize();
		List<Path> jars = new ArrayList<>();
		if (Files.isDirectory(target)) {
			try (Stream<Path> files = Files.list(target)) {
				files.filter(p -> {
					String n = p.getFileName().toString();
					return n.startsWith("reactor-mongoose-") && n.endsWith(".jar") && !n.endsWith("-tests.jar")
							&& !n.endsWith("-sources.jar") && !n.endsWith("-javadoc.jar");
				}).forEach(jars::add);
			}
		}
		assumeTrue(!jars.isEmpty(), "no packaged reactor-mongoose jar in " + target + " (run mvn package or verify)");
		return jars.stream().max(Comparator.comparing(PackagedJarTest::lastModified)).orElseThrow();
	}

	private static long lastModified(Path p) {
		return p.toFile().lastModified();
	}

	private static Path codeSource(Class<?> type) throws URISyntaxException {
		return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
	}

	/** The {@code key: value} lines of the child's output. */
	private static Map<String, String> facts(String out) {
		return out.lines()
				.filter(l -> l.equals("done") || l.contains(": "))
				.collect(Collectors.toMap(l -> l.equals("done") ? "done" : l.substring(0, l.indexOf(": ")),
						l -> l.equals("done") ? "" : l.substring(l.indexOf(": ") + 2), (a, b) -> a + "\n" + b));
	}
}
