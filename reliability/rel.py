#!/usr/bin/env python3
"""reactor-mongoose abuse and soak suite (stdlib only). Runs against a ReliabilityServer
(examples), started by run.sh. Each subcommand prints one JSON line of figures.

  rel.py slowloris  PORT [--conns 1000] [--secs 60] [--timeout 20]
  rel.py churn      PORT [--sequential 20000] [--rounds 10] [--concurrent 2000]
  rel.py slowreader PORT [--mib 1024] [--rate-mb 1]
  rel.py soak       PORT [--secs 600]
"""
import argparse, asyncio, json, os, re, shutil, socket, subprocess, sys, threading, time
import urllib.request

HOST = "127.0.0.1"


def stats(port):
    with urllib.request.urlopen(f"http://{HOST}:{port}/__stats", timeout=10) as r:
        return json.loads(r.read())


def settle(port, key, target, secs=15):
    """Polls /__stats until stats[key] <= target or secs pass; returns the last stats."""
    deadline = time.time() + secs
    s = stats(port)
    while s[key] > target and time.time() < deadline:
        time.sleep(0.2)
        s = stats(port)
    return s


def wrk(port, path, secs, conns=50, threads=1, extra=()):
    if not shutil.which("wrk"):
        sys.exit("wrk not found (Debian: apt-get install wrk)")
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{conns}", f"-d{secs}s", "--latency", "--timeout", "10s",
                          *extra, f"http://{HOST}:{port}{path}"], capture_output=True, text=True).stdout
    def lat(label):
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\b", out, re.M)
        if not m:
            return None
        v, u = float(m.group(1)), m.group(2)
        return v / 1000 if u == "us" else v * 1000 if u == "s" else v
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(rps.group(1)) if rps else None, "p50_ms": lat("50"), "p99_ms": lat("99"),
            "socket_errors": sum(map(int, errs.groups())) if errs else 0,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0}


# ---------------------------------------------------------------- slowloris

async def loris(port, results, stop_at):
    """One slow client: a request line, then one header byte per second until cut."""
    t0 = time.time()
    try:
        r, w = await asyncio.open_connection(HOST, port)
    except OSError:
        results["connect_failed"] += 1
        return
    results["opened"] += 1
    try:
        w.write(b"GET /hello HTTP/1.1\r\nHost: x\r\n")
        await w.drain()
        header = b"X-Slow: " + b"a" * 10_000
        for b in header:
            if time.time() > stop_at:
                results["still_open_at_end"] += 1
                return
            w.write(bytes([b]))
            await w.drain()
            try:
                data = await asyncio.wait_for(r.read(64), timeout=1.0)
            except asyncio.TimeoutError:
                continue
            if data.startswith(b"HTTP/1.1 408"):
                results["cut_408"] += 1
            else:
                results["cut_other"] += 1
            results["cut_after_s"].append(time.time() - t0)
            return
    except (ConnectionError, OSError):
        results["cut_other"] += 1
        results["cut_after_s"].append(time.time() - t0)
    finally:
        w.close()


