#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A client of the DrainableFeed example written with Python's websockets library (Debian's
python3-websockets, nobody here wrote it), whose keepalive PINGs the server every 0.2 s and
closes the connection (1011, "keepalive ping timeout") when no PONG comes within 1 s.

Usage: drain_client.py PORT
  connects to ws://127.0.0.1:PORT/feed, checks an echo, stays connected for 1.5 s (its pings
  answered by the feed's handler), then POSTs /drain and reads on until the connection closes;
  prints one JSON line: the echo, the ticks seen, whether it was still open before the drain,
  how long after the drain it closed, and the close code and reason.

Run by DrainableFeedTest.
"""
import asyncio
import json
import sys
import time
import urllib.request

import websockets


async def main(port):
    out = {"echo": "", "ticks": 0, "open_before_drain": False}
    async with websockets.connect("ws://127.0.0.1:%d/feed" % port, ping_interval=0.2,
                                  ping_timeout=1.0, close_timeout=1.0) as ws:
        await ws.send("hello")
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            try:
                m = await asyncio.wait_for(ws.recv(), timeout=max(0.01, end - time.monotonic()))
            except asyncio.TimeoutError:
                break
            if m.startswith("echo "):
                out["echo"] = m
            elif m.startswith("tick "):
                out["ticks"] += 1
        out["open_before_drain"] = ws.open
        req = urllib.request.Request("http://127.0.0.1:%d/drain" % port, data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=5) as r:
            out["drain_answer"] = r.read().decode().strip()
        drained = time.monotonic()
        try:
            while True:
                m = await asyncio.wait_for(ws.recv(), timeout=10)
                if m.startswith("tick "):
                    out["ticks"] += 1
        except websockets.ConnectionClosed as e:
            out["closed_after_drain_ms"] = int((time.monotonic() - drained) * 1000)
            # the client closes: what it sent says why
            out["close_code"] = e.sent.code if e.sent else (e.rcvd.code if e.rcvd else 1006)
            out["close_reason"] = (e.sent.reason if e.sent else "") or (e.rcvd.reason if e.rcvd else "")
    print(json.dumps(out))


asyncio.run(main(int(sys.argv[1])))
