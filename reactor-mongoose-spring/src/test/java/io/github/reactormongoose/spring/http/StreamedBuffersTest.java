/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.reactormongoose.spring.test.AbstractAdapterTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.web.reactive.function.server.RequestPredicates.GET;

/**
 * A {@code Flux<DataBuffer>} body is one stream: many buffers emitted at once are sent
 * together and arrive byte-exact, and pooled buffers (Netty's pooled allocator) are all
 * released, also when the body is longer than what the socket takes at once.
 */
class StreamedBuffersTest extends AbstractAdapterTest {

	private static final int SIZE = 64 * 1024;

	/** Buffer i's bytes: they depend on i and on their index. */
	private static byte[] content(int i) {
		byte[] b = new byte[SIZE];
		for (int j = 0; j < SIZE; j++) {
			b[j] = (byte) (i * 13 + j * 3 + (j >> 9));
		}
		return b;
	}

	private static byte[] digest(int n) throws Exception {
		MessageDigest md = MessageDigest.getInstance("SHA-256");
		for (int i = 0; i < n; i++) {
			md.update(content(i));
		}
		return md.digest();
	}

	@Test
	void manyBuffersAndPooledBuffersArriveByteExactAndPooledOnesAreReleased() throws Exception {
		List<ByteBuf> pooled = new CopyOnWriteArrayList<>();
		NettyDataBufferFactory nettyFactory = new NettyDataBufferFactory(PooledByteBufAllocator.DEFAULT);
		int many = 1024; // 64 MiB
		int pooledCount = 300;
		RouterFunction<ServerResponse> routes = RouterFunctions
				.route(GET("/many"), req -> ServerResponse.ok().contentLength((long) many * SIZE)
						.body(BodyInserters.fromDataBuffers(Flux.range(0, many)
								.map(i -> DefaultDataBufferFactory.sharedInstance.wrap(ByteBuffer.wrap(content(i)))))))
				.andRoute(GET("/many-chunked"), req -> ServerResponse.ok()
						.body(BodyInserters.fromDataBuffers(Flux.range(0, many)
								.map(i -> DefaultDataBufferFactory.sharedInstance.wrap(ByteBuffer.wrap(content(i)))))))
				.andRoute(GET("/pooled"), req -> ServerResponse.ok()
						.body(BodyInserters.fromDataBuffers(Flux.range(0, pooledCount).map(i -> {
							DataBuffer b = nettyFactory.allocateBuffer(SIZE);
							b.write(content(i));
							pooled.add(((NettyDataBuffer) b).getNativeBuffer());
							return b;
						}))));
		start(RouterFunctions.toHttpHandler(routes));
		for (String path : List.of("/many", "/many-chunked")) {
			HttpResponse<byte[]> r = client.send(request(path).build(), HttpResponse.BodyHandlers.ofByteArray());
			assertThat(r.statusCode()).as(path).isEqualTo(200);
			assertThat(r.body()).as(path).hasSize(many * SIZE);
			assertThat(MessageDigest.getInstance("SHA-256").digest(r.body())).as(path).isEqualTo(digest(many));
		}
		HttpResponse<byte[]> r = client.send(request("/pooled").build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.body()).hasSize(pooledCount * SIZE);
		assertThat(MessageDigest.getInstance("SHA-256").digest(r.body())).isEqualTo(digest(pooledCount));
		assertThat(pooled).hasSize(pooledCount);
		assertThat(pooled).allSatisfy(b -> assertThat(b.refCnt()).as("a pooled buffer left unreleased").isZero());
	}
}
