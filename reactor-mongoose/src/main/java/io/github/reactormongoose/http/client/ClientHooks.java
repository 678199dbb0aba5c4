/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The lifecycle hooks of an {@link HttpClient}, each list in the order they were added;
 * immutable, a new instance per change.
 */
record ClientHooks(List<Consumer<? super HttpClientRequest>> onRequest,
		List<Consumer<? super HttpClientRequest>> afterRequest, List<BiConsumer<? super HttpClientRequest, ? super Throwable>> onRequestError,
		List<Consumer<? super HttpClientResponse>> onResponse,
		List<Consumer<? super HttpClientResponse>> afterResponseSuccess,
		List<BiConsumer<? super HttpClientResponse, ? super Throwable>> onResponseError,
		List<Consumer<? super HttpClientResponse>> onRedirect) {

	static final ClientHooks NONE = new ClientHooks(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

	static <T> List<T> plus(List<T> list, T item) {
		List<T> l = new ArrayList<>(list);
		l.add(item);
		return List.copyOf(l);
	}

	/** Runs every hook; the first exception is thrown after all ran, later ones suppressed. */
	static <T> void run(List<Consumer<? super T>> hooks, T arg) {
		RuntimeException first = null;
		for (Consumer<? super T> h : hooks) {
			try {
				h.accept(arg);
			}
			catch (RuntimeException e) {
				if (first == null) {
					first = e;
				}
				else {
					first.addSuppressed(e);
				}
			}
		}
		if (first != null) {
			throw first;
		}
	}

	/** Runs every error hook; what they throw is added to {@code error} as suppressed. */
	static <T> void runError(List<BiConsumer<? super T, ? super Throwable>> hooks, T arg, Throwable error) {
		for (BiConsumer<? super T, ? super Throwable> h : hooks) {
			try {
				h.accept(arg, error);
			}
			catch (RuntimeException e) {
				if (e != error) {
					error.addSuppressed(e);
				}
			}
		}
	}
}
