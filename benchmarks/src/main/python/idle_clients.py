"""Opens N idle HTTP keep-alive connections to 127.0.0.1:PORT and holds them.

    python idle_clients.py PORT N MAX_HOLD_SECONDS

Connects in batches of 100 (to stay under the servers' listen backlogs, 128 for cymongoose), sends one
"GET / HTTP/1.1" on every connection and reads its response, so each connection is a
finished keep-alive exchange. Then prints "READY <n>" and holds the sockets until SIGTERM
arrives or MAX_HOLD_SECONDS pass; sockets are closed with RST (SO_LINGER 0)
so no TIME_WAIT is left behind. Only 127.0.0.1 is ever contacted.
SPDX-License-Identifier: GPL-2.0-only
"""

import selectors
import signal
import socket
import struct
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
BATCH = 100


def open_batch(port, count):
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        sel.register(s, selectors.EVENT_WRITE, [b"", False])
        socks.append(s)
    pending = len(socks)
    deadline = time.monotonic() + 30
    while pending and time.monotonic() < deadline:
        for key, mask in sel.select(timeout=1):
            s, state = key.fileobj, key.data
            if mask & selectors.EVENT_WRITE and not state[1]:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise OSError(err, "connect failed")
                s.send(REQUEST)
                state[1] = True
                sel.modify(s, selectors.EVENT_READ, state)
            elif mask & selectors.EVENT_READ:
                chunk = s.recv(65536)
                if not chunk:
                    raise OSError("server closed an idle connection")
                state[0] += chunk
                head, sep, body = state[0].partition(b"\r\n\r\n")
                if sep:
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value.strip())
                    if len(body) >= length:
                        sel.unregister(s)
                        pending -= 1
    sel.close()
    if pending:
        raise TimeoutError(f"{pending} connections got no response")
    return socks


def main():
    port, n, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    socks = []
    t0 = time.monotonic()
    while len(socks) < n:
        socks += open_batch(port, min(BATCH, n - len(socks)))
    print(f"READY {len(socks)} in {time.monotonic() - t0:.1f}s", flush=True)
    end = time.monotonic() + hold
    while not stop and time.monotonic() < end:
        time.sleep(0.2)
    for s in socks:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
