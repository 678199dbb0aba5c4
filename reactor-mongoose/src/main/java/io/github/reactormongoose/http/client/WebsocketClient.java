/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;

import io.github.reactormongoose.AbortedException;
import io.github.reactormongoose.http.websocket.WebsocketInbound;
import io.github.reactormongoose.http.websocket.WebsocketOutbound;
import io.github.reactormongoose.internal.websocket.PerMessageDeflate;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Fuseable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * {@link HttpClient#websocket()}: the upgrade request on a pooled connection, the checks of
 * the 101 answer (RFC 6455 4.2.2), then a {@link ClientWebsocketSession} that owns the
 * connection.
 */
final class WebsocketClient implements HttpClient.WebsocketSender {

	static final int DEFAULT_MAX_PAYLOAD = 65536;
	private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

	private final HttpClient client;
	/** The target, read for each session; {@code null}: the client's base URL. */
	private final @Nullable Mono<String> uri;
	private final List<String> protocols;
	private final int maxPayload;
	private final boolean compress;
	private final boolean handlePing;
	/** {@link #compressionAllowClientNoContext}: the server may ask for client_no_context_takeover. */
	private final boolean allowClientNoContext;
	/** {@link #compressionRequestedServerNoContext}: the offer asks for server_no_context_takeover. */
	private final boolean requestServerNoContext;
	/** The close wait's write timeout of the sessions ({@link ClientWebsocketSession#CLOSE_STALL}; tests lower it). */
	private final Duration closeStall;
	/** The sessions' wait for the server's CLOSE ({@link ClientWebsocketSession#CLOSE_WAIT}; tests lower it). */
	private final Duration closeWait;

	WebsocketClient(HttpClient client, @Nullable Mono<String> uri, List<String> protocols, int maxPayload) {
		this(client, uri, protocols, maxPayload, false, false, true, false, ClientWebsocketSession.CLOSE_STALL,
				ClientWebsocketSession.CLOSE_WAIT);
	}

	private WebsocketClient(HttpClient client, @Nullable Mono<String> uri, List<String> protocols, int maxPayload,
			boolean compress, boolean handlePing, boolean allowClientNoContext, boolean requestServerNoContext,
			Duration closeStall, Duration closeWait) {
		this.client = client;
		this.uri = uri;
		this.protocols = protocols;
		this.maxPayload = maxPayload;
		this.compress = compress;
		this.handlePing = handlePing;
		this.allowClientNoContext = allowClientNoContext;
		this.requestServerNoContext = requestServerNoContext;
		this.closeStall = closeStall;
		this.closeWait = closeWait;
	}

	@Override
	public HttpClient.WebsocketSender uri(String uri) {
		Objects.requireNonNull(uri, "uri");
		return new WebsocketClient(client, Mono.just(uri), protocols, maxPayload, compress, handlePing, allowClientNoContext, requestServerNoContext, closeStall, closeWait);
	}

	@Override
	public HttpClient.WebsocketSender uri(Mono<String> uri) {
		Objects.requireNonNull(uri, "uri");
		return new WebsocketClient(client, uri, protocols, maxPayload, compress, handlePing, allowClientNoContext, requestServerNoContext, closeStall, closeWait);
	}

	/**
	 * This sender with another write timeout of its sessions' close wait: how long their output
	 * may stay unmoved once their CLOSE is queued (60 s; for tests, which cannot wait that long).
	 */
	WebsocketClient closeStall(Duration stall) {
		return new WebsocketClient(client, uri, protocols, maxPayload, compress, handlePing, allowClientNoContext,
				requestServerNoContext, stall, closeWait);
	}

	/**
	 * This sender with another wait of its sessions for the server's answer to their CLOSE (5 s;
	 * for tests of a server that answers late, which need not wait that long).
	 */
	WebsocketClient closeWait(Duration wait) {
		return new WebsocketClient(client, uri, protocols, maxPayload, compress, handlePing, allowClientNoContext,
				requestServerNoContext, closeStall, wait);
	}

	/** A sub-protocol name as a token: visible ASCII, no comma. */
	static void checkProtocol(String p) {
		if (p.isEmpty() || !p.chars().allMatch(c -> c > ' ' && c < 127 && c != ',')) {
			throw new IllegalArgumentException("invalid sub-protocol: " + p);
		}
	}

	static void checkMaxPayload(int bytes) {
		if (bytes < 125) {
			throw new IllegalArgumentException("maxFramePayloadLength must be >= 125: " + bytes);
		}
	}

	@Override
	public HttpClient.WebsocketSender protocols(String... protocols) {
		for (String p : protocols) {
			checkProtocol(p);
		}
		return new WebsocketClient(client, uri, List.of(protocols), maxPayload, compress, handlePing, allowClientNoContext, requestServerNoContext, closeStall, closeWait);
	}

	@Override
	public HttpClient.WebsocketSender maxFramePayloadLength(int bytes) {
		checkMaxPayload(bytes);
		return new WebsocketClient(client, uri, protocols, bytes, compress, handlePing, allowClientNoContext, requestServerNoContext, closeStall, closeWait);
	}

	@Override
	public HttpClient.WebsocketSender compress(boolean compress) {
		return new WebsocketClient(client, uri, protocols, maxPayload, compress, handlePing, allowClientNoContext, requestServerNoContext, closeStall, closeWait);
	}

	@Override
	public HttpClient.WebsocketSender handlePing(boolean handlePing) {
		return new WebsocketClient(client, uri, protocols, maxPayload, compress, handlePing, allowClientNoContext, requestServerNoContext, closeStall, closeWait);
	}

	@Override
	public HttpClient.WebsocketSender compressionAllowClientNoContext(boolean allow) {
		return new WebsocketClient(client, uri, protocols, maxPayload, compress, handlePing, allow, requestServerNoContext, closeStall, closeWait);
	}

	@Override
	public HttpClient.WebsocketSender compressionRequestedServerNoContext(boolean request) {
		return new WebsocketClient(client, uri, protocols, maxPayload, compress, handlePing, allowClientNoContext, request, closeStall, closeWait);
	}

	@Override
	public <V> Flux<V> handle(
			BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<V>> handler) {
		Objects.requireNonNull(handler, "handler");
		return connect().flatMapMany(session -> {
			Publisher<V> p;
			try {
				p = Objects.requireNonNull(handler.apply(session, session), "the handler returned null");
			}
			catch (Throwable e) {
				session.handlerEnded(true);
				return Flux.error(e);
			}
			// the handler runs to its end once the connection is gone (its receive() completes, what
			// it chained after runs, as on Reactor Netty); a send the close cut short (ours, the
			// server's CLOSE or the connection's end) is that end. Completed, the Flux ends once
			// the close status is known: our CLOSE out of the process (the data before it with it),
			// the server's CLOSE, or the connection's end
			// Cancelled, the session closes after the cancel went up (doFinally): its sends are
			// cancelled first, and none fails on the closing connection into an operator that ended
			return Flux.<V>from(p).onErrorResume(e -> e instanceof AbortedException && session.isClosing(), e -> Flux.empty())
					.concatWith(Mono.defer(() -> {
						session.handlerEnded(false);
						return session.closeSettled().then(Mono.<V>empty());
					}))
					.doOnError(e -> session.handlerEnded(true))
					.doFinally(s -> {
						if (s == SignalType.CANCEL) {
							session.handlerEnded(false);
						}
					});
		});
	}

	private Mono<ClientWebsocketSession> connect() {
		Mono<String> u = uri != null ? uri : Mono.just("");
		return HttpClient.nonEmpty(u).flatMap(this::connect);
	}

	/** The session with {@code u}, once per subscription. */
	private Mono<ClientWebsocketSession> connect(String u) {
		return Mono.defer(() -> {
			URI target = client.resolve(u);
			byte[] nonce = new byte[16];
			ThreadLocalRandom.current().nextBytes(nonce);
			String key = Base64.getEncoder().encodeToString(nonce);
			return client.send("GET", target, target, null, null, true, 0, h -> {
				h.set("Upgrade", "websocket");
				h.set("Connection", "Upgrade");
				h.set("Sec-WebSocket-Key", key);
				h.set("Sec-WebSocket-Version", "13");
				if (!protocols.isEmpty()) {
					h.set("Sec-WebSocket-Protocol", String.join(", ", protocols));
				}
				if (compress) {
					h.set("Sec-WebSocket-Extensions", requestServerNoContext
							? PerMessageDeflate.CLIENT_OFFER + "; server_no_context_takeover" : PerMessageDeflate.CLIENT_OFFER);
				}
			}).flatMap(res -> {
				if (res.status() != 101) {
					res.discard();
					return Mono.error(new WebSocketHandshakeException("WebSocket upgrade to " + target + " refused: "
							+ res.status() + " " + res.reasonPhrase()));
				}
				String problem = check(res, key);
				PerMessageDeflate.ClientTerms terms = null;
				if (problem == null) {
					try {
						terms = deflateTerms(res);
					}
					catch (IllegalArgumentException e) {
						problem = e.getMessage();
					}
				}
				Exchange ex = res.exchange();
				if (problem != null) {
					ex.loop().executeOrRun(() -> ex.connection().close());
					return Mono.error(new WebSocketHandshakeException("WebSocket upgrade to " + target + ": " + problem));
				}
				String selected = res.responseHeaders().get("Sec-WebSocket-Protocol");
				PerMessageDeflate.ClientTerms deflate = terms;
				return Mono.<ClientWebsocketSession>create(sink -> {
					// the sink runs this only when it did not emit the session (cancelled before it
					// was made, or made and dropped unseen): its connection closes
					java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
					sink.onCancel(() -> {
						cancelled.set(true);
						ex.loop().executeOrRun(() -> ex.connection().close());
					});
					ex.loop().execute(() -> {
						if (cancelled.get()) {
							return;
						}
						// queued: bytes that came with the 101 are in the exchange's leftover by now
						ClientConnection c = ex.connection();
						c.leavePool();
						ClientWebsocketSession s = new ClientWebsocketSession(c.channel(), res.responseHeaders(), selected,
								maxPayload, deflate, handlePing, closeStall, closeWait, c::upgradedClosed);
						s.start(ex.upgradeLeftover());
						sink.success(s);
					});
				});
			});
		});
	}

	/** What is wrong with the 101 answer, or {@code null}. */
	private @Nullable String check(HttpClientResponse res, String key) {
		if (!"websocket".equalsIgnoreCase(String.valueOf(res.responseHeaders().get("Upgrade")))) {
			return "101 without Upgrade: websocket";
		}
		if (!res.responseHeaders().containsToken("Connection", "upgrade")) {
			return "101 without Connection: Upgrade";
		}
		String accept = res.responseHeaders().get("Sec-WebSocket-Accept");
		if (!accept(key).equals(accept)) {
			return "wrong Sec-WebSocket-Accept " + accept;
		}
		String selected = res.responseHeaders().get("Sec-WebSocket-Protocol");
		if (selected != null && !protocols.contains(selected)) {
			return "the server selected sub-protocol " + selected + ", which was not offered (" + protocols + ")";
		}
		return null;
	}

	/**
	 * The terms of the 101's permessage-deflate answer, read once from all its
	 * {@code Sec-WebSocket-Extensions} lines; {@code null} without one.
	 * @throws IllegalArgumentException with the reason, for an answer that was not offered
	 */
	private PerMessageDeflate.@Nullable ClientTerms deflateTerms(HttpClientResponse res) {
		List<String> extensions = res.responseHeaders().getAll("Sec-WebSocket-Extensions");
		if (extensions.isEmpty()) {
			return null;
		}
		if (!compress) {
			throw new IllegalArgumentException("the server accepted an extension that was not offered: "
					+ String.join(", ", extensions));
		}
		PerMessageDeflate.ClientTerms terms = PerMessageDeflate.clientTerms(String.join(", ", extensions));
		if (terms.clientNoContext() && !allowClientNoContext) {
			throw new IllegalArgumentException("the server asked for client_no_context_takeover, which "
					+ "compressionAllowClientNoContext(false) refuses");
		}
		if (requestServerNoContext && !terms.serverNoContext()) {
			// RFC 7692 7.1.1.1: a server accepts such an offer by answering with the parameter
			throw new IllegalArgumentException("the server accepted permessage-deflate without the "
					+ "server_no_context_takeover that was requested");
		}
		return terms;
	}

	static String accept(String key) {
		try {
			byte[] d = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
			return Base64.getEncoder().encodeToString(d);
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	private String describeUri() {
		if (uri instanceof Fuseable.ScalarCallable<?> s) {
			try {
				return String.valueOf(s.call());
			}
			catch (Exception e) {
				return "?";
			}
		}
		return uri == null ? "null" : "(deferred)";
	}

	@Override
	public String toString() {
		return "WebsocketSender[" + describeUri() + ", protocols=" + protocols + (compress ? ", compress" : "") + "]";
	}
}
