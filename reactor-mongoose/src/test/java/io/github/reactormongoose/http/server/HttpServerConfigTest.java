/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/** {@link HttpServer#configuration()}: an immutable snapshot, one option changed per copy. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpServerConfigTest extends BaseHttpTest {

	@Test
	void defaults() {
		HttpServerConfig c = HttpServer.create().configuration();
		assertThat(c.host()).isEqualTo("127.0.0.1");
		assertThat(c.port()).isZero();
		assertThat(c.loop()).isNull();
		assertThat(c.loopName()).isNull();
		assertThat(c.hasHandler()).isFalse();
		assertThat(c.maxRequestBodySize()).isEqualTo(HttpServer.DEFAULT_MAX_REQUEST_BODY).isEqualTo(Long.MAX_VALUE);
		assertThat(c.maxAggregatedBodySize()).isEqualTo(HttpServer.DEFAULT_MAX_AGGREGATED_BODY);
		assertThat(c.maxDiscardedBodySize()).isEqualTo(HttpServer.DEFAULT_MAX_DISCARDED_BODY);
		assertThat(c.maxHeaderSize()).isEqualTo(HttpServer.DEFAULT_MAX_HEADER_SIZE);
		assertThat(c.maxWebsocketFrameSize()).isEqualTo(HttpServer.DEFAULT_MAX_WEBSOCKET_FRAME);
		assertThat(c.idleTimeout()).isNull();
	}

	@Test
	void everyOptionReturnsANewServerAndLeavesTheOriginalUnchanged() {
		MongooseLoop loop = newLoop();
		HttpServer base = HttpServer.create();
		HttpServerConfig before = base.configuration();
		HttpServer configured = base.host("0.0.0.0")
				.port(8081)
				.runOn(loop)
				.loopName("my-loop")
				.maxRequestBodySize(4096)
				.maxAggregatedBodySize(512)
				.maxDiscardedBodySize(256)
				.maxHeaderSize(1024)
				.maxWebsocketFrameSize(2048)
				.idleTimeout(Duration.ofSeconds(7))
				.handle((req, res) -> res.send());
		assertThat(base.configuration()).isSameAs(before);
		assertThat(before.host()).isEqualTo("127.0.0.1");
		assertThat(before.hasHandler()).isFalse();

		HttpServerConfig c = configured.configuration();
		assertThat(c.host()).isEqualTo("0.0.0.0");
		assertThat(c.port()).isEqualTo(8081);
		assertThat(c.loop()).isSameAs(loop);
		assertThat(c.loopName()).isEqualTo("my-loop");
		assertThat(c.maxRequestBodySize()).isEqualTo(4096);
		assertThat(c.maxAggregatedBodySize()).isEqualTo(512);
		assertThat(c.maxDiscardedBodySize()).isEqualTo(256);
		assertThat(c.maxHeaderSize()).isEqualTo(1024);
		assertThat(c.maxWebsocketFrameSize()).isEqualTo(2048);
		assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(7));
		assertThat(c.hasHandler()).isTrue();
		assertThat(c.toString()).contains("host=0.0.0.0", "port=8081", "idleTimeout=PT7S");

		// the server's own getters read the same snapshot
		assertThat(configured.host()).isEqualTo(c.host());
		assertThat(configured.port()).isEqualTo(c.port());
		assertThat(configured.maxRequestBodySize()).isEqualTo(c.maxRequestBodySize());
		assertThat(configured.maxAggregatedBodySize()).isEqualTo(c.maxAggregatedBodySize());
		assertThat(configured.maxDiscardedBodySize()).isEqualTo(c.maxDiscardedBodySize());
		assertThat(configured.maxHeaderSize()).isEqualTo(c.maxHeaderSize());
		assertThat(configured.maxWebsocketFrameSize()).isEqualTo(c.maxWebsocketFrameSize());
	}

	@Test
	void routesCountAsAHandler() {
		assertThat(HttpServer.create().route(r -> r.get("/", (req, res) -> res.send())).configuration().hasHandler())
				.isTrue();
	}

	@Test
	void invalidValuesAreRejectedAndChangeNothing() {
		HttpServer s = HttpServer.create();
		assertThatIllegalArgumentException().isThrownBy(() -> s.port(65536));
		assertThatIllegalArgumentException().isThrownBy(() -> s.maxHeaderSize(100));
		assertThatIllegalArgumentException().isThrownBy(() -> s.maxRequestBodySize(-1));
		assertThatIllegalArgumentException().isThrownBy(() -> s.maxAggregatedBodySize(-1));
		assertThatIllegalArgumentException().isThrownBy(() -> s.maxDiscardedBodySize(-1));
		assertThatIllegalArgumentException().isThrownBy(() -> s.maxWebsocketFrameSize(10));
		assertThatIllegalArgumentException().isThrownBy(() -> s.idleTimeout(Duration.ZERO));
		assertThat(s.configuration()).isSameAs(HttpServer.create().configuration());
	}

	@Test
	void aBoundServerUsesTheSnapshotItWasBoundWith() throws Exception {
		HttpServer template = HttpServer.create().handle((req, res) -> res.sendString(Mono.just("one")));
		DisposableServer first = bind(template);
		DisposableServer second = bind(template.handle((req, res) -> res.sendString(Mono.just("two"))));
		assertThat(get(first, "/").body()).isEqualTo("one");
		assertThat(get(second, "/").body()).isEqualTo("two");
	}
}
