/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.internal.jni.ConnNative;
import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.jni.EventRecords;
import io.github.reactormongoose.internal.jni.LoopNative;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.jni.WsNative;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.NonBlocking;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.concurrent.Queues;

/**
 * One Mongoose manager driven by one dedicated poll thread.
 * <p>
 * Events: during {@code mg_mgr_poll} the C handler appends compact records to an arena;
 * after the poll returns this class decodes them and calls the {@link ChannelHandler} of
 * each connection. Commands: any thread may {@link #execute(Runnable)} a task; it is queued
 * (MPSC) and the poll thread is woken by one coalesced doorbell ({@code mg_wakeup} with no
 * payload). The whole queue is drained after every poll. Internal API: applications use
 * {@code MongooseLoop}.
 */
public final class EventLoop {

	static final Logger log = Loggers.getLogger(EventLoop.class);

	/** Send-buffer size above which writers stop pulling and wait for a writable event. */
	public static final int DEFAULT_HIGH_WATER = 256 * 1024;
	/** Send-buffer size at or below which a waiting writer is resumed. */
	public static final int DEFAULT_LOW_WATER = 64 * 1024;

	/** Doorbell states: nothing pending / a wakeup was (or is being) sent / manager freed. */
	private static final int IDLE = 0;
	private static final int RUNG = 1;
	private static final int CLOSED = 2;

	private static final AtomicInteger COUNTER = new AtomicInteger();

	private final String name;
	private final Queue<Runnable> tasks = Queues.<Runnable>unboundedMultiproducer().get();
	private final AtomicInteger doorbell = new AtomicInteger(IDLE);
	/** Producers inside {@code mg_wakeup}; the manager is freed only when none is. */
	private final AtomicInteger ringers = new AtomicInteger();
	private final HashMap<Long, ChannelHandler> channels = new HashMap<>();
	private final PriorityQueue<Timer> timers = new PriorityQueue<>();
	private final Sinks.Empty<Void> terminated = Sinks.empty();
	private final Object postCloseLock = new Object();
	private final LoopThread thread;
	private final int highWater;
	private final int lowWater;
	private final int maxPollMillis;
	private final byte[] addressScratch = new byte[EventRecords.addressSize()];

	private long handle;
	private volatile long wakeHandle;
	private volatile boolean shutdownRequested;
	private volatile boolean closedFully;
	private ByteBuffer events;
	private long timerSequence;
	private final List<Runnable> shutdownHooks = new ArrayList<>();

	private EventLoop(String name, boolean daemon, int highWater, int lowWater, int maxPollMillis) {
		this.name = name;
		this.highWater = highWater;
		this.lowWater = lowWater;
		this.maxPollMillis = maxPollMillis;
		this.thread = new LoopThread(this, name, daemon);
	}

	/**
	 * Creates the manager on a new poll thread and waits until it runs.
	 * @throws io.github.reactormongoose.MongooseException if the manager cannot be created
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
			throw new io.github.reactormongoose.MongooseException("Could not start " + n, e.getCause());
		}
		catch (Exception e) {
			throw new io.github.reactormongoose.MongooseException("Could not start " + n, e);
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

	public boolean inEventLoop() {
		return Thread.currentThread() == thread;
	}

	public boolean isShutdown() {
		return shutdownRequested;
	}

	public boolean isTerminated() {
		return closedFully;
	}

	/** Completes once the manager is freed and the poll thread has ended. */
	public Mono<Void> terminationFuture() {
		return terminated.asMono();
	}

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
	 * Queues {@code task} for the poll thread and rings the doorbell if it is idle. After
	 * the loop ended, tasks still run (serialised) but every native call fails as closed.
	 */
	public void execute(Runnable task) {
		Objects.requireNonNull(task, "task");
		tasks.offer(task);
		// Ring only on IDLE -> RUNG. The poll thread resets RUNG -> IDLE after each poll and
		// then drains, so a task offered before a failed CAS is always seen by that drain.
		if (doorbell.compareAndSet(IDLE, RUNG)) {
			ringers.incrementAndGet();
			try {
				if (doorbell.get() != CLOSED) {
					LoopNative.wakeup(wakeHandle);
				}
			}
			finally {
				ringers.decrementAndGet();
			}
		}
		if (doorbell.get() == CLOSED) {
			runPostClose();
		}
	}

