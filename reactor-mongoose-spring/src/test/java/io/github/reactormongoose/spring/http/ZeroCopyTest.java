/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import io.github.reactormongoose.spring.test.AbstractAdapterTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import org.springframework.http.MediaType;
import org.springframework.http.ZeroCopyHttpOutputMessage;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link ZeroCopyHttpOutputMessage#writeWith(Path, long, long)} goes to the native sendFile. */
class ZeroCopyTest extends AbstractAdapterTest {

	@TempDir
	Path dir;

	@Test
	void sendsAFileAndAFileRegion() throws Exception {
		byte[] content = new byte[300_000];
		new Random(7).nextBytes(content);
		Path file = Files.write(this.dir.resolve("data.bin"), content);
		start((request, response) -> {
			assertThat(response).isInstanceOf(ZeroCopyHttpOutputMessage.class);
			ZeroCopyHttpOutputMessage zeroCopy = (ZeroCopyHttpOutputMessage) response;
			response.getHeaders().setContentType(MediaType.APPLICATION_OCTET_STREAM);
			if (request.getPath().value().equals("/region")) {
				return zeroCopy.writeWith(file, 1000, 5000);
			}
			return zeroCopy.writeWith(file.toFile(), 0, content.length);
		});
		HttpResponse<byte[]> all = this.client.send(request("/file").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(all.statusCode()).isEqualTo(200);
		assertThat(all.headers().firstValue("Content-Length")).hasValue(String.valueOf(content.length));
		assertThat(all.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
		assertThat(all.body()).isEqualTo(content);

		HttpResponse<byte[]> region = this.client.send(request("/region").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(region.headers().firstValue("Content-Length")).hasValue("5000");
		assertThat(region.body()).isEqualTo(Arrays.copyOfRange(content, 1000, 6000));
	}

	@Test
	void missingFileIsA500() throws Exception {
		Path missing = this.dir.resolve("nope.bin");
		start((request, response) -> ((ZeroCopyHttpOutputMessage) response).writeWith(missing, 0, 10)
				.onErrorResume(ex -> Mono.error(new IllegalStateException("no file", ex))));
		assertThat(get("/").statusCode()).isEqualTo(500);
	}
}
