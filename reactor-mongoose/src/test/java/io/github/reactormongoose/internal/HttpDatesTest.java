/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpDatesTest {

	private static final long EXAMPLE = Instant.parse("1994-11-06T08:49:37Z").getEpochSecond();

	@Test
	void writesImfFixdateWithTwoDigitDaysWhateverTheDefaultLocale() {
		assertThat(HttpDates.format(Instant.parse("1994-11-06T08:49:37.999Z"))).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
		assertThat(HttpDates.format(Instant.parse("2026-12-31T23:59:59Z"))).isEqualTo("Thu, 31 Dec 2026 23:59:59 GMT");
		assertThat(HttpDates.format(Instant.EPOCH)).isEqualTo("Thu, 01 Jan 1970 00:00:00 GMT");
	}

	@Test
	void nowIsTheCurrentSecond() {
		long before = System.currentTimeMillis() / 1000;
		String now = HttpDates.now();
		long after = System.currentTimeMillis() / 1000;
		assertThat(now).matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
		long s = ZonedDateTime.parse(now, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
		assertThat(s).isBetween(before, after);
	}

	@Test
	void readsTheThreeFormats() {
		assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT")).isEqualTo(EXAMPLE);
		assertThat(HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT")).isEqualTo(EXAMPLE);
		assertThat(HttpDates.parse("Sun Nov  6 08:49:37 1994")).isEqualTo(EXAMPLE);
		assertThat(HttpDates.parse("  Sun, 06 Nov 1994 08:49:37 GMT ")).as("surrounding whitespace").isEqualTo(EXAMPLE);
		assertThat(HttpDates.parse("Sun, 6 Nov 1994 08:49:37 GMT")).as("one-digit day").isEqualTo(EXAMPLE);
		assertThat(HttpDates.parse("Mon, 06 Nov 1994 08:49:37 GMT")).as("day name not checked").isEqualTo(EXAMPLE);
		assertThat(HttpDates.parse("Sat, 31 Dec 2016 23:59:60 GMT")).as("leap second")
				.isEqualTo(Instant.parse("2016-12-31T23:59:59Z").getEpochSecond());
	}

	@Test
	void aTwoDigitYearMoreThanFiftyYearsAheadIsInThePast() {
		int year = LocalDate.now(ZoneOffset.UTC).getYear();
		int ahead = year + 50; // not more than 50 years ahead: this century's (or the next)
		int beyond = year + 51;
		assertThat(yearOf(HttpDates.parse(String.format("Monday, 01-Jan-%02d 00:00:00 GMT", ahead % 100)))).isEqualTo(ahead);
		assertThat(yearOf(HttpDates.parse(String.format("Monday, 01-Jan-%02d 00:00:00 GMT", beyond % 100))))
				.isEqualTo(beyond - 100);
		assertThat(yearOf(HttpDates.parse(String.format("Monday, 01-Jan-%02d 00:00:00 GMT", year % 100)))).isEqualTo(year);
	}

	private static int yearOf(long epochSecond) {
		return Instant.ofEpochSecond(epochSecond).atZone(ZoneOffset.UTC).getYear();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "yesterday", "Sun, 06 nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC",
			"Sun, 06 Nov 1994 08:49:37 +0000", "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
			"Sun, 06 Xyz 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 006 Nov 1994 08:49:37 GMT",
			"Sun Nov 6 08:49:37 1994", "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49 GMT",
			"Sun, 06 Nov 1994 08:61:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMTx", "1994-11-06T08:49:37Z" })
	void anythingElseIsInvalid(String text) {
		assertThat(HttpDates.parse(text)).isEqualTo(HttpDates.INVALID);
	}
}
