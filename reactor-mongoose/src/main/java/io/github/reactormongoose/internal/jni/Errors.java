/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.jni;

import java.net.BindException;
import java.net.ConnectException;

import io.github.reactormongoose.AbortedException;
import io.github.reactormongoose.AddressInUseException;
import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.MongooseException;

/**
 * Maps negative native results to exceptions (netty's {@code Errors} habit: C returns codes,
 * Java builds the exception). Errno values and their messages come from C.
 */
public final class Errors {

	private Errors() {
	}

	public static RuntimeException toException(long code, String operation) {
		if (code == NativeConstants.ERR_NO_CONN || code == NativeConstants.ERR_CLOSING) {
			return new AbortedException("Connection has been closed before " + operation);
		}
		if (code == NativeConstants.ERR_OUTPUT_SHUT) {
			return new ConnectionClosedException(operation + " failed: the connection's sending side was shut down (shutdownOutput())");
		}
		if (code == NativeConstants.ERR_UNSUPPORTED) {
			return new UnsupportedOperationException(operation + " is not supported on this connection");
		}
		if (code == NativeConstants.ERR_OOM) {
			return new MongooseException(operation + " failed: out of native memory");
		}
		if (code == NativeConstants.ERR_BAD_ARG) {
			return new IllegalArgumentException(operation + " failed: invalid argument");
		}
		if (code <= -NativeConstants.ERR_ERRNO_BASE) {
			int errno = (int) (-code - NativeConstants.ERR_ERRNO_BASE);
			String text = NativeConstants.errnoMessage(errno);
			String message = operation + " failed: " + text + " (errno " + errno + ")";
			if (errno == NativeConstants.EADDRINUSE) {
				return new AddressInUseException(message, new BindException(operation + " failed: " + text));
			}
			MongooseException e = new MongooseException(message);
			if (errno == NativeConstants.EACCES || errno == NativeConstants.EADDRNOTAVAIL) {
				e.initCause(new BindException(operation + " failed: " + text));
			}
			else if (errno == NativeConstants.ECONNREFUSED) {
				e.initCause(new ConnectException(text));
			}
			return e;
		}
		return new MongooseException(operation + " failed (code " + code + ")");
	}
}
