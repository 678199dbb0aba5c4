#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""WebSocket sessions driven by wsproto, a strict RFC 6455 implementation nobody here wrote.

Usage: websocket_sessions.py PORT COUNT SEED [deflate | deflate-window-10]

With "deflate" every session offers permessage-deflate (RFC 7692, wsproto's PerMessageDeflate:
"client_max_window_bits=15; server_max_window_bits=15") and expects the server to accept it;
wsproto then inflates the server's compressed messages and compresses its own. With
"deflate-window-10" the offer asks for server_max_window_bits=10, which the server accepts; wsproto
then inflates with a 1 KiB window, so a server message that refers back further fails the session.

Each session upgrades on /echo (no sub-protocol) or /proto (offers a random list; the server
supports "chat" and "superchat"), checks the sub-protocol chosen, sends 1 to 6 text or binary
messages of 0 bytes to 300 KB (past the 16-bit length at 65,535), each cut into 1 to 4 fragments with pings between them, checks
each echo byte for byte, then closes with a random code and reason and expects the close
answer and the end of the TCP connection. wsproto refuses any frame that breaks the RFC
(masking, opcodes, UTF-8 of text, close codes). Prints one JSON line: counters and up to 8
failures. Run by WebsocketSessionsTest.
"""
import json
import random
import socket
import sys

from wsproto import ConnectionType, WSConnection
from wsproto.events import (AcceptConnection, BytesMessage, CloseConnection, Ping, RejectConnection, Request,
                            TextMessage)
from wsproto.extensions import PerMessageDeflate

port, count, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
mode = sys.argv[4] if len(sys.argv) > 4 else ""
rnd = random.Random(seed)
stats = {"sessions": 0, "bad": 0, "messages_ok": 0, "closed_ok": 0}
failures = []


def fail(why):
    stats["bad"] += 1
    if len(failures) < 8:
        failures.append(why)


def pump(sock, ws, until):
    """Reads events until until(event) is true (answering pings); returns them."""
    seen = []
    while True:
        for ev in ws.events():
            seen.append(ev)
            if isinstance(ev, Ping):
                sock.sendall(ws.send(ev.response()))
            if until(ev):
                return seen
        data = sock.recv(65536)
        if not data:
            return seen
        ws.receive_data(data)


for _ in range(count):
    stats["sessions"] += 1
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # fragments go out at once, not after an ACK
    sock.settimeout(5)
    ws = WSConnection(ConnectionType.CLIENT)
    path = rnd.choice(["/echo", "/proto"])
    offered = rnd.choice([[], ["chat"], ["x", "superchat"], ["nope"]])
    try:
        extensions = {"deflate": [PerMessageDeflate()],
                      "deflate-window-10": [PerMessageDeflate(server_max_window_bits=10)]}.get(mode, [])
        sock.sendall(ws.send(Request(host="127.0.0.1", target=path, subprotocols=offered, extensions=extensions)))
        events = pump(sock, ws, lambda e: isinstance(e, (AcceptConnection, RejectConnection)))
        accepted = [e for e in events if isinstance(e, AcceptConnection)]
        if not accepted:
            fail(f"upgrade on {path} offering {offered} refused: {events}")
            continue
        deflating = any(isinstance(x, PerMessageDeflate) for x in accepted[0].extensions)
        if deflating != mode.startswith("deflate"):
            fail(f"permessage-deflate {'accepted' if deflating else 'declined'} in mode {mode!r}")
            continue
        if deflating:
            stats["deflate"] = stats.get("deflate", 0) + 1
        expected = next((p for p in offered if p in ("chat", "superchat")), None) if path == "/proto" else None
        if accepted[0].subprotocol != expected:
            fail(f"sub-protocol {accepted[0].subprotocol} for {offered} on {path}, not {expected}")
        for _ in range(rnd.randint(1, 6)):
            size = rnd.choice([0, 1, 125, 126, 127, 1000, 65535, 65536, 70000, 300000])
            text = rnd.random() < 0.5
            if text:
                chunk = "".join(rnd.choice("abc\u00fc\u20ac\U0001F600 ") for _ in range(min(size // 3, 997)))
                payload = (chunk * (size // 3 // max(len(chunk), 1) + 1))[:size // 3]
            else:
                payload = rnd.randbytes(size)
            fragments = rnd.randint(1, 4)
            for k in range(fragments):
                piece = payload[k * len(payload) // fragments:(k + 1) * len(payload) // fragments]
                last = k == fragments - 1
                message = TextMessage(data=piece, message_finished=last) if text else BytesMessage(data=piece,
                                                                                                  message_finished=last)
                sock.sendall(ws.send(message))
                if not last and rnd.random() < 0.3:
                    sock.sendall(ws.send(Ping(payload=b"p%d" % k)))
            got = []

            def message_end(ev):
                if isinstance(ev, (TextMessage, BytesMessage)):
                    got.append(ev.data)
                    return ev.message_finished
                return isinstance(ev, CloseConnection)

            pump(sock, ws, message_end)
            echoed = ("" if text else b"").join(got)
            if echoed != payload:
                fail(f"echo of {size} {'text' if text else 'binary'} in {fragments} fragments: got {len(echoed)}")
                break
            stats["messages_ok"] += 1
        sock.sendall(ws.send(CloseConnection(code=rnd.choice([1000, 1001, 3000, 4000]),
                                             reason=rnd.choice(["", "bye", "\u00fc"]))))
        closes = [e for e in pump(sock, ws, lambda e: isinstance(e, CloseConnection)) if isinstance(e, CloseConnection)]
        if not closes:
            fail("no close answer")
            continue
        try:
            rest = sock.recv(16)
            if rest:
                fail(f"bytes after the close: {rest!r}")
            else:
                stats["closed_ok"] += 1
        except socket.timeout:
            fail("the server kept the TCP connection after the close")
    except Exception as e:  # a frame wsproto refuses, a reset, a timeout
        fail(f"{type(e).__name__}: {e}")
    finally:
        sock.close()

print(json.dumps({"stats": stats, "failures": failures}))