	private void runPostClose() {
		while (!closedFully) {
			Thread.onSpinWait();
		}
		synchronized (postCloseLock) {
			Runnable r;
			while ((r = tasks.poll()) != null) {
				safeRun(r);
			}
		}
	}

	/** Runs {@code task} on the poll thread after {@code delay}. Poll-thread resolution: ms. */
	public Disposable schedule(Duration delay, Runnable task) {
		return schedule(delay, Duration.ZERO, task);
	}

	public Disposable schedule(Duration delay, Duration period, Runnable task) {
		Objects.requireNonNull(task, "task");
		Timer t = new Timer(task, Math.max(0, delay.toNanos()), period.toNanos());
		executeOrRun(() -> {
			if (!t.cancelled) {
				t.deadline = System.nanoTime() + t.delayNanos;
				t.seq = timerSequence++;
				timers.add(t);
			}
		});
		return t;
	}

	/** Adds a task run on the poll thread when disposal starts (stop accepting etc.). */
	public void onShutdown(Runnable hook) {
		executeOrRun(() -> shutdownHooks.add(hook));
	}

	/**
	 * Starts disposal: shutdown hooks run (servers stop accepting and close idle
	 * connections), then the loop waits until no connection is left or {@code timeout}
	 * passed, closes what is left and frees the manager on the poll thread.
	 */
	public void shutdown(Duration timeout) {
		if (shutdownRequested) {
			return;
		}
		shutdownRequested = true;
		long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
		executeOrRun(() -> thread.beginShutdown(deadline));
	}

	// ---- natives, poll thread only ----

	private void checkLoop() {
		if (!inEventLoop() && !closedFully) {
			throw new IllegalStateException("Native calls must run on the poll thread " + name + ", not "
					+ Thread.currentThread().getName());
		}
	}

	public long listen(String url, int kind, long maxBody, int maxHead, int maxWsFrame, int pipelineLimit,
			ChannelHandler handler) {
		checkLoop();
		if (handle == 0 || shutdownRequested) {
			throw new IllegalStateException("Loop " + name + " is disposed");
		}
		long id = LoopNative.listen(handle, url, kind, maxBody, maxHead, maxWsFrame, pipelineLimit);
		if (id <= 0) {
			throw Errors.toException(id, "listen on " + url);
		}
		channels.put(id, handler);
		return id;
	}

	/** Opens an outbound connection to an IP-literal URL. */
	public long connect(String url, int kind, ChannelHandler handler) {
		checkLoop();
		if (handle == 0 || shutdownRequested) {
			throw new IllegalStateException("Loop " + name + " is disposed");
		}
		long id = LoopNative.connect(handle, url, kind);
		if (id <= 0) {
			throw Errors.toException(id, "connect to " + url);
		}
		channels.put(id, handler);
		return id;
	}

	/** Appends bytes to the connection's send buffer; returns its new length or an error code. */
	public long send(long id, ByteBuffer buf, int ops) {
		checkLoop();
		if (handle == 0) {
			return NativeConstants.ERR_NO_CONN;
		}
		int len = buf.remaining();
		if (buf.isDirect()) {
			return ConnNative.send(handle, id, buf, buf.position(), len, ops);
		}
		if (buf.hasArray()) {
			return ConnNative.sendArray(handle, id, buf.array(), buf.arrayOffset() + buf.position(), len, ops);
		}
		byte[] copy = new byte[len];
		buf.duplicate().get(copy);
		return ConnNative.sendArray(handle, id, copy, 0, len, ops);
	}

	public long send(long id, byte[] bytes, int offset, int length, int ops) {
		checkLoop();
		if (handle == 0) {
			return NativeConstants.ERR_NO_CONN;
		}
		return ConnNative.sendArray(handle, id, bytes, offset, length, ops);
	}

	public long control(long id, int ops) {
		checkLoop();
		if (handle == 0) {
			return NativeConstants.ERR_NO_CONN;
		}
		return ConnNative.control(handle, id, ops);
	}

	public int wsUpgrade(long id, String key, String protocol, String extraHeaders) {
		checkLoop();
		if (handle == 0) {
			return (int) NativeConstants.ERR_NO_CONN;
		}
		return WsNative.upgrade(handle, id, key, protocol, extraHeaders);
	}

	public long wsSend(long id, byte[] bytes, int offset, int length, int opcode, int ops) {
		checkLoop();
		if (handle == 0) {
			return NativeConstants.ERR_NO_CONN;
		}
		return WsNative.sendArray(handle, id, bytes, offset, length, opcode, ops);
	}

