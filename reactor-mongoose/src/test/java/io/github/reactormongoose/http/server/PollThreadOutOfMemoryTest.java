/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.testing.Commands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A poll thread that runs out of heap for real (a child JVM with a 32 MiB heap, filled by a
 * handler): the loop's own code, which logs the handler's error and closes the connection,
 * cannot allocate either, so the error leaves the poll loop. The loop must then close as if
 * disposed, once the heap allows it, and say so: no call hangs, and the native manager is freed.
 * Before, the close was cut short by the same error and the thread ended: the listener stayed
 * open and clients connected and were never answered, a task queued on the loop and
 * {@code disposeNow} waited for good, and the native manager stayed allocated.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PollThreadOutOfMemoryTest {

	@Test
	void aPollThreadOutOfHeapClosesTheLoopAndNothingHangs(@TempDir Path dir) throws Exception {
		Path log = dir.resolve("child.log");
		Process p = new ProcessBuilder(Commands.childJava(), "-Xmx32m", "-XX:+UseSerialGC", "-Xcheck:jni",
				"-cp", System.getProperty("java.class.path"), PollThreadOutOfMemoryMain.class.getName())
				.redirectErrorStream(true).redirectOutput(log.toFile()).start();
		try {
			assertThat(p.waitFor(40, TimeUnit.SECONDS)).as("the child ended").isTrue();
		}
		finally {
			p.destroyForcibly();
		}
		List<String> lines = Files.readAllLines(log);
		String output = String.join("\n", lines);
		assertThat(lines).as(output).contains("result failed true", "result loops 0");
		assertThat(lines).as(output).noneMatch(l -> l.startsWith("result") && l.endsWith("hung"));
		assertThat(lines).as(output).anyMatch(l -> l.equals("result request refused") || l.equals("result request closed"));
		assertThat(lines).as(output).anyMatch(l -> l.startsWith("result execute threw java.lang.IllegalStateException")
				&& l.contains("oom-loop has stopped: its poll thread failed with java.lang.OutOfMemoryError"));
		assertThat(lines).as(output).contains("result disposeNow returned");
		assertThat(output).as("no JNI warning").doesNotContain("WARNING");
	}
}
