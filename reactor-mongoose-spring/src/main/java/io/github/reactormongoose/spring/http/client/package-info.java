/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
/**
 * Spring's reactive HTTP client ({@code WebClient}) over the reactor-mongoose
 * {@link io.github.reactormongoose.http.client.HttpClient}: {@link MongooseClientHttpConnector}.
 */
package io.github.reactormongoose.spring.http.client;
