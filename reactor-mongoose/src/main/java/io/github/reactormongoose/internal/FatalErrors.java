/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal;

import java.util.function.UnaryOperator;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.util.context.Context;

/**
 * JVM errors (an {@code OutOfMemoryError}, a {@code StackOverflowError}) that Reactor's
 * operators rethrow instead of signalling. One thrown by a subscriber's {@code onNext} out of an
 * operator's drain (a sink's, {@code concatMapIterable}'s) left that operator mid-drain, where
 * it never delivered the error its source failed with afterwards: the Flux never ended.
 */
public final class FatalErrors {

	private FatalErrors() {
	}

	/** {@link #delivered(Flux, UnaryOperator)} with the source's errors as they are. */
	public static <T> Flux<T> delivered(Flux<T> source) {
		return delivered(source, UnaryOperator.identity());
	}

	/**
	 * {@code source}, with an error thrown by the subscriber's {@code onNext} delivered to it: the
	 * source is cancelled, the subscriber gets the error in {@code onError}, and a JVM error is
	 * rethrown for whoever called (the loop logs it and closes the connection, as without this
	 * operator). Errors of the source pass through {@code unwrap} (a JVM error the source carried
	 * as an ordinary exception, say).
	 */
	public static <T> Flux<T> delivered(Flux<T> source, UnaryOperator<Throwable> unwrap) {
		return new Delivering<>(source, unwrap);
	}

	private static final class Delivering<T> extends FluxOperator<T, T> {

		private final UnaryOperator<Throwable> unwrap;

		Delivering(Flux<T> source, UnaryOperator<Throwable> unwrap) {
			super(source);
			this.unwrap = unwrap;
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			source.subscribe(new CoreSubscriber<T>() {
				private Subscription upstream;
				private boolean terminated;

				@Override
				public Context currentContext() {
					return actual.currentContext();
				}

				@Override
				public void onSubscribe(Subscription s) {
					upstream = s;
					actual.onSubscribe(s);
				}

				@Override
				public void onNext(T t) {
					if (terminated) {
						return;
					}
					try {
						actual.onNext(t);
					}
					catch (Throwable e) {
						terminated = true;
						upstream.cancel();
						actual.onError(e);
						Exceptions.throwIfJvmFatal(e);
					}
				}

				@Override
				public void onError(Throwable t) {
					if (!terminated) {
						terminated = true;
						actual.onError(unwrap.apply(t));
					}
				}

				@Override
				public void onComplete() {
					if (!terminated) {
						terminated = true;
						actual.onComplete();
					}
				}
			});
		}
	}
}
