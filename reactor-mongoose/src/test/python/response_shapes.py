#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Random response shapes read by h11, a strict HTTP/1.1 parser nobody here wrote.

Usage: response_shapes.py PORT COUNT SEED

Each round sends one request to /r (its query picks the handler's status, headers it sets,
the kind of body, errors), a GET /h pipelined behind it on the same connection, and parses
what comes back with h11. A first response h11 refuses is a failure, unless the handler
contradicted a Content-Length it set on a streamed body (the server then cuts the connection:
expected). When the first response keeps the connection, the second must be "hello"; when it
closes it, nothing may follow. Prints one JSON line: counters and up to 8 failures.
Run by ResponseShapesTest.
"""
import json
import random
import socket
import sys

import h11

port, count, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
stats = {"rounds": 0, "bad": 0, "followup_ok": 0, "closed_ok": 0, "cut_expected": 0, "reset": 0}
failures = []


def fail(raw, data, why):
    stats["bad"] += 1
    if len(failures) < 8:
        failures.append({"request": raw[:300].decode("latin-1"), "response": data[:600].decode("latin-1"), "why": why})


def events_until_end(conn):
    events = []
    while True:
        ev = conn.next_event()
        if ev is h11.NEED_DATA:
            conn.receive_data(b"")  # the connection is over: EOF
            ev = conn.next_event()
            if ev is h11.NEED_DATA:
                return events
        if ev is h11.PAUSED:
            return events
        events.append(ev)
        if isinstance(ev, (h11.EndOfMessage, h11.ConnectionClosed)):
            return events


for _ in range(count):
    stats["rounds"] += 1
    params = {}
    if rnd.random() < 0.5:
        params["status"] = rnd.choice(["200", "201", "204", "206", "299", "304", "404", "500"])
    if rnd.random() < 0.3:
        params["cl"] = rnd.choice(["0", "2", "5", "10", "50", "abc", "-1"])
    if rnd.random() < 0.2:
        params["te"] = "1"
    if rnd.random() < 0.2:
        params["conn"] = rnd.choice(["close", "keep-alive", "X-Hop"])
    if rnd.random() < 0.1:
        params["ka0"] = "1"
    params["body"] = rnd.choice(["mono", "flux", "slowflux", "emptyflux", "errbefore", "errafter", "send", "sse",
                                 "readbody", "none"])
    method = rnd.choice(["GET", "GET", "HEAD", "POST"])
    version = rnd.choice(["1.1", "1.1", "1.1", "1.0"])
    target = "/r?" + "&".join(k + "=" + v for k, v in params.items())
    body = b"" if method != "POST" else b"x" * rnd.choice([0, 10, 20000])
    headers = [("Host", "x")]
    if method == "POST":
        headers.append(("Content-Length", str(len(body))))
    if rnd.random() < 0.3:
        headers.append(("Accept-Encoding", "gzip"))
    if version == "1.0" and rnd.random() < 0.5:
        headers.append(("Connection", "keep-alive"))
    raw = (f"{method} {target} HTTP/{version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode()
    raw += body
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(3)
    data = b""
    try:
        s.sendall(raw + b"GET /h HTTP/1.1\r\nHost: x\r\n\r\n")
        while True:
            x = s.recv(65536)
            if not x:
                break
            data += x
            if data.count(b"HTTP/1.1 ") >= 2 and data.endswith(b"hello"):
                break
    except socket.timeout:
        pass
    except (ConnectionResetError, BrokenPipeError):
        stats["reset"] += 1  # the server closed with the pipelined request unread
    finally:
        s.close()
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method=method, target=target, headers=headers))
    if body:
        conn.send(h11.Data(data=body))
    conn.send(h11.EndOfMessage())
    conn.receive_data(data)
    streamed = params["body"] in ("flux", "slowflux", "emptyflux", "sse", "errafter")
    cut_ok = "cl" in params and streamed and "te" not in params
    try:
        events = events_until_end(conn)
    except h11.RemoteProtocolError as e:
        if cut_ok and "without sending complete message body" in str(e):
            stats["cut_expected"] += 1
        elif params["body"] == "errafter" and "without sending complete message body" in str(e):
            stats["cut_expected"] += 1  # failed after the head: the body is cut, as it must be
        else:
            fail(raw, data, "first response: " + str(e))
        continue
    responses = [e for e in events if isinstance(e, h11.Response)]
    if not responses or not any(isinstance(e, h11.EndOfMessage) for e in events):
        if params["body"] == "errafter" or cut_ok:
            stats["cut_expected"] += 1
        else:
            fail(raw, data, "no complete first response")
        continue
    first = dict((k.decode().lower(), v.decode()) for k, v in responses[0].headers)
    tokens = first.get("connection", "").lower()
    closing = "close" in tokens or (version == "1.0" and "keep-alive" not in tokens)
    try:
        conn.start_next_cycle()
        conn.send(h11.Request(method="GET", target="/h", headers=[("Host", "x")]))
        conn.send(h11.EndOfMessage())
        second = events_until_end(conn)
        got = b"".join(e.data for e in second if isinstance(e, h11.Data))
    except (h11.RemoteProtocolError, h11.LocalProtocolError) as e:
        got = None
        if cut_ok or params["body"] == "errafter":
            stats["cut_expected"] += 1  # a whole first response, then the cut (its Content-Length: 0 was a lie)
            continue
        if not closing:
            fail(raw, data, "second response: " + str(e))
            continue
    if closing:
        if got:
            fail(raw, data, "answered after Connection: close")
        else:
            stats["closed_ok"] += 1
    elif got == b"hello":
        stats["followup_ok"] += 1
    elif cut_ok:
        stats["cut_expected"] += 1
    else:
        fail(raw, data, "second response: " + repr(got))

print(json.dumps({"stats": stats, "failures": failures}))
