"""cymongoose benchmark server: plain Manager + conn.reply(), the way cymongoose's own
benchmark server is written (poll(100) loop, MG_EV_HTTP_MSG handler).

    python cymongoose_hello.py PORT SCENARIO      SCENARIO: hello | 64k | echo

conn.reply() is mg_http_reply(): it adds "Content-Type: text/plain" and a space-padded
Content-Length, so its responses are a few bytes longer than the other servers'
(run.sh prints bytes per response for every server).
SPDX-License-Identifier: GPL-2.0-only
"""

import signal
import sys

from cymongoose import MG_EV_HTTP_MSG, Manager

HELLO = b"Hello, World!"
BIG = b"x" * (64 * 1024)


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[2] not in ("hello", "64k", "echo"):
        print("usage: cymongoose_hello.py PORT hello|64k|echo", file=sys.stderr)
        return 2
    port, scenario = int(sys.argv[1]), sys.argv[2]

    if scenario == "hello":
        def handler(conn, ev, data):
            if ev == MG_EV_HTTP_MSG:
                conn.reply(200, HELLO)
    elif scenario == "64k":
        def handler(conn, ev, data):
            if ev == MG_EV_HTTP_MSG:
                conn.reply(200, BIG)
    else:
        def handler(conn, ev, data):
            if ev == MG_EV_HTTP_MSG:
                conn.reply(200, data.body_bytes)

    stop = False

    def on_signal(signum, frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    manager = Manager(handler)
    try:
        manager.listen(f"http://127.0.0.1:{port}", http=True)
        print(f"READY cymongoose {scenario} port {port}", flush=True)
        while not stop:
            manager.poll(100)
    finally:
        manager.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
