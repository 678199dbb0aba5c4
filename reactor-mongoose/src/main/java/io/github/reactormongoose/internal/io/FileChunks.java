/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** A region of a file as a stream of buffers, read off the poll thread. */
public final class FileChunks {

	/** Size of each buffer read. */
	public static final int SLICE = 64 * 1024;

	private FileChunks() {
	}

	/**
	 * {@code count} bytes of {@code file} from {@code position}, in buffers of at most
	 * {@link #SLICE} bytes, read on demand on the bounded-elastic scheduler; fails with
	 * {@link EOFException} if the file is shorter. The file is closed on completion, error or
	 * cancel.
	 */
	public static Flux<ByteBuffer> read(Path file, long position, long count) {
		return Flux.using(() -> open(file),
				ch -> Flux.<ByteBuffer, long[]>generate(() -> new long[] {position, count}, (state, sink) -> {
					try {
						if (state[1] == 0) {
							sink.complete();
							return state;
						}
						ByteBuffer buf = ByteBuffer.allocate((int) Math.min(SLICE, state[1]));
						int n = ch.read(buf, state[0]);
						if (n < 0) {
							sink.error(new EOFException("file shorter than expected: " + file));
							return state;
						}
						buf.flip();
						state[0] += n;
						state[1] -= n;
						sink.next(buf);
					}
					catch (IOException e) {
						sink.error(e);
					}
					return state;
				}), ch -> {
					try {
						ch.close();
					}
					catch (IOException ignored) {
						// nothing to do: the file was only read
					}
				}).subscribeOn(Schedulers.boundedElastic(), false);
	}

	/**
	 * Opens a regular file only: opening a FIFO without a writer would wait for one (a thread
	 * and the response held for good), a device or a directory is no file to serve.
	 */
	private static FileChannel open(Path file) throws IOException {
		if (!Files.isRegularFile(file)) {
			throw Files.exists(file) ? new IOException("not a regular file: " + file) : new NoSuchFileException(file.toString());
		}
		return FileChannel.open(file, StandardOpenOption.READ);
	}
}