	/** Local or remote address of a live connection, or {@code null}. */
	public InetSocketAddress address(long id, boolean local) {
		checkLoop();
		if (handle == 0 || ConnNative.address(handle, id, local, addressScratch) != 0) {
			return null;
		}
		return EventRecords.address(ByteBuffer.wrap(addressScratch), 0);
	}

	/** Live native connections, listeners included. */
	public int connectionCount() {
		checkLoop();
		return handle == 0 ? 0 : LoopNative.connectionCount(handle);
	}

	/** Connections with a Java handler (listeners included). */
	public int channelCount() {
		checkLoop();
		return channels.size();
	}

	public void register(long id, ChannelHandler handler) {
		checkLoop();
		channels.put(id, handler);
	}

	public void deregister(long id) {
		checkLoop();
		channels.remove(id);
	}

	private static void safeRun(Runnable r) {
		try {
			r.run();
		}
		catch (Throwable t) {
			log.error("Task failed on the poll thread", t);
		}
	}

	// ---- the poll thread ----

	private void runLoop(LoopThread t) {
		long created = LoopNative.create(lowWater);
		if (created == 0) {
			t.started.completeExceptionally(new io.github.reactormongoose.MongooseException(
					"mg_mgr_init/mg_wakeup_init failed (no loopback interface or out of memory)"));
			closedFully = true;
			return;
		}
		handle = created;
		wakeHandle = created;
		events = LoopNative.eventBuffer(handle).order(ByteOrder.nativeOrder());
		t.started.complete(null);
		try {
			while (!t.finished()) {
				int timeout = pollTimeout();
				long r = LoopNative.poll(handle, timeout);
				if (EventRecords.arenaMoved(r)) {
					events = LoopNative.eventBuffer(handle).order(ByteOrder.nativeOrder());
				}
				if (EventRecords.recordLost(r)) {
					log.warn("{}: an event could not be stored (out of native memory)", name);
				}
				EventRecords.forEach(events, EventRecords.length(r), this::dispatch,
						(id, e) -> log.error(name + ": event handler failed for connection " + id, e));
				doorbell.compareAndSet(RUNG, IDLE);
				drainTasks();
				runTimers();
			}
		}
		catch (Throwable e) {
			log.error(name + ": poll loop failed", e);
		}
		finally {
			close();
		}
	}

	private int pollTimeout() {
		if (!tasks.isEmpty()) {
			return 0;
		}
		Timer next = timers.peek();
		int max = thread.shuttingDown ? Math.min(maxPollMillis, 20) : maxPollMillis;
		if (next == null) {
			return max;
		}
		long ms = TimeUnit.NANOSECONDS.toMillis(next.deadline - System.nanoTime() + 999_999);
		return (int) Math.max(0, Math.min(max, ms));
	}

	private void drainTasks() {
		Runnable r;
		int n = 0;
		while ((r = tasks.poll()) != null) {
			safeRun(r);
			if (++n == 4096) {
				break; // let I/O in; the next poll uses timeout 0
			}
		}
	}

	private void runTimers() {
		if (timers.isEmpty()) {
			return;
		}
		long now = System.nanoTime();
		Timer t;
		while ((t = timers.peek()) != null && t.deadline - now <= 0) {
			timers.poll();
			if (t.cancelled) {
				continue;
			}
			safeRun(t.task);
			if (t.periodNanos > 0 && !t.cancelled) {
				t.deadline += t.periodNanos;
				if (t.deadline - now < 0) {
					t.deadline = now + t.periodNanos;
				}
				t.seq = timerSequence++;
				timers.add(t);
			}
		}
	}

