#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Python's websockets library (Debian's python3-websockets), nobody here wrote it, as a peer
with its permessage-deflate, which keeps its compression context between messages. Its server
by default limits both windows to 12 bits (server_max_window_bits=12; client_max_window_bits=12);
its client by default offers "client_max_window_bits" only.

Usage:
  websockets_peer.py client PORT [window12]
                                   connects to ws://127.0.0.1:PORT/echo (with "window12", offering
                                   server_max_window_bits=12 as well), sends text and binary
                                   messages (compressible and not, 0 bytes to 300 KB, and runs of
                                   small similar ones that its compressor refers back between),
                                   checks each echo, closes with 1000; prints one JSON line
  websockets_peer.py server        serves an echo endpoint on 127.0.0.1 (port chosen by the
                                   system, printed as "PORT n"), until stdin closes; a text message
                                   "stats" is answered with a JSON line: the messages and frames it
                                   received and how many of those frames had RSV1 (compressed),
                                   the longest compressed message and the Sec-WebSocket-Extensions
                                   it answered

Run by WebsocketPythonPeerTest.
"""
import asyncio
import json
import random
import sys

import websockets
from websockets.extensions import permessage_deflate

stats = {"messages": 0, "frames": 0, "rsv1_frames": 0, "longest_compressed": 0, "bad": 0}
failures = []

# Count the frames that arrive compressed: PerMessageDeflate.decode sees each data frame first.
_decode = permessage_deflate.PerMessageDeflate.decode


def _counting_decode(self, frame, *, max_size=None):
    out = _decode(self, frame, max_size=max_size)
    if frame.opcode in (websockets.frames.Opcode.TEXT, websockets.frames.Opcode.BINARY,
                        websockets.frames.Opcode.CONT):
        stats["frames"] += 1
        if frame.rsv1:
            stats["rsv1_frames"] += 1
            stats["longest_compressed"] = max(stats["longest_compressed"], len(out.data))
    return out


permessage_deflate.PerMessageDeflate.decode = _counting_decode


def fail(why):
    stats["bad"] += 1
    if len(failures) < 8:
        failures.append(why)


def payloads(rnd):
    """(message, description) pairs: sizes around the 4 KiB of a 12-bit window, and beyond."""
    words = "the same words again and again, "
    out = []
    for size in [0, 1, 63, 64, 1000, 4095, 4096, 4097, 20000, 70000, 300000]:
        out.append(((words * (size // len(words) + 1))[:size], f"text {size}"))
        out.append((bytes(rnd.getrandbits(8) for _ in range(min(size, 20000))), f"random binary {min(size, 20000)}"))
        out.append(((words.encode() * (size // len(words) + 1))[:size], f"repetitive binary {size}"))
    out.append(("Grüße, €, 😀 — " * 300, "text beyond ASCII"))
    # small similar messages: websockets compresses each with the earlier ones as context
    for i in range(50):
        out.append((f'{{"id": {i}, "event": "tick", "symbol": "ACME", "price": {100 + i % 7}}}' * 2, f"tick {i}"))
    return out


async def client(port, window12):
    rnd = random.Random(7)
    options = {}
    if window12:  # what its server asks of clients, asked of ours
        options = {"compression": None, "extensions": [permessage_deflate.ClientPerMessageDeflateFactory(
            server_max_window_bits=12, client_max_window_bits=12, compress_settings={"memLevel": 5})]}
    async with websockets.connect(f"ws://127.0.0.1:{port}/echo", max_size=1 << 20, **options) as ws:
        stats["extensions"] = ws.response_headers.get("Sec-WebSocket-Extensions", "")
        for message, what in payloads(rnd):
            await ws.send(message)
            echo = await ws.recv()
            if echo != message:
                fail(f"echo of {what}: got {len(echo)} {type(echo).__name__}")
            else:
                stats["messages"] += 1
        await ws.close(code=1000, reason="done")
        stats["close_code"] = ws.close_code


async def serve():
    answered = {}

    async def echo(ws, path=None):
        answered["extensions"] = ws.response_headers.get("Sec-WebSocket-Extensions", "")
        try:
            async for message in ws:
                if message == "stats":
                    await ws.send(json.dumps(dict(stats, extensions=answered.get("extensions", ""))))
                    continue
                stats["messages"] += 1
                await ws.send(message)
        except websockets.ConnectionClosed:
            pass

    async with websockets.serve(echo, "127.0.0.1", 0, max_size=1 << 20) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"PORT {port}", flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)  # until the test closes stdin


if __name__ == "__main__":
    if sys.argv[1] == "client":
        try:
            asyncio.run(client(int(sys.argv[2]), len(sys.argv) > 3 and sys.argv[3] == "window12"))
        except Exception as e:  # a frame websockets refuses, a close it did not expect
            fail(f"{type(e).__name__}: {e}")
        print(json.dumps({"stats": stats, "failures": failures}))
    else:
        asyncio.run(serve())
