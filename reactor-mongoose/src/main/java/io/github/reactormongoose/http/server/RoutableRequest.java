/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.util.Map;

/** A request the route table can hand the path variables it captured to. */
interface RoutableRequest extends HttpServerRequest {

	/** The variables captured by the matching route (an empty map for none). */
	void pathParams(Map<String, String> params);
}
