#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""An HTTP/1.1 client built on h11, nobody here wrote it, that sends request trailers.

Usage: trailer_client.py PORT PATH BODY NAME=VALUE...

POSTs BODY in two chunks (Transfer-Encoding: chunked) and ends it with the NAME=VALUE pairs as
trailer fields, then a second request on the same connection without trailers; prints one
JSON line: {"first": "<status> <body>", "second": "<status> <body>"}. Run by
HttpRequestTrailersTest.
"""
import json
import socket
import sys

import h11


def exchange(sock, conn, path, body, trailers):
    headers = [("Host", "127.0.0.1"), ("Transfer-Encoding", "chunked")]
    if trailers:
        headers.append(("Trailer", ", ".join(n for n, _ in trailers)))
    out = conn.send(h11.Request(method="POST", target=path, headers=headers))
    half = len(body) // 2
    out += conn.send(h11.Data(data=body[:half]))
    out += conn.send(h11.Data(data=body[half:]))
    out += conn.send(h11.EndOfMessage(headers=trailers))
    sock.sendall(out)
    status, got = None, b""
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(sock.recv(65536))
        elif isinstance(event, h11.Response):
            status = event.status_code
        elif isinstance(event, h11.Data):
            got += event.data
        elif isinstance(event, h11.EndOfMessage):
            break
    conn.start_next_cycle()
    return "%d %s" % (status, got.decode("utf-8"))


def main():
    port, path, body = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode("utf-8")
    trailers = [tuple(a.split("=", 1)) for a in sys.argv[4:]]
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn = h11.Connection(h11.CLIENT)
    first = exchange(sock, conn, path, body, trailers)
    second = exchange(sock, conn, path, b"again", [])
    sock.close()
    print(json.dumps({"first": first, "second": second}))


main()
