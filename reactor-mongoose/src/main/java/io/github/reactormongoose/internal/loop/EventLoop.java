/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.jni.EventRecords;
import io.github.reactormongoose.internal.jni.LoopNative;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.jni.UdpNative;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Schedulers;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * One Mongoose manager driven by one dedicated poll thread.
 * <p>
 * Events: during {@code mg_mgr_poll} the C handler appends records to an arena; after the poll
 * returns, {@link EventRecords} reads them and this class hands each to its connection's
 * {@link Channel} handler. Commands: any thread may {@link #execute(Runnable)} a task; it goes
 * through a {@link TaskQueue} whose doorbell is one coalesced {@code mg_wakeup} with no
 * payload. The whole queue is drained after every poll, then due {@link Timers} run.
 */
public final class EventLoop {

	static final Logger log = Loggers.getLogger(EventLoop.class);

	/** Send-buffer size above which writers stop pulling and wait for a writable event. */
	public static final int DEFAULT_HIGH_WATER = 256 * 1024;
	/** Send-buffer size at or below which a waiting writer is resumed. */
	public static final int DEFAULT_LOW_WATER = 64 * 1024;
	/** Tasks run per iteration before I/O gets a turn again. */
	private static final int DRAIN_BATCH = 4096;

	/**
	 * The size of a loop's staging array for streamed request bodies (see {@link #stage});
	 * 0 turns staging off (every piece goes through the arena). Read when a loop is created.
	 */
	public static final String STAGE_BYTES_PROPERTY = "io.github.reactormongoose.loop.stageBytes";

	private static final AtomicInteger COUNTER = new AtomicInteger();

	private final String name;
	private final TaskQueue tasks = new TaskQueue(this::ring);
	private final ChannelRegistry channels = new ChannelRegistry();
	private final Timers timers = new Timers();
	private final Sinks.Empty<Void> terminated = Sinks.empty();
	private final Object postCloseLock = new Object();
	private final LoopThread thread;
	private final int highWater;
	private final int lowWater;
	private final int maxPollMillis;
	private final Shutdown shutdown = new Shutdown();
	/*
	 * What the close after a failed poll loop calls, made with the loop: a lambda, a method
	 * reference or a string concatenation first met in the close needs heap to be made (and,
	 * for the first, to be linked), and with the heap exhausted it failed outside every retry.
	 */
	private final Consumer<Runnable> safeRunner = EventLoop::safeRun;
	private final Supplier<List<Channel>> snapshotStep = channels::snapshot;
	private final Supplier<Sinks.EmitResult> terminateStep = terminated::tryEmitEmpty;
	private final String failedMessage;
	private final Supplier<Boolean> logFailureStep = this::logFailure;

	private long handle;
	private volatile long wakeHandle;
	private volatile boolean shutdownRequested;
	private volatile boolean closedFully;
	/** Whether {@link #clearInterrupt()} has logged. Poll thread only. */
	private boolean interruptLogged;
	/** What ended the poll thread other than a disposal, or {@code null}. */
	private volatile @Nullable Throwable failure;
	private ByteBuffer events;
	private volatile @Nullable LoopObserver observer;
	/** Records dispatched in the current iteration. */
	private int dispatched;
	/** Wall clock (Unix ms) when the last poll returned: the arrival time of what it read. */
	private long polledAt;
	/**
	 * Where the poll copies streamed request body pieces for Java ({@code EV_HTTP_BODY_STAGED});
	 * allocated when the loop first streams a body, so loops that never do hold none. A piece
	 * that does not fit in what is left of it during one poll goes into the arena instead.
	 */
	private byte[] stage;
	private final int stageBytes = Math.max(0, Integer.getInteger(STAGE_BYTES_PROPERTY, 1 << 20));

	private EventLoop(String name, boolean daemon, int highWater, int lowWater, int maxPollMillis) {
		this.name = name;
		this.failedMessage = name + ": poll loop failed; the loop is closed";
		this.highWater = highWater;
		this.lowWater = lowWater;
		this.maxPollMillis = maxPollMillis;
		this.thread = new LoopThread(this, name, daemon);
	}

	/**
	 * Creates the manager on a new poll thread and waits until it runs.
	 * @throws MongooseException if the manager cannot be created
	 */
	public static EventLoop start(String name, boolean daemon, int highWater, int lowWater, int maxPollMillis) {
		NativeConstants.ensureLoaded();
		String n = name != null ? name : "mongoose-loop-" + COUNTER.incrementAndGet();
		EventLoop loop = new EventLoop(n, daemon, highWater, lowWater, maxPollMillis);
		loop.thread.start();
		try {
			loop.thread.started.get(30, TimeUnit.SECONDS);
		}
		catch (java.util.concurrent.ExecutionException e) {
			throw new MongooseException("Could not start " + n, e.getCause());
		}
		catch (Exception e) {
			throw new MongooseException("Could not start " + n, e);
		}
		return loop;
	}

	public String name() {
		return name;
	}

	public int highWater() {
		return highWater;
	}

	public int lowWater() {
		return lowWater;
	}

	/** Poll thread: when the last poll returned (Unix ms), i.e. when the events being handled arrived. */
	public long polledAt() {
		return polledAt;
	}

	public boolean inEventLoop() {
		return Thread.currentThread() == thread;
	}

	/** Whether the calling thread is the poll thread of any loop (where application code must not run long). */
	public static boolean onAnyPollThread() {
		return Thread.currentThread() instanceof LoopThread;
	}

	public boolean isShutdown() {
		return shutdownRequested;
	}

	public boolean isTerminated() {
		return closedFully;
	}

	/** What ended the poll thread other than a disposal (an error of the loop's own code), or {@code null}. */
	public @Nullable Throwable failure() {
		return failure;
	}

	/** The error for an operation on this loop once it is disposed, or once its poll thread failed. */
	public IllegalStateException disposedError(String what) {
		Throwable f = failure;
		return f != null ? new IllegalStateException(what + " " + name + " has stopped: its poll thread failed with " + f, f)
				: new IllegalStateException(what + " " + name + " is disposed");
	}

	/**
	 * Completes once the manager is freed, on the poll thread as its last work (the thread ends
	 * right after: {@link #threadEnd()} waits for that too).
	 */
	public Mono<Void> terminationFuture() {
		return terminated.asMono();
	}

	/**
	 * Completes once the manager is freed and the poll thread has ended: after
	 * {@link #terminationFuture()}, the thread is joined on {@code boundedElastic} (unless it has
	 * ended already), so that no {@code mongoose-*} thread is left when a disposal completes (for
	 * a container's leak check, or a test that lists threads). Should that scheduler refuse the
	 * work (an application shutting its schedulers down first), the disposal completes without the
	 * wait, as it did before.
	 */
	public Mono<Void> threadEnd() {
		return terminated.asMono().then(Mono.defer(() -> !thread.isAlive() ? Mono.<Void>empty()
				: Mono.<Void>fromRunnable(this::joinThread).subscribeOn(Schedulers.boundedElastic())
						.onErrorResume(RejectedExecutionException.class, e -> Mono.empty())));
	}

	private void joinThread() {
		try {
			thread.join();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt(); // the wait was cancelled
		}
	}

	// ---- commands ----

	/** Runs {@code task} on the poll thread: at once when already there, else queued. */
	public void executeOrRun(Runnable task) {
		if (inEventLoop()) {
			task.run();
		}
		else {
			execute(task);
		}
	}

	/**
	 * Queues {@code task} for the poll thread. After the loop ended, tasks still run
	 * (serialised, on the caller) but every native call fails as closed; one queued by the
	 * poll thread while it closes the loop runs with the close's last tasks.
	 */
	public void execute(Runnable task) {
		if (!(inEventLoop() ? tasks.offerFromPollThread(task) : tasks.offer(task))) {
			runPostClose();
		}
	}

	private void ring() {
		LoopNative.wakeup(wakeHandle);
	}

	private void runPostClose() {
		if ((inEventLoop() && !closedFully) || Thread.holdsLock(postCloseLock)) {
			// a task that this thread runs from the queue (the closing poll thread's last ones, or
			// a drain after the close) queued another: that drain runs it too. Waiting here for
			// the end of the close would never end, and draining again would nest a level per task
			return;
		}
		while (!closedFully) {
			Thread.onSpinWait();
		}
		synchronized (postCloseLock) {
			tasks.drain(Integer.MAX_VALUE, EventLoop::safeRun);
		}
	}

	/** Runs {@code task} on the poll thread after {@code delay}. Resolution: 1 ms. */
	public Disposable schedule(Duration delay, Runnable task) {
		return schedule(delay, Duration.ZERO, task);
	}

	/** Runs {@code task} after {@code delay}, then every {@code period} (zero: once). */
	public Disposable schedule(Duration delay, Duration period, Runnable task) {
		Objects.requireNonNull(task, "task");
		Timers.Timer t = Timers.timer(task, Checks.atMostForever(delay).toNanos(), Checks.atMostForever(period).toNanos());
		executeOrRun(() -> timers.add(t, System.nanoTime()));
		return t;
	}

	/**
	 * Adds a task run on the poll thread when disposal starts (stop accepting etc.).
	 * @return removes the hook (a server that stopped on a loop that lives on)
	 */
	public Disposable onShutdown(Runnable hook) {
		Objects.requireNonNull(hook, "hook");
		executeOrRun(() -> shutdown.addHook(hook));
		return () -> executeOrRun(() -> shutdown.removeHook(hook));
	}

	/**
	 * Starts disposal: shutdown hooks run (servers stop accepting and close idle
	 * connections), then the loop waits until no connection is left or {@code timeout}
	 * passed, closes what is left and frees the manager on the poll thread. Called again
	 * while the loop waits, a shorter timeout wins (a dispose() during a graceful disposal
	 * closes what is left now), as for a server's connections.
	 */
	public void shutdown(Duration timeout) {
		if (closedFully) {
			return;
		}
		shutdownRequested = true;
		long deadline = System.nanoTime() + Math.max(0, Checks.atMostForever(timeout).toNanos());
		executeOrRun(() -> shutdown.begin(deadline, EventLoop::safeRun));
	}

	// ---- connections, poll thread only ----

	/** The manager's handle for natives; 0 once freed. Poll thread only. */
	long nativeHandle() {
		if (!inEventLoop() && !closedFully) {
			throw new IllegalStateException("Native calls must run on the poll thread " + name + ", not "
					+ Thread.currentThread().getName());
		}
		return handle;
	}

	private long activeHandle() {
		long h = nativeHandle();
		if (h == 0 || shutdownRequested) {
			throw disposedError("Loop");
		}
		return h;
	}

	/** Listens on an IP-literal URL. */
	public Channel listen(String url, Kind kind, ListenLimits limits, ListenerHandler handler) {
		return listen(url, kind, limits, handler, PortSharing.EXCLUSIVE);
	}

	/**
	 * Listens on an IP-literal URL, alone or as one of a group of loops on the same address
	 * ({@code SO_REUSEPORT}: the kernel spreads new connections between them).
	 */
	public Channel listen(String url, Kind kind, ListenLimits limits, ListenerHandler handler, PortSharing sharing) {
		long id = LoopNative.listen(activeHandle(), url, kind.code, limits.maxBody(), limits.maxHead(),
				limits.maxWebsocketFrame(), limits.pipelineLimit(), sharing.code);
		if (id <= 0) {
			throw Errors.toException(id, "listen on " + url);
		}
		return register(id, handler);
	}

	/** Opens an outbound connection to an IP-literal URL. */
	public Channel connect(String url, Kind kind, ChannelHandler handler) {
		long id = LoopNative.connect(activeHandle(), url, kind.code);
		if (id <= 0) {
			throw Errors.toException(id, "connect to " + url);
		}
		return register(id, handler);
	}

	/**
	 * Opens a UDP socket bound to {@code local} (null IP: the wildcard) and, with a
	 * {@code remote}, connected to it (the kernel then passes only the peer's datagrams).
	 * Buffer sizes of 0 keep the kernel's defaults. With {@code sntp} the glue parses the
	 * datagrams as SNTP answers.
	 */
	public Channel openUdp(byte @Nullable [] localIp, int localPort, byte @Nullable [] remoteIp, int remotePort,
			int receiveBuffer, int sendBuffer, boolean sntp, DatagramHandler handler) {
		long id = UdpNative.open(activeHandle(), localIp, localPort, remoteIp, remotePort, receiveBuffer, sendBuffer,
				sntp);
		if (id <= 0) {
			throw Errors.toException(id, remoteIp != null ? "open a UDP socket to port " + remotePort
					: "bind UDP port " + localPort);
		}
		return register(id, handler);
	}

	private Channel register(long id, ChannelHandler handler) {
		Channel c = new Channel(this, id, handler);
		channels.put(c);
		return c;
	}

	/** Commands queued for the poll thread (for metrics: walks the queue). */
	public int pendingTasks() {
		return tasks.size();
	}

	/** Sets the observer of every iteration (metrics) unless one is set already. */
	public synchronized void observeOnce(Supplier<? extends LoopObserver> observer) {
		if (this.observer == null) {
			this.observer = observer.get();
		}
	}

	/** Live native connections, listeners included. */
	public int connectionCount() {
		long h = nativeHandle();
		return h == 0 ? 0 : LoopNative.connectionCount(h);
	}

	/**
	 * Bytes of I/O buffers the loop's connections hold (receive, send, output queue); an idle
	 * keep-alive connection holds none. Poll thread only.
	 */
	public long bufferBytes() {
		long h = nativeHandle();
		return h == 0 ? 0 : LoopNative.bufferBytes(h);
	}

	/** Connections with a Java handler, listeners included. */
	public int channelCount() {
		nativeHandle();
		return channels.size();
	}

	// ---- the poll thread ----

	private void runLoop(LoopThread t) {
		long created = LoopNative.create(lowWater);
		if (created == 0) {
			t.started.completeExceptionally(new MongooseException(
					"mg_mgr_init/mg_wakeup_init failed (no loopback interface or out of memory)"));
			closedFully = true;
			return;
		}
		handle = created;
		wakeHandle = created;
		events = LoopNative.eventBuffer(handle).order(ByteOrder.nativeOrder());
		t.started.complete(null);
		boolean logged = true;
		try {
			while (!shutdown.finished(channels, System.nanoTime())) {
				long r = LoopNative.poll(handle, pollTimeout(), stage);
				polledAt = System.currentTimeMillis();
				LoopObserver o = observer;
				long busyStart = o != null ? System.nanoTime() : 0;
				dispatched = 0;
				if (EventRecords.arenaMoved(r)) {
					events = LoopNative.eventBuffer(handle).order(ByteOrder.nativeOrder());
				}
				if (EventRecords.recordLost(r)) {
					log.warn("{}: an event could not be stored (out of native memory)", name);
				}
				EventRecords.forEach(events, EventRecords.length(r), this::dispatch, this::handlerFailed);
				tasks.rearm();
				tasks.drain(DRAIN_BATCH, this::runTask);
				timers.runDue(System.nanoTime(), this::runTask);
				if (o != null) {
					observe(o, busyStart);
				}
			}
		}
		catch (Throwable e) {
			// an error of the loop's own code (out of memory while it reads its records, say):
			// the loop stops as if disposed, and says why to every operation made on it from now on
			failure = e;
			shutdownRequested = true;
			logged = logQuietly(failedMessage, e); // not when out of memory for the message: after the close
		}
		finally {
			close();
		}
		if (!logged) {
			whenMemoryAllows(logFailureStep);
		}
	}

	private Boolean logFailure() {
		log.error(failedMessage, failure);
		return Boolean.TRUE;
	}

	/**
	 * Tells the observer (an application's metrics registry) about the iteration. One that
	 * throws is logged and let go: it ended the poll thread, and with it every connection of
	 * the loop.
	 */
	private void observe(LoopObserver o, long busyStart) {
		try {
			o.iteration(dispatched, System.nanoTime() - busyStart);
		}
		catch (Throwable e) {
			observer = null;
			logQuietly(name + ": the loop's metrics failed; no longer recorded for this loop", e);
		}
	}

	private int pollTimeout() {
		if (!tasks.isEmpty()) {
			return 0;
		}
		int max = shutdown.started() ? Math.min(maxPollMillis, 20) : maxPollMillis;
		long nanos = timers.nanosToNext(System.nanoTime());
		if (nanos == Long.MAX_VALUE) {
			return max;
		}
		long ms = TimeUnit.NANOSECONDS.toMillis(nanos + 999_999);
		return (int) Math.max(0, Math.min(max, ms));
	}

	/**
	 * A connection's handler threw: logged, and the connection closed at once and its handler
	 * told, so that what waits on it fails with the error. (Going on with it would leave a
	 * handler of unknown state: an {@code OutOfMemoryError} while a client gathered a body left
	 * the response hanging and threw again at each read.)
	 */
	private void handlerFailed(long id, Throwable e) {
		log.error(name + ": event handler failed for connection " + id + "; closing it", e);
		Channel c = channels.get(id);
		if (c == null) {
			return;
		}
		c.close();
		try {
			c.handler().onHandlerFailure(e);
		}
		catch (Throwable t) {
			log.error(name + ": failure handler of connection " + id + " failed", t);
		}
	}

	private void dispatch(int type, long id, long arg, ByteBuffer b, int p, int plen) {
		clearInterrupt();
		dispatched++;
		if (type == NativeConstants.EV_ACCEPT) {
			accept(id, arg, b, p);
			return;
		}
		Channel c = type == NativeConstants.EV_CLOSE ? channels.remove(id) : channels.get(id);
		if (c == null) {
			return;
		}
		ChannelHandler h = c.handler();
		if (type == NativeConstants.EV_WIRE) {
			c.wire(arg == NativeConstants.WIRE_WRITTEN, b, p, plen);
		}
		else if (type == NativeConstants.EV_CLOSE) {
			c.closed(arg);
		}
		else if (type == NativeConstants.EV_WRITABLE) {
			c.fireWritable();
		}
		else if (type == NativeConstants.EV_ERROR) {
			byte[] msg = new byte[plen];
			b.get(p, msg);
			h.onError(ConnectionError.of(arg, new String(msg, StandardCharsets.UTF_8)));
		}
		else if (h instanceof TlsHandshakeHandler tls
				&& (type == NativeConstants.EV_TLS_PEER || type == NativeConstants.EV_TLS_DONE)) {
			if (type == NativeConstants.EV_TLS_PEER) {
				tls.onTlsPeerCertificates(b, p, plen);
			}
			else {
				tls.onTlsHandshakeDone();
			}
		}
		else if (h instanceof HttpChannelHandler http) {
			if (type == NativeConstants.EV_HTTP_MSG) {
				http.onRequest(b, p, plen, arg);
			}
			else if (type == NativeConstants.EV_HTTP_BODY_STAGED) {
				int off = EventRecords.stagedOffset(arg);
				int len = EventRecords.stagedLength(arg);
				byte[] s = stage;
				if (s == null || off < 0 || len < 0 || len > s.length - off) {
					throw new IllegalStateException("staged body piece out of range: " + off + "+" + len);
				}
				http.onBody(s, off, len);
			}
			else if (type == NativeConstants.EV_HTTP_BODY) {
				if (stage == null && stageBytes > 0) {
					stage = new byte[stageBytes]; // this loop streams bodies: stage them from the next poll on
				}
				http.onBody(b, p, plen);
			}
			else if (type == NativeConstants.EV_HTTP_END) {
				http.onBodyEnd(b, p, plen);
			}
			else if (type == NativeConstants.EV_REJECTED) {
				// RMG_REJECTED_ARG: status, and the body's bytes (the reason and a LF), the payload is
				// the start of the request line, then the reason (rmg_reject)
				int bodyBytes = (int) (arg >>> 32);
				int why = Math.min(Math.max(bodyBytes - 1, 0), plen);
				byte[] line = new byte[plen];
				b.get(p, line);
				http.onRejected((int) arg, bodyBytes, new String(line, 0, plen - why, StandardCharsets.ISO_8859_1),
						new String(line, plen - why, why, StandardCharsets.ISO_8859_1));
			}
		}
		else if (h instanceof WebsocketChannelHandler ws) {
			if (type == NativeConstants.EV_WS_MSG) {
				ws.onMessage((int) arg, b, p, plen);
			}
			else if (type == NativeConstants.EV_WS_CTL) {
				ws.onControl((int) arg, b, p, plen);
			}
			else if (type == NativeConstants.EV_REJECTED) {
				ws.onRejected((int) arg);
			}
		}
		else if (h instanceof DatagramHandler d) {
			if (type == NativeConstants.EV_DATAGRAM) {
				int a = EventRecords.addressSize();
				d.onDatagram(EventRecords.address(b, p), b, p + a, plen - a);
			}
			else if (type == NativeConstants.EV_UDP_ERROR) {
				d.onSocketError((int) arg);
			}
			else if (type == NativeConstants.EV_SNTP_TIME) {
				d.onSntpTime(arg, b.getLong(p));
			}
			else if (type == NativeConstants.EV_SNTP_BAD) {
				byte[] msg = new byte[plen];
				b.get(p, msg);
				d.onSntpRefused(new String(msg, StandardCharsets.UTF_8));
			}
		}
		else if (h instanceof StreamHandler s) {
			if (type == NativeConstants.EV_READ) {
				s.onRead(b, p, plen);
			}
			else if (type == NativeConstants.EV_CONNECT) {
				InetSocketAddress local = EventRecords.address(b, p);
				InetSocketAddress remote = EventRecords.address(b, p + EventRecords.addressSize());
				c.wireActive(local, remote);
				s.onConnect(local, remote);
			}
			else if (type == NativeConstants.EV_DRAINED) {
				s.onDrained(arg);
			}
			else if (type == NativeConstants.EV_READ_END) {
				c.wireShutdown(true);
				s.onReadEnd();
			}
			else if (type == NativeConstants.EV_WRITE_END) {
				c.wireShutdown(false);
				s.onWriteEnd();
			}
		}
	}

	private void accept(long id, long listenerId, ByteBuffer b, int p) {
		Channel listener = channels.get(listenerId);
		Channel child = new Channel(this, id, NO_HANDLER);
		ChannelHandler h = null;
		if (listener != null && !shutdownRequested && listener.handler() instanceof ListenerHandler l) {
			InetSocketAddress local = EventRecords.address(b, p);
			InetSocketAddress remote = EventRecords.address(b, p + EventRecords.addressSize());
			child.inheritWiretap(listener, local, remote);
			h = l.onAccept(child, local, remote);
		}
		if (h == null) {
			child.close();
		}
		else {
			child.handler(h);
			channels.put(child);
		}
	}

	private static final ChannelHandler NO_HANDLER = new ChannelHandler() {
	};

	/** Poll thread: runs a task or a timer of the loop. */
	private void runTask(Runnable r) {
		clearInterrupt();
		safeRun(r);
	}

	/**
	 * Poll thread, before each handler and task: clears an interrupt that one of them left (a
	 * {@code Thread.currentThread().interrupt()}), as Netty's NIO loop does. The thread is the
	 * loop's: left set, it made the interruptible calls of whatever ran next, for any
	 * connection, fail with {@code InterruptedException}. Logged once per loop.
	 */
	private void clearInterrupt() {
		if (Thread.interrupted() && !interruptLogged) {
			interruptLogged = true;
			log.warn("{}: a handler or a task interrupted the poll thread; the interrupt is cleared (the thread is the loop's)",
					name);
		}
	}

	private static void safeRun(Runnable r) {
		try {
			r.run();
		}
		catch (Throwable t) {
			logQuietly("Task failed on the poll thread", t);
		}
	}

	/**
	 * Logs at ERROR unless logging itself fails (out of memory: the message, the appender), so
	 * that what the poll thread catches cannot escape from its handler and end the loop.
	 * @return whether it was logged
	 */
	private static boolean logQuietly(String message, Throwable e) {
		try {
			log.error(message, e);
			return true;
		}
		catch (Throwable ignored) {
			return false; // nothing else to tell it with
		}
	}

	private void close() {
		// No producer may ring once the manager is freed: close the doorbell (this waits
		// out any mg_wakeup call still in progress), then free.
		// After a failure the heap may still be exhausted: nothing here allocates outside
		// whenMemoryAllows (no lambda, no iterator, no message built), see safeRunner.
		tasks.close();
		tasks.drain(DRAIN_BATCH, safeRunner);
		List<Channel> left = whenMemoryAllows(snapshotStep);
		channels.clear();
		synchronized (postCloseLock) {
			long h = handle;
			handle = 0;
			LoopNative.destroy(h);
			closedFully = true;
			for (int i = 0; i < left.size(); i++) {
				try {
					left.get(i).closed(0); // the loop ended: what was unsent is unknown
				}
				catch (Throwable t) {
					logQuietly("A connection's close failed on the poll thread", t);
				}
			}
			tasks.drain(Integer.MAX_VALUE, safeRunner);
		}
		timers.clear();
		whenMemoryAllows(terminateStep);
	}

	/**
	 * {@code step} of the close, tried again while the heap is exhausted: a close that an
	 * {@code OutOfMemoryError} cut short left the manager allocated, the listeners open (clients
	 * connected and were never answered) and every thread that then queued a task on the loop,
	 * a disposal too, waiting for good for the close to end.
	 */
	private static <T> T whenMemoryAllows(Supplier<T> step) {
		for (;;) {
			try {
				return step.get();
			}
			catch (OutOfMemoryError e) {
				try {
					Thread.sleep(10);
				}
				catch (InterruptedException i) {
					// keep closing: nothing else may end this thread
				}
			}
		}
	}

	/** The poll thread; {@link NonBlocking} so {@code block()} on it fails fast. */
	static final class LoopThread extends Thread implements NonBlocking {
		final EventLoop loop;
		final CompletableFuture<Void> started = new CompletableFuture<>();

		LoopThread(EventLoop loop, String name, boolean daemon) {
			// Mongoose's poll allocates per connection on the stack: use a large stack.
			super(null, null, name, 16L * 1024 * 1024);
			this.loop = loop;
			setDaemon(daemon);
		}

		@Override
		public void run() {
			loop.runLoop(this);
		}
	}
}
