#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""An HTTP/1.1 server built on h11, a strict parser nobody here wrote, that judges requests.

Usage: strict_server.py  (binds 127.0.0.1 on a free port and prints "listening PORT")

Every request h11 accepts is answered 200 with "METHOD BODY-LENGTH CONTENT-TYPE"; one h11
refuses is counted, with h11's reason, and the connection closes. GET /__stats answers the
counters as JSON. Keep-alive and Connection: close follow h11. Run by ClientStrictPeerTest.
"""
import json
import socket
import threading

import h11

stats = {"requests": 0, "bad": 0, "connections": 0}
failures = []
lock = threading.Lock()


def handle(sock):
    conn = h11.Connection(h11.SERVER)
    with lock:
        stats["connections"] += 1
    try:
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = sock.recv(65536)
                conn.receive_data(data)
                if not data and conn.their_state in (h11.IDLE, h11.DONE, h11.CLOSED, h11.MUST_CLOSE):
                    return
                continue
            if isinstance(event, h11.Request):
                request, body = event, b""
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                if request.target == b"/__stats":
                    with lock:
                        payload = json.dumps({"stats": stats, "failures": failures}).encode()
                else:
                    with lock:
                        stats["requests"] += 1
                    headers = dict((k.decode().lower(), v.decode()) for k, v in request.headers)
                    payload = f"{request.method.decode()} {len(body)} {headers.get('content-type', '')}".encode()
                sock.sendall(conn.send(h11.Response(status_code=200, headers=[("Content-Length", str(len(payload)))])))
                if request.method != b"HEAD":
                    sock.sendall(conn.send(h11.Data(data=payload)))
                sock.sendall(conn.send(h11.EndOfMessage()))
                if conn.our_state is h11.MUST_CLOSE:
                    return
                conn.start_next_cycle()
            elif isinstance(event, h11.ConnectionClosed):
                return
    except h11.RemoteProtocolError as e:
        with lock:
            stats["bad"] += 1
            if len(failures) < 8:
                failures.append(str(e))
    except OSError:
        pass
    finally:
        sock.close()


server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(128)
print("listening", server.getsockname()[1], flush=True)
while True:
    client, _ = server.accept()
    threading.Thread(target=handle, args=(client,), daemon=True).start()
