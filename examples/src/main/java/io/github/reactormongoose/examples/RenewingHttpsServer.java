/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.tls.TlsSpec;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * An HTTPS server (the routes of {@link HttpsHello}) that renews its own certificate: it checks
 * the modification times of its PEM chain and key files on a Reactor timer, and when they
 * change it gives itself the files again with {@code DisposableServer.updateTls(spec)}, as a
 * certificate renewed on disk (certbot) needs, without a restart.
 * <p>
 * The checks run every {@code checkEvery} on {@code Schedulers.boundedElastic()}, never on the
 * poll threads: {@code updateTls} reads and checks the files on the calling thread, and the swap
 * itself is queued to the server's loops. Connections accepted after a renewal handshake with
 * the new certificate; connections already open keep the one they started with.
 * <p>
 * Each outcome is logged and emitted by {@link #renewals()}. Files the server cannot use are
 * refused with the reason (for example a new certificate whose new key has not been written
 * yet: "does not belong to the first certificate"), and the server keeps serving the certificate
 * it had; the next change of the files is tried again. Replace the files atomically (write
 * beside, then rename, as certbot's symbolic links do) so that a check never reads half a file.
 */
public final class RenewingHttpsServer implements Disposable {

	private static final Logger log = Loggers.getLogger(RenewingHttpsServer.class);

	/** The outcome of one attempt: the new certificate's subject, or why the files were refused. */
	public record Renewal(boolean renewed, String message) {
	}

	/** The files' modification times and sizes, as last seen. */
	private record Stamp(FileTime chainModified, long chainSize, FileTime keyModified, long keySize) {
	}

	private final DisposableServer server;
	private final Path chain;
	private final Path key;
	private final Sinks.Many<Renewal> renewals = Sinks.many().replay().limit(16);
	private final Disposable watch;
	private Stamp seen; // read and written by the checks only, one after the other

	private RenewingHttpsServer(String host, int port, Path chain, Path key, Duration checkEvery) throws IOException {
		this.chain = chain;
		this.key = key;
		this.seen = stamp(); // before the bind reads the files: a change in between is applied again, harmlessly
		this.server = HttpsHello.start(host, port, chain, key);
		this.watch = Flux.interval(checkEvery, Schedulers.boundedElastic())
				.onBackpressureDrop() // a tick while an update runs is skipped
				// each check on boundedElastic too: the one before it may have ended on a poll thread
				.concatMap(tick -> Mono.defer(this::check).subscribeOn(Schedulers.boundedElastic()), 1)
				.subscribe(renewals::tryEmitNext);
	}

	/**
	 * Binds {@code host:port} (0: a free port) with the chain and key in these PEM files, waits up
	 * to 10 s, and checks the files every {@code checkEvery}.
	 * @throws IOException if the files cannot be read
	 */
	public static RenewingHttpsServer start(String host, int port, Path certChainPem, Path privateKeyPem,
			Duration checkEvery) throws IOException {
		return new RenewingHttpsServer(host, port, certChainPem, privateKeyPem, checkEvery);
	}

	private Stamp stamp() throws IOException {
		BasicFileAttributes c = Files.readAttributes(chain, BasicFileAttributes.class); // follows symbolic links
		BasicFileAttributes k = Files.readAttributes(key, BasicFileAttributes.class);
		return new Stamp(c.lastModifiedTime(), c.size(), k.lastModifiedTime(), k.size());
	}

	/** One check: nothing if the files have not changed, else the outcome of the update. */
	private Mono<Renewal> check() {
		Stamp now;
		try {
			now = stamp();
		}
		catch (IOException e) {
			return Mono.empty(); // a file being replaced: the next check sees it
		}
		if (now.equals(seen)) {
			return Mono.empty();
		}
		seen = now; // a refused change is not tried again until the files change again
		String subject;
		Mono<Void> swap;
		try {
			subject = subject(chain);
			swap = server.updateTls(TlsSpec.forServer(chain, key)); // reads and checks the files here
		}
		catch (IOException | CertificateException | IllegalArgumentException e) {
			return Mono.just(refused(e));
		}
		// the loops take the new material through their queues: renewed once every loop has it
		return swap.then(Mono.fromCallable(() -> renewed(subject))).onErrorResume(e -> Mono.just(refused(e)));
	}

	private static String subject(Path chainPem) throws IOException, CertificateException {
		try (InputStream in = Files.newInputStream(chainPem)) {
			return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in))
					.getSubjectX500Principal().getName();
		}
	}

	private Renewal renewed(String subject) {
		log.info("renewed the certificate of https://localhost:{}: now serving {}", server.port(), subject);
		return new Renewal(true, subject);
	}

	private Renewal refused(Throwable e) {
		log.warn("refused the new files of https://localhost:{} (still serving the previous certificate): {}",
				server.port(), e.toString());
		return new Renewal(false, String.valueOf(e.getMessage()));
	}

	/** The outcomes of the updates, the last 16 replayed to a new subscriber. */
	public Flux<Renewal> renewals() {
		return renewals.asFlux();
	}

	public int port() {
		return server.port();
	}

	/** Stops the checks, then closes the server and its connections without waiting. */
	@Override
	public void dispose() {
		watch.dispose();
		server.dispose();
	}

	@Override
	public boolean isDisposed() {
		return server.isDisposed();
	}

	/** Stops the checks, then stops the server, giving its connections up to {@code timeout} to end. */
	public void disposeNow(Duration timeout) {
		watch.dispose();
		server.disposeNow(timeout);
	}

	/** Completes once the server has stopped. */
	public Mono<Void> onDispose() {
		return server.onDispose();
	}

	/**
	 * Serves until interrupted.
	 * @param args the certificate chain and the private key (PEM files), optionally the port (default 8443);
	 *     {@code -DcheckSeconds=N} sets how often the files are checked (default 60)
	 */
	public static void main(String[] args) throws IOException {
		if (args.length < 2) {
			System.err.println("usage: RenewingHttpsServer CHAIN.pem KEY.pem [PORT]");
			System.exit(2);
		}
		int port = args.length > 2 ? Integer.parseInt(args[2]) : 8443;
		Duration every = Duration.ofSeconds(Long.getLong("checkSeconds", 60));
		RenewingHttpsServer server = start("127.0.0.1", port, Path.of(args[0]), Path.of(args[1]), every);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> server.disposeNow(Duration.ofSeconds(3)), "renewing-https-shutdown"));
		System.out.println("HTTPS on https://localhost:" + server.port() + "/hello, checking " + args[0] + " and " + args[1]
				+ " every " + every.toSeconds() + " s");
		server.onDispose().block();
	}
}
