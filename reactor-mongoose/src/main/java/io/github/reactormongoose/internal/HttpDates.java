/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP dates (RFC 9110, 5.6.7): written as IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT},
 * always two digits for the day), read in all three formats a recipient must accept.
 */
public final class HttpDates {

	private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter
			.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

	/** IMF-fixdate; one digit for the day is taken too (what this library's Last-Modified was). */
	private static final Pattern FIXDATE = Pattern
			.compile("[A-Z][a-z]{2}, (\\d{1,2}) ([A-Z][a-z]{2}) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT");
	/** The obsolete RFC 850 format: {@code Sunday, 06-Nov-94 08:49:37 GMT}. */
	private static final Pattern RFC850 = Pattern
			.compile("[A-Z][a-z]{5,8}, (\\d{2})-([A-Z][a-z]{2})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) GMT");
	/** The obsolete asctime() format: {@code Sun Nov  6 08:49:37 1994}. */
	private static final Pattern ASCTIME = Pattern
			.compile("[A-Z][a-z]{2} ([A-Z][a-z]{2}) ([ \\d]\\d) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})");
	private static final String MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

	/** Returned by {@link #parse} for text that is not an HTTP date. */
	public static final long INVALID = Long.MIN_VALUE;

	/** The current second and its text, replaced once a second by whichever thread first asks. */
	private record Second(long epochSecond, String text) {
	}

	private static volatile Second current = new Second(Long.MIN_VALUE, "");

	private HttpDates() {
	}

	/** {@code instant} as IMF-fixdate (the fraction of its second dropped). */
	public static String format(Instant instant) {
		return IMF_FIXDATE.format(instant);
	}

	/** The current time as IMF-fixdate, formatted at most once a second. */
	public static String now() {
		long s = Math.floorDiv(System.currentTimeMillis(), 1000);
		Second c = current;
		if (c.epochSecond != s) {
			c = new Second(s, format(Instant.ofEpochSecond(s)));
			current = c;
		}
		return c.text;
	}

	/**
	 * The Unix time in seconds of an HTTP date in any of its three formats (surrounding
	 * whitespace ignored), or {@link #INVALID}. Month names are case-sensitive, as the grammar
	 * says; the day name is not checked against the date. A two-digit RFC 850 year more than 50
	 * years ahead is taken as the last such year in the past (RFC 9110, 5.6.7).
	 */
	public static long parse(String text) {
		String t = text.trim();
		Matcher m;
		if ((m = FIXDATE.matcher(t)).matches()) {
			return seconds(Integer.parseInt(m.group(3)), m.group(2), m.group(1), m, 4);
		}
		if ((m = RFC850.matcher(t)).matches()) {
			int nowYear = LocalDateTime.now(ZoneOffset.UTC).getYear();
			int year = nowYear - Math.floorMod(nowYear, 100) + Integer.parseInt(m.group(3));
			if (year > nowYear + 50) {
				year -= 100;
			}
			return seconds(year, m.group(2), m.group(1), m, 4);
		}
		if ((m = ASCTIME.matcher(t)).matches()) {
			return seconds(Integer.parseInt(m.group(6)), m.group(1), m.group(2), m, 3);
		}
		return INVALID;
	}

	/** The date with the hour, minute and second in groups {@code hms}, {@code hms+1}, {@code hms+2}. */
	private static long seconds(int year, String month, String day, Matcher m, int hms) {
		int mon = MONTHS.indexOf(month);
		if (mon < 0 || mon % 3 != 0) {
			return INVALID;
		}
		try {
			int second = Math.min(Integer.parseInt(m.group(hms + 2)), 59); // a leap second (60) is allowed
			return LocalDateTime.of(year, mon / 3 + 1, Integer.parseInt(day.trim()), Integer.parseInt(m.group(hms)),
					Integer.parseInt(m.group(hms + 1)), second).toEpochSecond(ZoneOffset.UTC);
		}
		catch (DateTimeException e) {
			return INVALID; // 31 Feb, hour 25 and the like
		}
	}
}