	private void dispatch(int type, long id, long arg, ByteBuffer b, int p, int plen) {
		if (type == NativeConstants.EV_CLOSE) {
			ChannelHandler h = channels.remove(id);
			if (h != null) {
				h.onClosed();
			}
			return;
		}
		if (type == NativeConstants.EV_ACCEPT) {
			ChannelHandler listener = channels.get(arg);
			ChannelHandler child = null;
			if (listener != null && !shutdownRequested) {
				child = listener.onAccept(id, EventRecords.address(b, p), EventRecords.address(b, p + EventRecords.addressSize()));
			}
			if (child == null) {
				ConnNative.control(handle, id, NativeConstants.OP_CLOSE);
			}
			else {
				channels.put(id, child);
			}
			return;
		}
		ChannelHandler h = channels.get(id);
		if (h == null) {
			return;
		}
		if (type == NativeConstants.EV_HTTP_MSG) {
			h.onHttpRequest(b, p, plen, arg);
		}
		else if (type == NativeConstants.EV_READ) {
			h.onRead(b, p, plen);
		}
		else if (type == NativeConstants.EV_WRITABLE) {
			h.onWritable();
		}
		else if (type == NativeConstants.EV_WS_MSG) {
			h.onWsMessage((int) arg, b, p, plen);
		}
		else if (type == NativeConstants.EV_WS_CTL) {
			h.onWsControl((int) arg, b, p, plen);
		}
		else if (type == NativeConstants.EV_CONNECT) {
			h.onConnect(EventRecords.address(b, p), EventRecords.address(b, p + EventRecords.addressSize()));
		}
		else if (type == NativeConstants.EV_ERROR) {
			byte[] msg = new byte[plen];
			b.get(p, msg);
			h.onError(new String(msg, java.nio.charset.StandardCharsets.UTF_8));
		}
		else if (type == NativeConstants.EV_DRAINED) {
			h.onDrained(arg);
		}
		else if (type == NativeConstants.EV_REJECTED) {
			h.onRejected((int) arg);
		}
	}

	private void close() {
		// No producer may ring once the manager is freed: close the doorbell, then wait
		// out any mg_wakeup call still in progress.
		doorbell.set(CLOSED);
		while (ringers.get() != 0) {
			Thread.onSpinWait();
		}
		drainTasks();
		List<ChannelHandler> left = new ArrayList<>(channels.values());
		channels.clear();
		synchronized (postCloseLock) {
			long h = handle;
			handle = 0;
			LoopNative.destroy(h);
			closedFully = true;
			for (ChannelHandler c : left) {
				try {
					c.onClosed();
				}
				catch (Throwable e) {
					log.error(name + ": close handler failed", e);
				}
			}
			Runnable r;
			while ((r = tasks.poll()) != null) {
				safeRun(r);
			}
		}
		timers.clear();
		terminated.tryEmitEmpty();
	}

	private static final class Timer implements Disposable, Comparable<Timer> {
		final Runnable task;
		final long delayNanos;
		final long periodNanos;
		long deadline;
		long seq;
		volatile boolean cancelled;

		Timer(Runnable task, long delayNanos, long periodNanos) {
			this.task = task;
			this.delayNanos = delayNanos;
			this.periodNanos = periodNanos;
		}

		@Override
		public void dispose() {
			cancelled = true;
		}

		@Override
		public boolean isDisposed() {
			return cancelled;
		}

		@Override
		public int compareTo(Timer o) {
			int c = Long.compare(deadline - o.deadline, 0);
			return c != 0 ? c : Long.compare(seq, o.seq);
		}
	}

	/** The poll thread; {@link NonBlocking} so {@code block()} on it fails fast. */
	static final class LoopThread extends Thread implements NonBlocking {
		final EventLoop loop;
		final CompletableFuture<Void> started = new CompletableFuture<>();
		boolean shuttingDown;
		long shutdownDeadline;

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

		void beginShutdown(long deadline) {
			if (shuttingDown) {
				return;
			}
			shuttingDown = true;
			shutdownDeadline = deadline;
			for (Runnable hook : loop.shutdownHooks) {
				safeRun(hook);
			}
			loop.shutdownHooks.clear();
		}

		boolean finished() {
			if (!shuttingDown) {
				return false;
			}
			if (loop.channels.isEmpty()) {
				return true;
			}
			if (System.nanoTime() - shutdownDeadline >= 0) {
				for (Long id : new ArrayList<>(loop.channels.keySet())) {
					ConnNative.control(loop.handle, id, NativeConstants.OP_CLOSE);
				}
				// one more poll fires MG_EV_CLOSE for all of them; then we stop anyway
				shutdownDeadline = Long.MAX_VALUE;
				forced = true;
				return false;
			}
			return forced;
		}

		boolean forced;
	}

	static void checkNotBlockingLoop() {
		if (Thread.currentThread() instanceof LoopThread) {
			throw new RejectedExecutionException("blocking call on the poll thread " + Thread.currentThread().getName());
		}
	}
}
