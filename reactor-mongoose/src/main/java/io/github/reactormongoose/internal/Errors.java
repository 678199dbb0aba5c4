/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal;

import java.net.BindException;
import java.net.ConnectException;

import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.MongooseException;

/**
 * Maps negative native results to exceptions (netty's {@code Errors} habit: C returns codes,
 * Java builds the exception). Internal API.
 */
public final class Errors {

	private Errors() {
	}

	public static RuntimeException toException(long code, String operation) {
		if (code == NativeConstants.ERR_NO_CONN || code == NativeConstants.ERR_CLOSING) {
			return new ConnectionClosedException("Connection has been closed before " + operation);
		}
		if (code == NativeConstants.ERR_OOM) {
			return new MongooseException(operation + " failed: out of native memory");
		}
		if (code == NativeConstants.ERR_BAD_ARG) {
			return new IllegalArgumentException(operation + " failed: invalid argument");
		}
		if (code <= -1000) {
			int errno = (int) (-code - 1000);
			String text = errnoText(errno);
			MongooseException e = new MongooseException(operation + " failed: " + text + " (errno " + errno + ")");
			if (errno == 98 || errno == 13 || errno == 99) {
				BindException b = new BindException(operation + " failed: " + text);
				e.initCause(b);
			}
			else if (errno == 111) {
				e.initCause(new ConnectException(text));
			}
			return e;
		}
		return new MongooseException(operation + " failed (code " + code + ")");
	}

	/** Whether an exception from {@link #toException} means the address is in use. */
	public static boolean isAddressInUse(Throwable t) {
		for (Throwable c = t; c != null; c = c.getCause()) {
			if (c.getMessage() != null && c.getMessage().contains("Address already in use")) {
				return true;
			}
		}
		return false;
	}

	static String errnoText(int errno) {
		switch (errno) {
			case 1: return "Operation not permitted";
			case 2: return "No such file or directory";
			case 9: return "Bad file descriptor";
			case 12: return "Cannot allocate memory";
			case 13: return "Permission denied";
			case 22: return "Invalid argument";
			case 24: return "Too many open files";
			case 97: return "Address family not supported by protocol";
			case 98: return "Address already in use";
			case 99: return "Cannot assign requested address";
			case 101: return "Network is unreachable";
			case 110: return "Connection timed out";
			case 111: return "Connection refused";
			case 113: return "No route to host";
			default: return "errno " + errno;
		}
	}
}