def slowloris(a):
    base = wrk(a.port, "/hello", min(a.secs, 15))
    results = {"opened": 0, "connect_failed": 0, "cut_408": 0, "cut_other": 0, "still_open_at_end": 0,
               "cut_after_s": []}

    async def attack():
        stop_at = time.time() + a.secs + 5
        tasks = [asyncio.create_task(loris(a.port, results, stop_at)) for _ in range(a.conns)]
        await asyncio.gather(*tasks)

    th = threading.Thread(target=lambda: asyncio.run(attack()))
    th.start()
    time.sleep(3)  # the slow connections are open before the measured traffic starts
    loaded = wrk(a.port, "/hello", a.secs)
    th.join()
    cut = sorted(results.pop("cut_after_s"))
    print(json.dumps({"test": "slowloris", "conns": a.conns, "secs": a.secs, "header_timeout_s": a.timeout,
                      "unloaded": base, "loaded": loaded,
                      "p99_ratio": (loaded["p99_ms"] / base["p99_ms"]) if base["p99_ms"] and loaded["p99_ms"] else None,
                      **results, "median_cut_after_s": cut[len(cut) // 2] if cut else None,
                      "max_cut_after_s": cut[-1] if cut else None}))


# ---------------------------------------------------------------- churn

REQ = b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def one_exchange():
    with socket.create_connection((HOST, PORT), timeout=10) as s:
        s.sendall(REQ)
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.startswith(b"HTTP/1.1 200") and data.endswith(b"Hello, World!")


async def one_exchange_async(sem):
    async with sem:
        try:
            r, w = await asyncio.open_connection(HOST, PORT)
            w.write(REQ)
            await w.drain()
            data = await asyncio.wait_for(r.read(), timeout=20)
            w.close()
            return data.startswith(b"HTTP/1.1 200") and data.endswith(b"Hello, World!")
        except (OSError, asyncio.TimeoutError):
            return False


def churn(a):
    global PORT
    PORT = a.port
    before = settle(a.port, "connections", 1)
    t0 = time.time()
    seq_ok = sum(one_exchange() for _ in range(a.sequential))
    seq_s = time.time() - t0

    async def rounds():
        ok = 0
        sem = asyncio.Semaphore(a.concurrent)
        for _ in range(a.rounds):
            ok += sum(await asyncio.gather(*[one_exchange_async(sem) for _ in range(a.concurrent)]))
        return ok

    t0 = time.time()
    conc_ok = asyncio.run(rounds())
    conc_s = time.time() - t0
    time.sleep(1)
    after = settle(a.port, "native_allocations", before["native_allocations"])
    after = settle(a.port, "fds", before["fds"], 5)
    print(json.dumps({"test": "churn", "sequential": a.sequential, "sequential_ok": seq_ok,
                      "sequential_s": round(seq_s, 1), "concurrent": f"{a.rounds}x{a.concurrent}",
                      "concurrent_ok": conc_ok, "concurrent_s": round(conc_s, 1),
                      "before": before, "after": after,
                      "fds_back": after["fds"] <= before["fds"],
                      "native_allocations_back": after["native_allocations"] <= before["native_allocations"]}))


# ---------------------------------------------------------------- slow reader

def slowreader(a):
    before = stats(a.port)
    peak = dict(before)
    total = a.mib * 1024 * 1024
    rate = a.rate_mb * 1024 * 1024
    got = 0
    t0 = time.time()
    last_sample = 0
    with socket.create_connection((HOST, a.port), timeout=30) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        s.sendall(f"GET /stream/{a.mib} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        while True:
            chunk = s.recv(64 * 1024)
            if not chunk:
                break
            got += len(chunk)
            ahead = got / rate - (time.time() - t0)
            if ahead > 0:
                time.sleep(ahead)
            if time.time() - last_sample > 5:
                last_sample = time.time()
                st = stats(a.port)
                for k in ("rss_kb", "heap_used"):
                    peak[k] = max(peak[k], st[k])
    secs = time.time() - t0
    print(json.dumps({"test": "slowreader", "mib": a.mib, "rate_mb_s": a.rate_mb, "received_bytes": got,
                      "expected_body_bytes": total, "secs": round(secs, 1),
                      "heap_growth_mb": round((peak["heap_used"] - before["heap_used"]) / 1048576, 1),
                      "rss_growth_mb": round((peak["rss_kb"] - before["rss_kb"]) / 1024, 1),
                      "before": before, "peak": peak}))


# ---------------------------------------------------------------- soak

def ws_client(port, stop, counters):
    import base64
    while not stop.is_set():
        try:
            with socket.create_connection((HOST, port), timeout=10) as s:
                key = base64.b64encode(os.urandom(16)).decode()
                s.sendall(f"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
                head = b""
                while b"\r\n\r\n" not in head:
                    head += s.recv(1024)
                if not head.startswith(b"HTTP/1.1 101"):
                    counters["errors"] += 1
                    continue
                for i in range(100):
                    payload = f"message {i}".encode()
                    mask = os.urandom(4)
                    s.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[j % 4] for j, b in enumerate(payload)))
                    frame = s.recv(1024)
                    if frame[2:] != payload:
                        counters["errors"] += 1
                    counters["ws"] += 1
                s.sendall(bytes([0x88, 0x82]) + b"\0\0\0\0" + b"\x03\xe8")
        except OSError:
            counters["errors"] += 1


def sse_client(port, stop, counters):
    while not stop.is_set():
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/sse", timeout=10) as r:
                for _ in range(25):
                    line = r.readline()
                    if line.startswith(b"event:"):
                        counters["sse"] += 1
        except OSError:
            counters["errors"] += 1


def uploader(port, stop, counters):
    body = os.urandom(1024 * 1024)
    while not stop.is_set():
        try:
            req = urllib.request.Request(f"http://{HOST}:{port}/upload", data=body, method="POST")
            with urllib.request.urlopen(req, timeout=30) as r:
                if r.read() != str(len(body)).encode():
                    counters["errors"] += 1
                counters["uploads"] += 1
        except OSError:
            counters["errors"] += 1


def soak(a):
    stop = threading.Event()
    counters = {"ws": 0, "sse": 0, "uploads": 0, "errors": 0}
    threads = [threading.Thread(target=f, args=(a.port, stop, counters), daemon=True)
               for f in (ws_client, ws_client, sse_client, uploader)]
    for t in threads:
        t.start()
    samples = []
    wrk_results = []
    t0 = time.time()
    while time.time() - t0 < a.secs:
        chunk = min(30, a.secs - (time.time() - t0))
        if chunk < 1:
            break
        w1 = threading.Thread(target=lambda: wrk_results.append(("64k", wrk(a.port, "/64k", int(chunk), conns=10))))
        w1.start()
        wrk_results.append(("hello", wrk(a.port, "/hello", int(chunk), conns=40)))
        w1.join()
        samples.append((round(time.time() - t0), stats(a.port)["rss_kb"]))
    stop.set()
    warm = [rss for t, rss in samples if t >= a.secs * 0.2] or [samples[-1][1]]
    drift = (warm[-1] - warm[0]) / warm[0] * 100 if warm[0] else None
    errors = counters["errors"] + sum(r["socket_errors"] + r["non_2xx"] for _, r in wrk_results)
    print(json.dumps({"test": "soak", "secs": a.secs, "rss_kb_samples": samples,
                      "rss_drift_after_warmup_pct": round(drift, 2) if drift is not None else None,
                      "requests": sum(int((r["rps"] or 0) * 30) for _, r in wrk_results), **counters,
                      "errors_total": errors}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("slowloris"); s.add_argument("port", type=int)
    s.add_argument("--conns", type=int, default=1000); s.add_argument("--secs", type=int, default=60)
    s.add_argument("--timeout", type=int, default=20)
    s = sub.add_parser("churn"); s.add_argument("port", type=int)
    s.add_argument("--sequential", type=int, default=20000); s.add_argument("--rounds", type=int, default=10)
    s.add_argument("--concurrent", type=int, default=2000)
    s = sub.add_parser("slowreader"); s.add_argument("port", type=int)
    s.add_argument("--mib", type=int, default=1024); s.add_argument("--rate-mb", type=float, default=1.0)
    s = sub.add_parser("soak"); s.add_argument("port", type=int); s.add_argument("--secs", type=int, default=600)
    a = p.parse_args()
    {"slowloris": slowloris, "churn": churn, "slowreader": slowreader, "soak": soak}[a.cmd](a)


if __name__ == "__main__":
    main()
