"""Turns one benchmarks/run.sh result folder into docs/benchmarks.md, docs/benchmarks.png,
<results>/summary.md and benchmarks/results/latest-summary.md.

    python3 report.py RESULTS_DIR REPO_ROOT

Every figure on the generated page is read from RESULTS_DIR; nothing is typed in by hand.
Standard library only (runs on the system python3); the chart is drawn by gnuplot.
SPDX-License-Identifier: GPL-2.0-only
"""

import collections
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

SERVERS = collections.OrderedDict([
    ("rawc", "raw C Mongoose"),
    ("rmg", "reactor-mongoose HttpServer"),
    ("netty", "Reactor Netty"),
    ("cymongoose", "cymongoose"),
    ("webflux-rmg", "WebFlux on reactor-mongoose"),
    ("webflux-netty", "WebFlux on Reactor Netty"),
    ("vertx", "Vert.x"),
    ("helidon", "Helidon SE"),
])
# The issue-14 peers: pinned id -> all-cores id
PEERS = collections.OrderedDict([("vertx", "vertx-ac"), ("helidon", "helidon-ac")])
COLORS = {"rawc": "#4d4d4d", "rmg": "#1f77b4", "netty": "#2ca02c", "cymongoose": "#ff7f0e",
          "webflux-rmg": "#9467bd", "webflux-netty": "#8c564b",
          "rawc-ac": "#4d4d4d", "rmg-l1": "#aec7e8", "rmg-l2": "#1f77b4", "rmg-l1-offload": "#17becf",
          "netty-ac": "#2ca02c", "webflux-rmg-l2": "#9467bd", "webflux-netty-ac": "#8c564b",
          "vertx": "#d62728", "helidon": "#e377c2", "vertx-ac": "#d62728", "helidon-ac": "#e377c2"}

# The all-cores servers (nothing pinned): id -> (name on the page, short name in the chart)
AC_SERVERS = collections.OrderedDict([
    ("rawc-ac", ("raw C Mongoose (one thread)", "raw C (1 thread)")),
    ("rmg-l1", ("reactor-mongoose, 1 loop", "rmg 1 loop")),
    ("rmg-l2", ("reactor-mongoose, 2 loops", "rmg 2 loops")),
    ("rmg-l1-offload", ("reactor-mongoose, 1 loop, handler on boundedElastic", "rmg 1 loop + boundedElastic")),
    ("netty-ac", ("Reactor Netty (defaults)", "Reactor Netty")),
    ("webflux-rmg-l2", ("WebFlux on reactor-mongoose, 2 loops", "WebFlux rmg 2 loops")),
    ("webflux-netty-ac", ("WebFlux on Reactor Netty (defaults)", "WebFlux Netty")),
    ("vertx-ac", ("Vert.x, 2 event loops", "Vert.x 2 loops")),
    ("helidon-ac", ("Helidon SE (defaults)", "Helidon")),
])

SCENARIOS = collections.OrderedDict([
    ("hello-c50", ("hello, keep-alive, 50 connections", "13-byte body `Hello, World!`; wrk `-t1 -c50`")),
    ("hello-c1000", ("hello, keep-alive, 1,000 connections", "same body; wrk `-t1 -c1000`")),
    ("hello-close", ("hello, no keep-alive", "same body; wrk `-t1 -c50 -H 'Connection: close'` (a new TCP connection per request)")),
    ("64k", ("64 KiB response", "65,536-byte body; wrk `-t1 -c50`")),
    ("echo-1mib", ("1 MiB POST echo", "the server sends the 1 MiB request body back; wrk `-t1 -c16 -s post-1mib.lua`")),
    ("file-1mib", ("static file 1 MiB", "`sendFile` of a 1 MiB file (Reactor Netty and Vert.x: their `sendFile`; Helidon SE: `Files.copy` to the response stream, its core has no sendfile); wrk `-t1 -c16`")),
    ("fib", ("CPU-bound handler", "fib(10^6) mod 1,000,000,007 with longs, computed on `Schedulers.boundedElastic()` "
             "(Vert.x: on a worker thread, `executeBlocking`; Helidon: on the request's virtual thread); wrk `-t1 -c50`")),
])

AC_SCENARIOS = collections.OrderedDict([
    ("ac-hello-c50", ("hello, all cores, 50 connections", "13-byte body `Hello, World!`; nothing pinned; wrk `-t{t} -c50`")),
    ("ac-hello-c1000", ("hello, all cores, 1,000 connections", "same body; nothing pinned; wrk `-t{t} -c1000`; "
                        "reactor-mongoose on 1 and 2 loops, Reactor Netty, Vert.x and Helidon only")),
    ("sha", ("CPU-heavy handler, all cores", "each request computes SHA-256 over a fixed {kib} KiB buffer on the thread "
             "that runs the handler (the poll thread / event loop of the connection) and gets the 64 hex digits back; "
             "(Vert.x: the event loop; Helidon: the request's virtual thread); "
             "the offloaded variant computes it on `Schedulers.boundedElastic()` instead; nothing pinned; "
             "wrk `-t{t} -c50`")),
])

# HTTPS (issue 11), pinned like the first group: id -> name on the page
TLS_SERVERS = collections.OrderedDict([
    ("rmg-tls", "reactor-mongoose (Mongoose built-in TLS 1.3)"),
    ("netty-tls", "Reactor Netty (JDK TLS provider)"),
])
TLS_SCENARIOS = collections.OrderedDict([
    ("tls-hello-c50", ("HTTPS hello, keep-alive, 50 connections", ">= 1.3x")),
    ("tls-handshake", ("HTTPS hello, a new connection and handshake per request", ">= 1.0x")),
])

UNITS_TIME = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
UNITS_BYTES = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4}


def read(path, default=""):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return default


def parse_meta(out):
    meta = {}
    for line in read(os.path.join(out, "meta.txt")).splitlines():
        k, sep, v = line.partition("=")
        if sep:
            meta[k.strip()] = v.strip()
    return meta


def ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    return float(m.group(1)) * UNITS_TIME[m.group(2)] if m else None


def parse_wrk(path):
    text = read(path)
    r = {"file": path}
    m = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    r["rps"] = float(m.group(1)) if m else None
    m = re.search(r"^Transfer/sec:\s+([\d.]+)(B|KB|MB|GB|TB)", text, re.M)
    r["transfer"] = float(m.group(1)) * UNITS_BYTES[m.group(2)] if m else None
    for pct in ("50", "99"):
        m = re.search(r"^\s+%s%%\s+(\S+)" % pct, text, re.M)
        r["p" + pct] = ms(m.group(1)) if m else None
    m = re.search(r"^RESULT (.*)$", text, re.M)
    res = dict(kv.split("=") for kv in m.group(1).split()) if m else {}
    r["requests"] = int(res.get("requests", 0))
    r["bytes_exact"] = int(res["bytes"]) / int(res["requests"]) if res and int(res.get("requests", 0)) else None
    r["errors"] = sum(int(res.get(k, 0)) for k in ("connect", "read", "write", "timeout"))
    r["error_kinds"] = {k: int(res.get(k, 0)) for k in ("connect", "read", "write", "timeout", "status")}
    r["non2xx"] = int(res.get("status", 0))
    r["bpr"] = r["transfer"] / r["rps"] if r["transfer"] and r["rps"] else None
    return r


def median(values):
    v = [x for x in values if x is not None]
    return statistics.median(v) if v else None


def fmt_int(x):
    return "—" if x is None else f"{x:,.0f}"


def fmt_ms(x):
    if x is None:
        return "—"
    return f"{x:.2f} ms" if x < 10 else f"{x:.1f} ms" if x < 100 else f"{x:,.0f} ms"


def fmt_ratio(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def load_runs(out):
    runs = collections.defaultdict(list)  # (scenario, server) -> [run]
    lines = read(os.path.join(out, "runs.csv")).splitlines()
    header = lines[0].split(",") if lines else []
    for line in lines[1:]:
        rec = dict(zip(header, line.split(",")))
        r = parse_wrk(os.path.join(out, rec["file"]))
        r["round"] = int(rec["round"])
        r["server_cpu"] = float(rec.get("server_cpu_s") or 0)
        r["wrk_cpu"] = float(rec.get("wrk_cpu_s") or 0)
        r["foreign_cpu"] = float(rec.get("foreign_cpu_s") or 0)
        r["steal_cpu"] = float(rec.get("steal_cpu_s") or 0)
        r["attempts"] = int(rec.get("attempts") or 1)
        r["rpcs"] = r["requests"] / r["server_cpu"] if r["server_cpu"] > 0 and r["requests"] else None
        runs[(rec["scenario"], rec["server"])].append(r)
    return runs


def aggregate(runs, meta):
    agg = {}
    dur = float(meta.get("duration", 1))
    limit = float(meta.get("disturbed_pct", 10)) / 100 * dur
    for key, rs in runs.items():
        for r in rs:
            r["disturbed"] = r["foreign_cpu"] > limit
        agg[key] = {
            "rpcs": median([r["rpcs"] for r in rs]),
            "server_cpus": median([r["server_cpu"] / dur for r in rs]),
            "wrk_cpus": median([r["wrk_cpu"] / dur for r in rs]),
            "disturbed": sum(1 for r in rs if r["disturbed"]),
            "repeats": sum(r["attempts"] - 1 for r in rs),
            "rps_marked": [(r["rps"], r["disturbed"]) for r in sorted(rs, key=lambda r: r["round"])],
            "rps": median([r["rps"] for r in rs]),
            "rps_all": [r["rps"] for r in sorted(rs, key=lambda r: r["round"])],
            "p50": median([r["p50"] for r in rs]),
            "p99": median([r["p99"] for r in rs]),
            "bpr": median([r["bpr"] for r in rs]),
            "bytes_exact": median([r["bytes_exact"] for r in rs]),
            "errors": sum(r["errors"] for r in rs),
            "error_kinds": {k: sum(r["error_kinds"][k] for r in rs) for k in ("connect", "read", "write", "timeout", "status")},
            "non2xx": sum(r["non2xx"] for r in rs),
            "rounds": len(rs),
        }
    return agg


def heap_used_kb(path):
    """Sum of the 'used' figures of the heap generations in a GC.heap_info dump."""
    total, found = 0, False
    for line in read(path).splitlines():
        m = re.match(r"\s*(def new generation|tenured generation|DefNew|Tenured|garbage-first heap|PSYoungGen|ParOldGen|"
                     r"ZHeap|Shenandoah)\b.*?used (\d+)K", line)
        if m:
            total += int(m.group(2))
            found = True
    return total if found else None


def idle_results(out, servers):
    d = os.path.join(out, "idle")
    res = collections.OrderedDict()
    for sv in servers:
        rb, ra = read(os.path.join(d, f"{sv}-rss-before.txt")).strip(), read(os.path.join(d, f"{sv}-rss-after.txt")).strip()
        if not rb or not ra:
            res[sv] = None
            continue
        client = read(os.path.join(d, f"{sv}-client.log"))
        m = re.search(r"^READY (\d+)", client, re.M)
        n = int(m.group(1)) if m else 0
        hb, ha = heap_used_kb(os.path.join(d, f"{sv}-heap-before.txt")), heap_used_kb(os.path.join(d, f"{sv}-heap-after.txt"))
        est = read(os.path.join(d, f"{sv}-established.txt")).strip()
        res[sv] = {
            "n": n,
            "rss_before": int(rb), "rss_after": int(ra),
            "rss_per_conn": (int(ra) - int(rb)) * 1024 / n if n else None,
            "heap_before": hb, "heap_after": ha,
            "heap_per_conn": (ha - hb) * 1024 / n if n and hb is not None and ha is not None else None,
            "established": int(est) if est.isdigit() else None,
            "probe_ok": read(os.path.join(d, f"{sv}-probe.txt")).strip() == "Hello, World!",
        }
    return res


def download_results(out, servers):
    """The 1 GiB streamed download (download/): MB/s, RSS before and peak, heap before and peak, per server."""
    d = os.path.join(out, "download")
    res = collections.OrderedDict()
    for sv in servers:
        # one line per measured download: bytes, seconds, bytes/s (runs before 2026-12-04 had one)
        runs = [l.split() for l in read(os.path.join(d, f"{sv}-curl.txt")).splitlines() if len(l.split()) >= 3]
        if not runs:
            continue
        per_run = [float(r[2]) / 1e6 for r in runs]
        peak_heap = read(os.path.join(d, f"{sv}-heap-peak.txt")).strip()
        res[sv] = {
            "bytes": int(float(runs[0][0])), "mbps": statistics.median(per_run), "per_run": per_run,
            "rss_before": int(read(os.path.join(d, f"{sv}-rss-before.txt")).strip() or 0),
            "rss_peak": int(read(os.path.join(d, f"{sv}-rss-peak.txt")).strip() or 0),
            "heap_before": heap_used_kb(os.path.join(d, f"{sv}-heap-before.txt")),
            "heap_peak": float(peak_heap) if peak_heap else None,
        }
    return res


FRAME_RE = re.compile(r"^\s+(.+?)\s+line:\s*-?\d+")


def parse_jfr_samples(path):
    """[(thread, [frames top first])] from a 'jfr print' of sample events."""
    samples, thread, frames, in_stack = [], None, [], False
    for line in read(path).splitlines():
        s = line.strip()
        if s.endswith("{") and s.startswith("jdk."):
            thread, frames, in_stack = None, [], False
        elif s.startswith("sampledThread ="):
            m = re.search(r'"(.*)"', s)
            thread = m.group(1) if m else s
        elif s.startswith("stackTrace = ["):
            in_stack = True
        elif in_stack and s == "]":
            in_stack = False
            samples.append((thread, frames))
        elif in_stack:
            m = FRAME_RE.match(line)
            frames.append(m.group(1) if m else s)
    return samples


def short(frame):
    frame = re.sub(r"\(.*\)", "()", frame)
    return frame.replace("io.github.reactormongoose.", "").replace("reactor.core.publisher.", "r.c.p.")


def profile_summary(out, top=15, pre=""):
    """JFR summary of a hello server: pre = "" for ours, "<id>-" for a peer (files jfr/<pre>*-samples.txt)."""
    ex = [(t or "(unnamed: virtual threads)", f)
          for t, f in parse_jfr_samples(os.path.join(out, "jfr", pre + "execution-samples.txt"))]
    nat = [(t or "(unnamed: virtual threads)", f)
           for t, f in parse_jfr_samples(os.path.join(out, "jfr", pre + "native-samples.txt"))]
    if not ex and not nat:
        return None
    by_thread = collections.Counter(t for t, _ in ex)
    poll_thread = by_thread.most_common(1)[0][0] if by_thread else None
    self_all = collections.Counter(short(f[0]) for _, f in ex if f)
    incl_poll = collections.Counter()
    for t, f in ex:
        if t == poll_thread:
            for fr in dict.fromkeys(short(x) for x in f):  # each frame once, in stack order (a set's order
                # changes with the hash seed, and with it the order of equal counts on the page)
                incl_poll[fr] += 1
    nat_top = collections.Counter((t, short(f[0])) for t, f in nat if f)
    jfc = parse_meta(out).get("jfc", "")
    pe, pn = jfc_period_ms(jfc, "jdk.ExecutionSample"), jfc_period_ms(jfc, "jdk.NativeMethodSample")
    poll_nat = sum(1 for t, f in nat if t == poll_thread)
    split = None
    if pe and pn and poll_thread:
        java_ms, native_ms = by_thread.get(poll_thread, 0) * pe, poll_nat * pn
        if java_ms + native_ms:
            split = (java_ms / (java_ms + native_ms) * 100, native_ms / (java_ms + native_ms) * 100, pe, pn)
    return {"split": split,
            "ex_total": len(ex), "nat_total": len(nat), "by_thread": by_thread, "poll_thread": poll_thread,
            "self": self_all.most_common(top), "incl_poll": incl_poll.most_common(top),
            "poll_samples": by_thread.get(poll_thread, 0), "native": nat_top.most_common(8)}


def jfc_period_ms(jfc, event):
    """The sampling period of a JFR event in a .jfc settings file, in ms (None if unknown)."""
    m = re.search(r'<event name="%s">(.*?)</event>' % re.escape(event), read(jfc), re.S)
    p = re.search(r'<setting name="period"[^>]*>\s*(\d+)\s*(ms|s)\s*<', m.group(1)) if m else None
    return None if not p else int(p.group(1)) * (1000 if p.group(2) == "s" else 1)


def dso_label(dso):
    if dso.startswith("[kernel"):
        return "Linux kernel (system calls, loopback TCP, scheduler)"
    if "reactor_mongoose" in dso:
        return "libreactor_mongoose (Mongoose + JNI glue)"
    if dso == "libjvm.so":
        return "libjvm.so (JVM runtime: JNI transitions, GC, JIT compiler, interpreter)"
    if dso == "[unknown]" or dso.startswith("[JIT]") or dso.startswith("perf-"):
        return "JIT-compiled Java code"
    if dso.startswith("libc"):
        return "libc"
    if dso == "hello-c":
        return "hello-c (Mongoose + the C handler)"
    return dso


def perf_summary(out, sv, sc, top=12):
    base = os.path.join(out, "perf", f"{sv}-{sc}")
    if not os.path.exists(base + "-dso.txt") and sc == "hello-c50":
        base = os.path.join(out, "perf", sv)  # layout of runs before the echo profile existed
    dso_txt, sym_txt = read(base + "-dso.txt"), read(base + "-sym.txt")
    dsos = collections.Counter()
    for line in dso_txt.splitlines():
        m = re.match(r"\s+([\d.]+)%\s+(\S.*?)\s*$", line)
        if m and not line.startswith("#"):
            dsos[dso_label(m.group(2))] += float(m.group(1))
    syms = []
    for line in sym_txt.splitlines():
        m = re.match(r"\s+([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.+?)\s*$", line)
        if m and not line.startswith("#"):
            syms.append((float(m.group(1)), dso_label(m.group(2)).split(" (")[0], m.group(4)))
    samples = re.search(r"\((\d+) samples\)", read(base + "-record.txt"))
    if not dsos:
        return None
    return {"dsos": dsos.most_common(), "syms": syms[:top], "samples": int(samples.group(1)) if samples else None}


def per_thread(prof, n):
    """The n threads with the most JFR execution samples, with their shares."""
    return ", ".join(f"`{t}` {c:,} ({c / max(1, prof['ex_total']) * 100:.0f} %)"
                     for t, c in prof["by_thread"].most_common(n))


def frame_table(head, rows, total):
    """A JFR table: method, samples, share of total."""
    return [f"| {head} | samples | share |", "| --- | ---: | ---: |"] + \
        [f"| `{fr}` | {c:,} | {c / max(1, total) * 100:.1f} % |" for fr, c in rows] + [""]


def perf_block(out, sv, sc, meta):
    """The perf tables (where the CPU time went by binary, top symbols) of one profiled server and scenario."""
    ps = perf_summary(out, sv, sc)
    if not ps:
        return []
    P = [f"perf, {SERVERS[sv]}, {SCENARIOS[sc][0]} (`perf record -e cpu-clock -F 499 -p PID`, "
         f"{meta.get('prof_secs', '?')} s under the same wrk command"
         f"{'' if ps['samples'] is None else ', ' + format(ps['samples'], ',') + ' samples'}; "
         "self time, all threads of the process):", "", "| where | share |", "| --- | ---: |"]
    P += [f"| {d} | {pct:.1f} % |" for d, pct in ps["dsos"][:8]]
    P += ["", "<details><summary>top symbols</summary>", "", "| symbol | in | share |", "| --- | --- | ---: |"]
    P += [f"| `{sym}` | {d} | {pct:.1f} % |" for pct, d, sym in ps["syms"]]
    return P + ["", "</details>", ""]


def missed_target_notes(out, agg, meta):
    """What the profiles of this run say about a missed hello target (all figures from this run)."""
    notes = []
    ps = perf_summary(out, "rmg", "hello-c50")
    prof = profile_summary(out)
    parts = []
    if ps:
        d = dict(ps["dsos"])
        k = d.get("Linux kernel (system calls, loopback TCP, scheduler)", 0.0)
        mg = d.get("libreactor_mongoose (Mongoose + JNI glue)", 0.0)
        jit = d.get("JIT-compiled Java code", 0.0)
        jvm = d.get("libjvm.so (JVM runtime: JNI transitions, GC, JIT compiler, interpreter)", 0.0)
        java = jit + jvm
        parts.append(f"perf of the reactor-mongoose hello server: {k:.0f} % of its CPU time is kernel (system calls, "
                     f"loopback TCP), {mg:.1f} % Mongoose + JNI glue, {jit:.1f} % JIT-compiled Java and {jvm:.1f} % "
                     f"the JVM runtime; so even removing every Java-side cost would raise throughput by at most about "
                     f"{(1 / (1 - java / 100) - 1) * 100:.0f} %")
    if prof and prof.get("split"):
        parts.append(f"JFR: the poll thread spends about {prof['split'][0]:.0f} % of its time in Java, the rest inside "
                     "`LoopNative.poll` (`mg_mgr_poll`)")
    u, n = agg.get(("hello-c50", "rmg")), agg.get(("hello-c50", "netty"))
    if u and n and u["rpcs"] and n["rpcs"]:
        parts.append(f"per server CPU-second reactor-mongoose served {fmt_int(u['rpcs'])} requests and Reactor Netty "
                     f"{fmt_int(n['rpcs'])} ({u['rpcs'] / n['rpcs']:.2f}x); Reactor Netty ran with its default "
                     "event-loop count, which for a process limited to one CPU is max(CPUs, 4) = 4 threads sharing it")
    if parts:
        notes.append("What the profiles of this run show about the missed target(s): " + "; ".join(parts) +
                     ". Details in \"Profile\" below.")
        notes.append("")
    return notes


def upload_results(out, servers):
    """Per server: the streamed-upload rounds (upload/<id>-<round>.txt written by run.sh)."""
    d = os.path.join(out, "upload")
    res = {}
    if not os.path.isdir(d):
        return res
    for sv in servers:
        rounds = []
        for name in sorted(os.listdir(d)):
            m = re.match(re.escape(sv) + r"-(\d+)\.txt$", name)
            if not m:
                continue
            kv = dict(re.findall(r"^(\w+)=(\S+)$", read(os.path.join(d, name)), re.M))
            ok = kv.get("bytes") is not None and kv.get("bytes") == kv.get("upload_bytes")
            try:
                retained = None
                if "retained_peak_kb" in kv and "retained_before_kb" in kv:
                    retained = int(kv["retained_peak_kb"]) - int(kv["retained_before_kb"])
                rounds.append({"ok": ok, "mbps": float(kv["speed_upload"]) / 1e6,
                               "rss_growth_kb": int(kv["vm_hwm_kb"]) - int(kv["rss_before_kb"]),
                               "peak_heap": int(kv.get("peak_heap_used", 0)), "retained_kb": retained})
            except (KeyError, ValueError):
                rounds.append({"ok": False, "mbps": None, "rss_growth_kb": None, "peak_heap": None, "retained_kb": None})
        if rounds:
            res[sv] = rounds
    return res


def spread_results(out, runs):
    """Per-loop counts of the 2-loop reactor-mongoose server: {scenario: [(round, [(thread, requests,
    connections)])]}, read from spread/<wrk file name> (fetched from GET /__spread after each run)."""
    res = collections.OrderedDict()
    for sc in AC_SCENARIOS:
        for r in sorted(runs.get((sc, "rmg-l2"), []), key=lambda r: r["round"]):
            loops = []
            for line in read(os.path.join(out, "spread", os.path.basename(r["file"]))).splitlines():
                m = re.match(r"(\S+) requests=(\d+) connections=(\d+)", line)
                if m:
                    loops.append((m.group(1), int(m.group(2)), int(m.group(3))))
            if loops and sum(n for _, n, _ in loops):
                res.setdefault(sc, []).append((r["round"], loops))
    return res


def busiest_share(loops):
    total = sum(n for _, n, _ in loops)
    return max(n for _, n, _ in loops) / total if total else None


def ratio_target(name, us, them, goal, unit="req/s"):
    """A row of the targets table for "us / them >= goal": (name, measured, goal, status), or None
    when this run lacks either figure."""
    if not us or not them:
        return None
    r = us / them
    return (name, f"{r:.2f}x", f">= {goal}x", "met" if r >= goal else "**missed**: " +
            f"{(goal - r) / goal * 100:.0f} % below the target ({fmt_int(goal * them - us)} {unit} short)")


def issue9_targets(agg, spread):
    """The issue-9 targets (all cores), from this run's data: [(name, measured, goal, status)]."""
    T = []

    def add(name, a, b, goal):
        t = ratio_target(name, a and a["rps"], b and b["rps"], goal)
        if t:
            T.append(t)

    g = lambda sc, sv: agg.get((sc, sv))
    add("CPU-heavy handler, all cores: reactor-mongoose 2 loops / 1 loop (issue 9)",
                 g("sha", "rmg-l2"), g("sha", "rmg-l1"), 1.6)
    add("CPU-heavy handler, all cores: reactor-mongoose 2 loops / Reactor Netty (issue 9)",
                 g("sha", "rmg-l2"), g("sha", "netty-ac"), 1.0)
    add("hello all cores -c50: reactor-mongoose 2 loops / Reactor Netty (issue 9)",
                 g("ac-hello-c50", "rmg-l2"), g("ac-hello-c50", "netty-ac"), 1.3)
    add("hello all cores -c50: WebFlux on reactor-mongoose (2 loops) / WebFlux on Reactor Netty (issue 9)",
                 g("ac-hello-c50", "webflux-rmg-l2"), g("ac-hello-c50", "webflux-netty-ac"), 1.3)
    ours = [(sc, sv) for sc in ("ac-hello-c50", "ac-hello-c1000") for sv in ("rmg-l1", "rmg-l2", "webflux-rmg-l2")
            if agg.get((sc, sv))]
    if ours:
        errs = sum(agg[k]["errors"] for k in ours)
        kinds = collections.Counter()
        for k in ours:
            for kind, v in agg[k]["error_kinds"].items():
                if kind != "status":
                    kinds[kind] += v
        where = ", ".join(f"{AC_SERVERS[sv][0]} {AC_SCENARIOS[sc][0].split(', ')[-1]}: {agg[(sc, sv)]['errors']:,}"
                          for sc, sv in ours if agg[(sc, sv)]["errors"])
        T.append(("hello all cores (50 and 1,000 connections): connection errors of the reactor-mongoose servers "
                  "(issue 9)", f"{errs:,}", "0", "met" if errs == 0 else
                  "**missed**: " + ", ".join(f"{v:,} {k}" for k, v in kinds.items() if v) + f" ({where})"))
    runs50 = spread.get("ac-hello-c50", [])
    if runs50:
        worst_round, worst = max(((rnd, busiest_share(lp)) for rnd, lp in runs50), key=lambda x: x[1])
        T.append(("connection spread, hello all cores -c50, reactor-mongoose 2 loops: busiest loop's share of the "
                  "requests, worst run (issue 9)", f"{worst * 100:.0f} %", "<= 60 % (60/40)",
                  "met" if worst <= 0.60 else f"**missed**: round {worst_round}, "
                  f"{worst * 100:.0f}/{(1 - worst) * 100:.0f}"))
    return T


def issue8_targets(out, agg, meta):
    """The issue-8 targets (large transfers, idle connections, many connections), from this run's data:
    [(name, measured, goal, status)]; a target whose data this run lacks is left out."""
    T = []
    g = lambda sc, sv: agg.get((sc, sv))

    def limit(name, value, goal, shown):
        T.append((name, shown(value), f"<= {shown(goal)}", "met" if value <= goal else
                  f"**missed**: {shown(value - goal)} over"))

    for sc, title in (("echo-1mib", "1 MiB POST echo"), ("64k", "64 KiB response")):
        a, b = g(sc, "rmg"), g(sc, "netty")
        t = ratio_target(f"{title}, reactor-mongoose / Reactor Netty (issue 8)", a and a["rps"], b and b["rps"], 1.0)
        if t:
            T.append(t)
    a, raw = g("hello-c1000", "rmg"), g("hello-c1000", "rawc")
    if a and raw and a["p99"] is not None and raw["p99"]:
        r = a["p99"] / raw["p99"]
        T.append(("hello keep-alive -c1000 p99, reactor-mongoose / raw C Mongoose (issue 8)",
                  f"{r:.2f}x ({fmt_ms(a['p99'])} vs {fmt_ms(raw['p99'])})", "<= 2x",
                  "met" if r <= 2.0 else f"**missed**: {(r - 2.0) / 2.0 * 100:.0f} % over"))
    idle = idle_results(out, ["rmg"]).get("rmg")
    if idle:
        conns = meta.get("idle_conns", "?")
        n = f"{int(conns):,} idle keep-alive connections" if conns.isdigit() else f"{conns} idle keep-alive connections"
        if idle["rss_per_conn"] is not None:
            limit(f"{n}: RSS per connection (issue 8)", idle["rss_per_conn"], 4000, lambda v: f"{v:,.0f} B")
        if idle["heap_per_conn"] is not None:
            limit(f"{n}: Java heap per connection (issue 8)", idle["heap_per_conn"], 1000, lambda v: f"{v:,.0f} B")
    mib = lambda v: f"{v:,.1f} MiB"
    dl = download_results(out, ["rmg", "netty"])
    if "rmg" in dl:
        us = dl["rmg"]
        if "netty" in dl:
            t = ratio_target("1 GiB streamed download, reactor-mongoose / Reactor Netty MB/s (issue 8)", us["mbps"],
                             dl["netty"]["mbps"], 0.8, "MB/s")
            if t:
                T.append(t)
        if us["heap_peak"] is not None and us["heap_before"] is not None:
            limit("1 GiB streamed download: server heap growth, peak in use (garbage included) minus before (issue 8)",
                  (us["heap_peak"] - us["heap_before"]) / 1024, 64, mib)
        if us["rss_peak"] and us["rss_before"]:
            limit("1 GiB streamed download: server RSS growth (issue 8)", (us["rss_peak"] - us["rss_before"]) / 1024,
                  128, mib)
    up = upload_results(out, ["rmg", "netty"])
    good = {sv: [r for r in rounds if r["ok"] and r["mbps"] is not None] for sv, rounds in up.items()}
    if good.get("rmg"):
        us = good["rmg"]
        if good.get("netty"):
            t = ratio_target("1 GiB streamed upload, reactor-mongoose / Reactor Netty MB/s (issue 8)",
                             median([r["mbps"] for r in us]), median([r["mbps"] for r in good["netty"]]), 0.8, "MB/s")
            if t:
                T.append(t)
        kept = [r["retained_kb"] for r in us if r.get("retained_kb") is not None]
        if kept:
            limit("1 GiB streamed upload: server heap growth surviving collections, worst round (issue 8)",
                  max(kept) / 1024, 64, mib)
        limit("1 GiB streamed upload: server RSS growth, worst round (issue 8)",
              max(r["rss_growth_kb"] for r in us) / 1024, 128, mib)
    return T


def issue14_targets(agg, meta):
    """The issue-14 targets (Vert.x and Helidon), from this run's data: [(name, measured, goal, status)];
    a target whose data this run lacks is listed as not measured."""
    T = []
    g = lambda sc, sv: agg.get((sc, sv))

    def add(name, a, b, goal):
        t = ratio_target(name, a and a["rps"], b and b["rps"], goal)
        if t:
            T.append(t)
        elif a:
            T.append((name, "—", f">= {goal}x", "**not measured** in this run" +
                      (f" ({meta['peers_status']})" if meta.get("peers_status") else "")))

    for peer, name in (("vertx", "Vert.x"), ("helidon", "Helidon")):
        add(f"hello keep-alive -c50 (pinned): reactor-mongoose / {name} (issue 14)",
                     g("hello-c50", "rmg"), g("hello-c50", peer), 1.1)
    add("hello all cores -c50: reactor-mongoose 2 loops / Vert.x 2 event loops (issue 14)",
                 g("ac-hello-c50", "rmg-l2"), g("ac-hello-c50", "vertx-ac"), 1.1)
    # p99 below both peers in every scenario: ours = rmg pinned, the 2-loop server on all cores
    pairs = [(sc, SCENARIOS[sc][0], "rmg", peer) for sc in SCENARIOS for peer in PEERS] + \
        [(sc, AC_SCENARIOS[sc][0], "rmg-l2", ac) for sc in AC_SCENARIOS for ac in PEERS.values()]
    compared, missed = 0, []
    for sc, title, us, peer in pairs:
        a, b = g(sc, us), g(sc, peer)
        if not a or not b or a["p99"] is None or b["p99"] is None:
            continue
        compared += 1
        if a["p99"] >= b["p99"]:
            missed.append(f"{title}: {fmt_ms(a['p99'])} vs {SERVERS.get(peer) or AC_SERVERS[peer][0]} "
                          f"{fmt_ms(b['p99'])}")
    if compared:
        T.append(("p99 of reactor-mongoose below Vert.x's and Helidon's, every scenario (pinned: HttpServer; all "
                  "cores: 2 loops) (issue 14)", f"{compared - len(missed)} of {compared} comparisons",
                  f"{compared} of {compared}", "met" if not missed else "**missed**: " + "; ".join(missed)))
    return T


def peer_notes(out, agg):
    """What the perf profiles of this run say about our hello server and the peers' (for missed issue-14 targets)."""
    parts = []
    for sv in ("rmg", "vertx", "helidon"):
        ps = perf_summary(out, sv, "hello-c50")
        a = agg.get(("hello-c50", sv))
        if not ps:
            continue
        d = dict(ps["dsos"])
        k = d.get("Linux kernel (system calls, loopback TCP, scheduler)", 0.0)
        jit = d.get("JIT-compiled Java code", 0.0)
        jvm = d.get("libjvm.so (JVM runtime: JNI transitions, GC, JIT compiler, interpreter)", 0.0)
        mg = d.get("libreactor_mongoose (Mongoose + JNI glue)", 0.0)
        top = next((f"`{sym}` ({pct:.1f} %)" for pct, dso, sym in ps["syms"] if not dso.startswith("Linux")), None)
        parts.append(f"{SERVERS[sv]}: {k:.0f} % kernel, {jit:.0f} % JIT-compiled Java, {jvm:.0f} % JVM runtime"
                     + (f", {mg:.0f} % Mongoose + JNI" if mg else "")
                     + (f"; top user-space symbol {top}" if top else "")
                     + (f"; {fmt_int(a['rpcs'])} requests per server CPU-second" if a and a["rpcs"] else ""))
    if len(parts) < 2:
        return ["The Vert.x and Helidon hello servers were not profiled in this run (`BENCH_PROFILE_PEERS=1` "
                "profiles them): no evidence yet on where their time goes.", ""]
    return ["Where the CPU time of the hello servers goes (perf, pinned, wrk -c50; details in \"Profiles of "
            "Vert.x and Helidon\"): " + "; ".join(parts) + ".", ""]


def all_cores_section(agg, spread, meta, ac_servers):
    """The all-cores part of the summary (tables, ratios, spread), from this run's data."""
    L = []

    def row(*cells):
        L.append("| " + " | ".join(str(c) for c in cells) + " |")

    present = [(sc, sv) for sc in AC_SCENARIOS for sv in ac_servers if agg.get((sc, sv))]
    if not present:
        return L
    t = meta.get("ac_wrk_threads", "?")
    cpus = meta.get("cpus", "?")
    netty_loops = max(int(cpus), 4) if str(cpus).isdigit() else "max(CPUs, 4)"
    L.append("### All cores: server and wrk unpinned")
    L.append("")
    L.append(f"Nothing pinned: each server may use all {cpus} CPUs, and wrk (`-t{t}`) runs unpinned beside it on the "
             "same CPUs, so the client takes its share of them. \"server CPUs\" and \"wrk CPUs\" = CPU time of the "
             f"server process (all threads) and of wrk during a run ÷ the run's {meta.get('duration')} s (medians): "
             f"together they can reach at most {cpus}. reactor-mongoose runs 1 or 2 loops of its own "
             "(`HttpServer.loops(n)`; with 2, both loops listen on the port with `SO_REUSEPORT` and the kernel "
             f"spreads the connections); Reactor Netty and WebFlux on Reactor Netty use their default `LoopResources` "
             f"({netty_loops} event loops here); Vert.x runs 2 event loops (2 verticle instances, each with an "
             "`HttpServer` on the port); Helidon its defaults (a virtual thread per connection on a carrier pool "
             f"of one thread per CPU); raw C Mongoose is one thread. JVMs: `{meta.get('jvm_opts')}` as in "
             f"the pinned runs; JVM warm-up {meta.get('ac_warmup_jvm')} s per server.")
    L.append("")
    row("scenario", "server", "req/s (median)", "req/s per round", "p50", "p99", "server CPUs", "wrk CPUs",
        "req per server CPU-s", "errors")
    row("---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:")
    for sc, (title, _) in AC_SCENARIOS.items():
        for sv in ac_servers:
            a = agg.get((sc, sv))
            if not a:
                continue
            per = " / ".join(fmt_int(x) + ("\\*" if d else "") for x, d in a["rps_marked"])
            kinds = ", ".join(f"{v:,} {'non-2xx' if k == 'status' else k}" for k, v in a["error_kinds"].items() if v)
            row(title, AC_SERVERS[sv][0], fmt_int(a["rps"]), per, fmt_ms(a["p50"]), fmt_ms(a["p99"]),
                "—" if a["server_cpus"] is None else f"{a['server_cpus']:.2f}",
                "—" if a["wrk_cpus"] is None else f"{a['wrk_cpus']:.2f}", fmt_int(a["rpcs"]), kinds or "0")
    L.append("")
    one = agg.get(("sha", "rmg-l1"))
    if one and one["rpcs"]:
        L.append(f"CPU-heavy handler: the 1-loop reactor-mongoose server used {1e6 / one['rpcs']:,.0f} µs of CPU per "
                 f"request (server CPU time ÷ requests), SHA-256 of {meta.get('sha_kib', '64')} KiB included.")
        L.append("")

    L.append("Ratios (median req/s):")
    L.append("")
    row("scenario", "2 loops / 1 loop", "2 loops / Reactor Netty", "2 loops / raw C",
        "1 loop, offloaded / 1 loop", "WebFlux: reactor-mongoose (2 loops) / Reactor Netty",
        "us (2 loops) / Vert.x (2 loops)", "us (2 loops) / Helidon")
    row("---", "---:", "---:", "---:", "---:", "---:", "---:", "---:")
    for sc, (title, _) in AC_SCENARIOS.items():
        if not any(agg.get((sc, sv)) for sv in ac_servers):
            continue
        r = lambda a, b: fmt_ratio(agg[(sc, a)]["rps"], agg[(sc, b)]["rps"]) \
            if agg.get((sc, a)) and agg.get((sc, b)) else "—"
        row(title, r("rmg-l2", "rmg-l1"), r("rmg-l2", "netty-ac"), r("rmg-l2", "rawc-ac"),
            r("rmg-l1-offload", "rmg-l1"), r("webflux-rmg-l2", "webflux-netty-ac"), r("rmg-l2", "vertx-ac"),
            r("rmg-l2", "helidon-ac"))
    L.append("")

    if spread:
        L.append("### Connection spread (reactor-mongoose, 2 loops)")
        L.append("")
        L.append("Requests and connections each poll thread of the 2-loop server served in each measured run "
                 "(the server counts them per thread and answers `GET /__spread` with the counts, then resets them; "
                 "the script fetches them before and after every run). The kernel assigns each new connection to "
                 "one of the two listening sockets (`SO_REUSEPORT` hashes the connection's addresses and ports); "
                 "a connection stays on its loop.")
        L.append("")
        names = sorted({n for runs_ in spread.values() for _, lp in runs_ for n, _, _ in lp})
        row("scenario", "round", "requests per loop (" + " / ".join(f"`{n}`" for n in names) + ")", "share",
            "connections per loop", "busiest loop")
        row("---", "---:", "---:", "---:", "---:", "---:")
        for sc, rs in spread.items():
            for rnd, lp in rs:
                d = {n: (q, c) for n, q, c in lp}
                total = sum(q for q, _ in d.values())
                row(AC_SCENARIOS[sc][0], rnd, " / ".join(f"{d.get(n, (0, 0))[0]:,}" for n in names),
                    " / ".join(f"{d.get(n, (0, 0))[0] / total * 100:.0f} %" for n in names),
                    " / ".join(f"{d.get(n, (0, 0))[1]:,}" for n in names), f"{busiest_share(lp) * 100:.0f} %")
        L.append("")
        parts = []
        for sc, rs in spread.items():
            shares = [busiest_share(lp) for _, lp in rs]
            parts.append(f"{AC_SCENARIOS[sc][0]}: median {statistics.median(shares) * 100:.0f} %, "
                         f"worst {max(shares) * 100:.0f} %")
        L.append("Busiest loop's share of the requests: " + "; ".join(parts) + " (50 % = even).")
        L.append("")
    return L



def tls_section(agg, meta):
    """HTTPS: both servers pinned to one CPU, wrk `-t1 -c50` on the other (EC P-256 certificate, TLS 1.3)."""
    L = []
    present = [(sc, sv) for sc in TLS_SCENARIOS for sv in TLS_SERVERS if agg.get((sc, sv))]
    if not present:
        return L

    def row(*cells):
        L.append("| " + " | ".join(str(c) for c in cells) + " |")

    L.append("### HTTPS (TLS 1.3)")
    L.append("")
    L.append("Server pinned to CPU 0, wrk `-t1 -c50` on CPU 1, as in the first table; a self-signed EC P-256 "
             "certificate made by the run. reactor-mongoose negotiates TLS_AES_128_GCM_SHA256 with X25519 (its only "
             "choice, docs/tls.md); Reactor Netty uses the JDK's provider with its defaults. The handshake scenario "
             "sends `Connection: close`, so every request is a new TCP connection and a full handshake.")
    L.append("")
    row("scenario", "server", "req/s (median)", "req/s per round", "p50", "p99", "server CPUs")
    row(*["---"] * 7)
    for sc, (title, _) in TLS_SCENARIOS.items():
        for sv, name in TLS_SERVERS.items():
            a = agg.get((sc, sv))
            if a:
                row(title, name, fmt_int(a["rps"]), " / ".join(fmt_int(x) for x in a["rps_all"]), fmt_ms(a["p50"]),
                    fmt_ms(a["p99"]), f"{a['server_cpus']:.2f}")
    L.append("")
    row("scenario", "reactor-mongoose / Reactor Netty", "goal (issue 11)", "")
    row("---", "---", "---", "---")
    for sc, (title, goal) in TLS_SCENARIOS.items():
        us, them = tls_rps(agg, sc)
        t = ratio_target(title, us, them, tls_goal(goal))
        row(title, fmt_ratio(us, them), goal, "—" if t is None else ("met" if t[3] == "met" else "**missed**"))
    L.append("")
    return L


def tls_targets(agg):
    """The issue-11 rows of the targets table: one per HTTPS scenario this run has both servers of."""
    rows = ((ratio_target(f"{title}, reactor-mongoose / Reactor Netty (issue 11)", *tls_rps(agg, sc), tls_goal(goal))
             for sc, (title, goal) in TLS_SCENARIOS.items()))
    return [t for t in rows if t]


def tls_rps(agg, sc):
    """Median req/s of reactor-mongoose and Reactor Netty in HTTPS scenario sc (None where missing)."""
    return tuple((agg.get((sc, sv)) or {}).get("rps") for sv in ("rmg-tls", "netty-tls"))


def tls_goal(goal):
    """">= 1.3x" -> 1.3"""
    return float(goal.lstrip(">= ").rstrip("x"))


def jmh_results(out):
    try:
        with open(os.path.join(out, "jmh", "jmh.json"), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return []
    rows = []
    for b in data:
        name = b["benchmark"].rsplit(".", 2)
        pm = b["primaryMetric"]
        params = ", ".join(f"{k}={v}" for k, v in (b.get("params") or {}).items())
        rows.append({"bench": f"{name[-2]}.{name[-1]}", "params": params, "score": pm["score"],
                     "error": pm.get("scoreError"), "unit": pm["scoreUnit"],
                     "size": int((b.get("params") or {}).get("size", 0))})
    return rows


def draw_chart(out, root, agg, servers, meta, ac_servers=()):
    gp = shutil.which("gnuplot")
    if not gp:
        return None
    cdir = os.path.join(out, "chart")
    os.makedirs(cdir, exist_ok=True)
    panels = []
    sets = [(sc, title, servers, SERVERS) for sc, (title, _) in SCENARIOS.items()] + \
        [(sc, title + " (unpinned)", ac_servers, {k: v[1] for k, v in AC_SERVERS.items()})
         for sc, (title, _) in AC_SCENARIOS.items()]
    for sc, title, svs, labels in sets:
        rows = [(sv, agg[(sc, sv)]["rps"]) for sv in svs if (sc, sv) in agg and agg[(sc, sv)]["rps"]]
        if not rows:
            continue
        dat = os.path.join(cdir, f"{sc}.dat")
        with open(dat, "w", encoding="utf-8") as f:
            for i, (sv, v) in enumerate(rows):
                f.write(f'{i} "{labels[sv]}" {v:.1f} 0x{COLORS[sv][1:]}\n')
        panels.append((sc, title, dat, max(v for _, v in rows)))
    if not panels:
        return None
    png = os.path.join(root, "docs", "benchmarks.png")
    cols = 3
    rows_n = (len(panels) + cols - 1) // cols
    terms = subprocess.run([gp, "-e", "set terminal"], capture_output=True, text=True).stderr + \
        subprocess.run([gp, "-e", "set terminal"], capture_output=True, text=True).stdout
    term = "pngcairo size 1500,%d font 'DejaVu Sans,10'" % (430 * rows_n) if "pngcairo" in terms \
        else "png size 1500,%d" % (430 * rows_n)
    script = [f"set terminal {term}", f"set output '{png}'",
              f"set multiplot layout {rows_n},{cols} title \"reactor-mongoose benchmarks: median requests/s "
              f"({meta.get('rounds', '?')} rounds x {meta.get('duration', '?')} s, {meta.get('mode', '?')} mode, "
              f"{meta.get('stamp', '')}) - higher is better\" font ',13'",
              "set style fill solid 0.85 noborder", "set boxwidth 0.7", "set grid ytics lc rgb '#dddddd'",
              "unset key", "set xtics rotate by -20 offset -1,0 nomirror", "set ytics nomirror",
              "set ylabel 'requests/s'", "set lmargin 10", "set bmargin 5"]
    for sc, title, dat, vmax in panels:
        top = vmax * 1.18
        fmt = "%.0f" if top < 1000 else "%.1s%c" if top < 10000 else "%.0s%c"
        script += [f"set title '{title}' font ',12'", f"set yrange [0:{top:.1f}]", "set xrange [-0.6:*]",
                   f"set format y '{fmt}'",
                   f"plot '{dat}' using 1:3:4:xtic(2) with boxes lc rgb variable, "
                   f"'' using 1:3:(sprintf('%.0f', $3)) with labels offset 0,0.7 font ',9'"]
    script.append("unset multiplot")
    gpfile = os.path.join(cdir, "chart.gp")
    with open(gpfile, "w", encoding="utf-8") as f:
        f.write("\n".join(script) + "\n")
    r = subprocess.run([gp, gpfile], capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        return None
    return png


def client_section(out):
    """HTTP clients (issue 10): client/rps-<client>-r<round>.txt and client/download-<client>.txt of run.sh's client_bench."""
    d = os.path.join(out, "client")
    if not os.path.isdir(d):
        return []
    names = {"rmg": "reactor-mongoose HttpClient", "netty": "Reactor Netty HttpClient", "jdk": "JDK HttpClient"}
    rps, dl = {}, {}
    for f in sorted(os.listdir(d)):
        text = read(os.path.join(d, f))
        m = re.search(r"^RESULT client=(\w+) inflight=(\d+) requests=(\d+) seconds=([\d.]+) rps=(\d+) errors=(\d+)", text, re.M)
        if m:
            rps.setdefault(m.group(1), []).append((float(m.group(5)), int(m.group(6))))
        m = re.search(r"^RESULT download client=(\w+) bytes=(\d+) seconds=([\d.]+) MiB_per_s=(\d+) heap_growth_MiB=([\d.]+)", text, re.M)
        if m:
            dl[m.group(1)] = (int(m.group(2)), float(m.group(3)), int(m.group(4)), float(m.group(5)))
    if not rps and not dl:
        return []
    L = ["### HTTP clients: requests/s at 50 in flight against raw C Mongoose", ""]
    L.append("| client | median req/s | runs | errors |")
    L.append("|---|---:|---:|---:|")
    med = {}
    for c in ("rmg", "netty", "jdk"):
        if c in rps:
            med[c] = median([v for v, _ in rps[c]])
            L.append(f"| {names[c]} | {fmt_int(med[c])} | {len(rps[c])} | {sum(e for _, e in rps[c])} |")
    if "rmg" in med:
        for c in ("netty", "jdk"):
            if c in med and med[c]:
                ratio = med["rmg"] / med[c]
                note = "" if c != "netty" else (" (goal ≥ 1.3×: met)" if ratio >= 1.3 else " (goal ≥ 1.3×: **missed**)")
                L.append("")
                L.append(f"reactor-mongoose / {names[c]}: **{ratio:.2f}×**{note}")
    if dl:
        L += ["", "Streamed 64 MiB download (client JVM with `-Xmx32m`: it only completes if the body streams)", "",
              "| client | bytes | seconds | MiB/s | peak heap growth |", "|---|---:|---:|---:|---:|"]
        for c in ("rmg", "netty", "jdk"):
            if c in dl:
                b, sec, mibs, heap = dl[c]
                L.append(f"| {names[c]} | {b:,} | {sec:.2f} | {mibs} | {heap:.1f} MiB |")
    L.append("")
    return L


def mqtt_results(out):
    """MQTT clients (issue 12): mqtt/mqtt.txt of run.sh's mqtt_test, {client: (qos0 rounds, qos1 rounds, p50 µs,
    p99 µs, messages, {qos0_client, qos0_broker, qos1_client, qos1_broker: CPUs busy per round})}."""
    text = read(os.path.join(out, "mqtt", "mqtt.txt"))
    res = {}
    for m in re.finditer(r"^RESULT mqtt client=(\w+) messages=(\d+) qos0=([\d,]+) qos1=([\d,]+) p50_us=(\d+) p99_us=(\d+)(.*)$",
                         text, re.M):
        cpus = {k: [float(x) for x in v.split(",") if x != "nan"]
                for k, v in re.findall(r"(qos[01]_(?:client|broker))_cpus=([\d.,na]+)", m.group(7))}
        res[m.group(1)] = ([float(x) for x in m.group(3).split(",")], [float(x) for x in m.group(4).split(",")],
                           int(m.group(5)), int(m.group(6)), int(m.group(2)), cpus)
    broker = re.search(r"^(Mosquitto \S+)", text, re.M)
    return res, (broker.group(1) if broker else "Mosquitto")


MQTT_GOAL = 1.5


MQTT_OURS = (("rmg", "reactor-mongoose (flatMap of publish)"), ("rmgall", "reactor-mongoose (publishAll)"))


def mqtt_targets(out):
    res, _ = mqtt_results(out)
    if "paho" not in res:
        return []
    return [ratio_target(f"MQTT publish {name}, {label} / Eclipse Paho msg/s (issue 12)",
                         median(res[c][i]), median(res["paho"][i]), MQTT_GOAL, "msg/s")
            for i, name in ((0, "QoS 0"), (1, "QoS 1, 100 in flight")) for c, label in MQTT_OURS if c in res]


def mqtt_section(out):
    res, broker = mqtt_results(out)
    if not res:
        return []
    names = {"rmg": "reactor-mongoose MqttClient, `flatMap` of `publish`",
             "rmgall": "reactor-mongoose MqttClient, `publishAll`", "paho": "Eclipse Paho 1.2.5 MqttAsyncClient"}
    n = next(iter(res.values()))[4]
    L = ["### MQTT clients: publish throughput and latency through a local " + broker, ""]
    L.append(f"`benchmarks/mqtt.sh` ({n:,} messages of 64 bytes per measurement, all clients in one JVM, interleaved "
             "rounds, nothing pinned: the broker and the client share both CPUs). QoS 0 counts until every publish was "
             "written and one QoS 1 publish after them was acknowledged; QoS 1 keeps 100 publishes in flight. Latency: "
             "one QoS 1 message at a time from publish to the subscriber, through the broker. Our client is measured "
             "with two idioms: a `flatMap` of `publish(..)` Monos, 100 subscribed at a time, and one "
             "`publishAll(Flux<MqttMessage>)` (no `Mono` per message; its window is `maxInflight(100)`). Paho uses its "
             "asynchronous API with 100 tokens in flight. The HiveMQ client does not resolve from the package "
             "registry here and is not measured.")
    L.append("")
    L.append("| client | QoS 0 msg/s (median) | QoS 0 per round | QoS 1 msg/s (median) | QoS 1 per round | latency p50 | latency p99 |")
    L.append("|---|---:|---:|---:|---:|---:|---:|")
    for c in ("rmg", "rmgall", "paho"):
        if c in res:
            q0, q1, p50, p99, _, _ = res[c]
            L.append(f"| {names[c]} | {fmt_int(median(q0))} | {' / '.join(fmt_int(x) for x in q0)} | {fmt_int(median(q1))} | "
                     f"{' / '.join(fmt_int(x) for x in q1)} | {p50} µs | {p99} µs |")
    if "paho" in res:
        for c, label in MQTT_OURS:
            if c in res:
                L.append("")
                L.append(f"{label} / Paho: QoS 0 **{median(res[c][0]) / median(res['paho'][0]):.2f}×**, "
                         f"QoS 1 **{median(res[c][1]) / median(res['paho'][1]):.2f}×** (goal ≥ {MQTT_GOAL}×).")
    cpu_rows = [c for c in ("rmg", "rmgall", "paho") if c in res and all(res[c][5].get(k) for k in
                                                               ("qos0_client", "qos0_broker", "qos1_client", "qos1_broker"))]
    if cpu_rows:
        L.append("")
        L.append("Where the CPU went during the throughput measurements (medians over the rounds): CPUs busy on average "
                 "in the client's process and in the broker (Mosquitto is one thread, so 1.00 is its limit), and "
                 "messages per CPU-second of the client. With two CPUs for both, a client that needs less CPU per "
                 "message leaves more to the broker.")
        L.append("")
        L.append("| client | QoS 0: client CPUs | QoS 0: broker CPUs | QoS 0: msg per client CPU-s | "
                 "QoS 1: client CPUs | QoS 1: broker CPUs | QoS 1: msg per client CPU-s |")
        L.append("|---|---:|---:|---:|---:|---:|---:|")
        for c in cpu_rows:
            q0, q1, _, _, _, cpu = res[c]
            per0 = median([r / u for r, u in zip(q0, cpu["qos0_client"]) if u > 0])
            per1 = median([r / u for r, u in zip(q1, cpu["qos1_client"]) if u > 0])
            L.append(f"| {names[c]} | {median(cpu['qos0_client']):.2f} | {median(cpu['qos0_broker']):.2f} | {fmt_int(per0)} | "
                     f"{median(cpu['qos1_client']):.2f} | {median(cpu['qos1_broker']):.2f} | {fmt_int(per1)} |")
    L.append("")
    return L


def main():
    out, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    meta = parse_meta(out)
    servers = [s for s in meta.get("servers", "rawc rmg netty cymongoose").split() if s in SERVERS]
    listed = (meta.get("ac_servers", "") + " " + meta.get("sha_servers", "")).split()
    ac_servers = [s for s in AC_SERVERS if s in listed]
    runs = load_runs(out)
    agg = aggregate(runs, meta)
    spread = spread_results(out, runs)
    rel = os.path.relpath(out, root)
    L = []  # the summary (also benchmarks/results/latest-summary.md)

    def row(*cells):
        L.append("| " + " | ".join(str(c) for c in cells) + " |")

    # ---- targets
    h = {sv: agg.get(("hello-c50", sv)) for sv in servers}
    us = h.get("rmg")
    targets = []
    if us and us["rps"]:
        def tgt(name, value, goal, ok, miss):
            targets.append((name, value, goal, "met" if ok else "**missed**: " + miss))
        raw, net = h.get("rawc"), h.get("netty")
        if raw and raw["rps"]:
            r = us["rps"] / raw["rps"]
            tgt("hello keep-alive -c50, reactor-mongoose / raw C", f"{r:.2f}x", ">= 0.90x", r >= 0.90,
                f"{(0.90 - r) / 0.90 * 100:.0f} % below the target ({fmt_int(0.90 * raw['rps'] - us['rps'])} req/s short)")
        if net and net["rps"]:
            r = us["rps"] / net["rps"]
            tgt("hello keep-alive -c50, reactor-mongoose / Reactor Netty", f"{r:.2f}x", ">= 1.3x", r >= 1.3,
                f"{(1.3 - r) / 1.3 * 100:.0f} % below the target ({fmt_int(1.3 * net['rps'] - us['rps'])} req/s short)")
        if us["p99"] is not None:
            tgt("hello keep-alive -c50, reactor-mongoose p99", fmt_ms(us["p99"]), "<= 2 ms", us["p99"] <= 2.0,
                f"{us['p99'] - 2.0:.2f} ms over")
    wf_us, wf_net = h.get("webflux-rmg"), h.get("webflux-netty")
    if wf_us and wf_us["rps"] and wf_net and wf_net["rps"]:
        r = wf_us["rps"] / wf_net["rps"]
        targets.append(("hello keep-alive -c50, WebFlux on reactor-mongoose / WebFlux on Reactor Netty (issue 4)",
                        f"{r:.2f}x", ">= 1.3x", "met" if r >= 1.3 else "**missed**: " +
                        f"{(1.3 - r) / 1.3 * 100:.0f} % below the target "
                        f"({fmt_int(1.3 * wf_net['rps'] - wf_us['rps'])} req/s short)"))
    pinned_missed = any(t[3] != "met" for t in targets)
    targets += issue8_targets(out, agg, meta)
    ac_targets = issue9_targets(agg, spread)
    targets += ac_targets
    peer_targets = issue14_targets(agg, meta)
    targets += peer_targets
    targets += tls_targets(agg)
    targets += mqtt_targets(out)

    L.append(f"Run `{meta.get('stamp', '?')}` ({meta.get('mode', '?')} mode): {meta.get('rounds')} interleaved rounds, "
             f"{meta.get('duration')} s per wrk run; medians over the rounds. Raw outputs: `benchmarks/results/{meta.get('stamp', '')}/` "
             f"(git-ignored).")
    L.append("")
    if targets:
        L.append("### Targets (reported, not enforced)")
        L.append("")
        row("target", "measured", "goal", "status")
        row("---", "---:", "---:", "---")
        for t in targets:
            row(*t)
        L.append("")
        if pinned_missed:
            L += missed_target_notes(out, agg, meta)
        if any(t[3] != "met" for t in ac_targets):
            L.append("The issue-9 targets are measured with nothing pinned (section \"All cores\" below), where the "
                     "server and wrk share the same CPUs: its \"server CPUs\" and \"wrk CPUs\" columns show how "
                     "they were shared in each scenario.")
            L.append("")
        if any(t[3] != "met" for t in peer_targets):
            L += peer_notes(out, agg)

    # ---- results table
    L.append("### Medians per scenario and server")
    L.append("")
    row("scenario", "server", "req/s (median)", "req/s per round", "p50", "p99", "bytes/response",
        "req per server CPU-s", "errors")
    row("---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:")
    n_disturbed = n_repeats = 0
    for sc, (title, _) in SCENARIOS.items():
        for sv in servers:
            a = agg.get((sc, sv))
            if not a:
                continue
            per = " / ".join(fmt_int(x) + ("\\*" if d else "") for x, d in a["rps_marked"])
            n_disturbed += a["disturbed"]
            n_repeats += a["repeats"]
            kinds = ", ".join(f"{v:,} {'non-2xx' if k == 'status' else k}" for k, v in a["error_kinds"].items() if v)
            row(title, SERVERS[sv], fmt_int(a["rps"]), per, fmt_ms(a["p50"]), fmt_ms(a["p99"]),
                "—" if a["bpr"] is None else f"{a['bpr']:,.0f}", fmt_int(a["rpcs"]), kinds or "0")
    L.append("")
    L.append(f"Noise control: before every run the script waited until less than {meta.get('quiet_pct')} % of all CPUs "
             f"were busy, and it repeated a run during which other processes used more than {meta.get('disturbed_pct')} % "
             f"of one CPU (up to {meta.get('max_attempts')} tries, {meta.get('quiet_budget')} s budget; "
             f"{meta.get('quiet_budget_used', '?')} s used). Repeated runs: {n_repeats}. Runs still disturbed "
             f"after that, marked \\* in the per-round column: {n_disturbed}. \"req per server CPU-s\" = requests ÷ CPU "
             "time of the server process during the run (all its threads): a figure less sensitive to CPU stolen by "
             "other processes than req/s.")
    L.append("bytes/response = wrk's Transfer/sec ÷ Requests/sec (the status line, headers and body of one "
             "response, as received); the exact figure from wrk's byte counter is in the ratio table below (wrk also "
             "counts the bytes of responses still in flight when a run stops, which inflates it a little for the "
             "1 MiB echo). errors = wrk socket errors (connect, read, write, timeout) plus non-2xx responses, summed "
             "over the rounds.")
    L.append("")
    cy = agg.get(("hello-close", "cymongoose"))
    if cy and cy["error_kinds"]["read"]:
        L.append("The read errors of cymongoose in the no-keep-alive runs: `mg_http_reply` does not add "
                 "`Connection: close` to the response although Mongoose then closes the connection, so wrk finds the "
                 "connection closed when it reuses it, counts a read error and reconnects. The other three servers "
                 "announce the close.")
        L.append("")

    # ---- ratios
    L.append("### Ratios of reactor-mongoose HttpServer to the others (median req/s)")
    L.append("")
    row("scenario", "us / raw C", "us / Reactor Netty", "us / cymongoose", "us / Vert.x", "us / Helidon",
        "p99: us vs Reactor Netty", "p99: us vs Vert.x / Helidon",
        "exact bytes/response (raw C / us / Netty / cymongoose / Vert.x / Helidon)")
    row("---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:")
    others = ("rawc", "netty", "cymongoose", "vertx", "helidon")
    for sc, (title, _) in SCENARIOS.items():
        u = agg.get((sc, "rmg"))
        if not u:
            continue
        o = {sv: agg.get((sc, sv)) for sv in others}
        ex = " / ".join("—" if not agg.get((sc, sv)) or agg[(sc, sv)]["bytes_exact"] is None
                        else f"{agg[(sc, sv)]['bytes_exact']:,.1f}" for sv in ("rawc", "rmg") + others[1:])
        p99 = "—" if not o["netty"] else f"{fmt_ms(u['p99'])} vs {fmt_ms(o['netty']['p99'])}"
        p99p = "—" if not (o["vertx"] or o["helidon"]) else f"{fmt_ms(u['p99'])} vs " + " / ".join(
            fmt_ms(o[sv]["p99"]) if o[sv] else "—" for sv in ("vertx", "helidon"))
        row(title, *(fmt_ratio(u["rps"], o[sv]["rps"]) if o[sv] else "—" for sv in others), p99, p99p, ex)
    L.append("")
    wu, wn = agg.get(("hello-c50", "webflux-rmg")), agg.get(("hello-c50", "webflux-netty"))
    if wu and wn and wu["rps"] and wn["rps"]:
        exw = " / ".join("—" if a["bytes_exact"] is None else f"{a['bytes_exact']:,.1f}" for a in (wu, wn))
        L.append(f"WebFlux on reactor-mongoose / WebFlux on Reactor Netty, {SCENARIOS['hello-c50'][0]} (the only "
                 f"scenario run for WebFlux): **{fmt_ratio(wu['rps'], wn['rps'])}** (median req/s "
                 f"{fmt_int(wu['rps'])} vs {fmt_int(wn['rps'])}); p99 {fmt_ms(wu['p99'])} vs {fmt_ms(wn['p99'])}; "
                 f"exact bytes/response {exw} (the WebFlux responses carry `Content-Type: text/plain`, so they "
                 "are longer than those of the plain reactor-mongoose and Reactor Netty servers).")
        L.append("")

    # ---- all cores
    L += all_cores_section(agg, spread, meta, ac_servers)
    L += tls_section(agg, meta)

    # ---- 1 GiB download
    dl = download_results(out, ["rmg", "netty", "vertx", "helidon", "webflux-rmg", "webflux-netty", "rmg-tls", "netty-tls"])
    if dl:
        L.append("### 1 GiB streamed download, one connection")
        L.append("")
        row("server", "MB/s (median)", "MB/s per download", "bytes", "RSS before → peak", "Java heap after GC before → peak in use")
        row("---", "---:", "---:", "---:", "---:", "---:")
        for sv, r in dl.items():
            heap = "—" if r["heap_before"] is None or r["heap_peak"] is None else \
                f"{r['heap_before'] / 1024:,.1f} → {r['heap_peak'] / 1024:,.1f} MiB"
            name = SERVERS[sv] if sv in SERVERS else TLS_SERVERS[sv] + ", HTTPS"
            row(name, f"{r['mbps']:,.0f}", " / ".join(f"{x:,.0f}" for x in r["per_run"]), f"{r['bytes']:,}",
                f"{r['rss_before'] / 1024:,.1f} → {r['rss_peak'] / 1024:,.1f} MiB", heap)
        ratios = [f"reactor-mongoose / {SERVERS[p]}: **{dl['rmg']['mbps'] / dl[p]['mbps']:.2f}×** MB/s."
                  for p in ("netty", "vertx", "helidon") if "rmg" in dl and p in dl and dl[p]["mbps"]]
        if ratios:
            L.append("")
            n = max(len(r["per_run"]) for r in dl.values())
            ratios[0] += (" The server streams 16,384 read-only views of one 64 KiB direct buffer with `Content-Length`; "
                          + ("curl (pinned to the client CPU) reads it once, after a warm-up download. " if n == 1 else
                             f"curl (pinned to the client CPU) reads it {n} times after warm-up downloads (the median is shown). ")
                          + "RSS peak = VmHWM, reset just before the measured downloads; "
                          "heap peak = the largest S0U+S1U+EU+OU of `jstat -gc` every 100 ms.")
            L += ratios
        if "webflux-rmg" in dl and "webflux-netty" in dl and dl["webflux-netty"]["mbps"]:
            L.append(f"WebFlux on reactor-mongoose / WebFlux on Reactor Netty: "
                     f"**{dl['webflux-rmg']['mbps'] / dl['webflux-netty']['mbps']:.2f}×** MB/s (the same Spring "
                     "application on each engine: a `Flux<DataBuffer>` of `DefaultDataBuffer`s wrapping the same "
                     "64 KiB views, with `Content-Length`).")
        if "rmg-tls" in dl and "netty-tls" in dl and dl["netty-tls"]["mbps"]:
            L.append(f"Over HTTPS, reactor-mongoose / Reactor Netty: "
                     f"**{dl['rmg-tls']['mbps'] / dl['netty-tls']['mbps']:.2f}×** MB/s (the same body over TLS 1.3 with "
                     "the run's self-signed certificate: Mongoose's built-in stack with AES-NI records, docs/tls.md, "
                     "against the JDK provider; curl with `-k`).")
        L.append("")

    # ---- HTTP clients
    L += client_section(out)
    L += mqtt_section(out)

    # ---- idle
    idle = idle_results(out, [sv for sv in servers if not sv.startswith("webflux-")])
    L.append(f"### {meta.get('idle_conns', '?')} idle keep-alive connections")
    L.append("")
    row("server", "connections held", "RSS before → after", "RSS per connection", "Java heap after GC, before → after",
        "heap per connection", "server still answers")
    row("---", "---:", "---:", "---:", "---:", "---:", "---")
    for sv, r in idle.items():
        if r is None:
            row(SERVERS[sv], "failed", "—", "—", "—", "—", "—")
            continue
        heap = "n/a (not a JVM)" if r["heap_before"] is None else f"{r['heap_before'] / 1024:,.1f} → {r['heap_after'] / 1024:,.1f} MiB"
        hpc = "—" if r["heap_per_conn"] is None else f"{r['heap_per_conn']:,.0f} B"
        row(SERVERS[sv], f"{r['n']:,}" + ("" if r["established"] is None else f" ({r['established']:,} established)"),
            f"{r['rss_before'] / 1024:,.1f} → {r['rss_after'] / 1024:,.1f} MiB",
            "—" if r["rss_per_conn"] is None else f"{r['rss_per_conn']:,.0f} B", heap, hpc,
            "yes" if r["probe_ok"] else "**no**")
    L.append("")

    # ---- streamed upload
    up = upload_results(out, ["rmg", "netty"] + list(PEERS))
    if up:
        L.append(f"### {meta.get('upload_mib', '1024')} MiB streamed upload, one connection (curl, Content-Length)")
        L.append("")
        row("server", "rounds complete", "MB/s (median)", "MB/s per round", "peak RSS growth (max)",
            "peak heap in use (max, garbage included)", "heap growth surviving collections (max)")
        row("---", "---:", "---:", "---:", "---:", "---:", "---:")
        for sv, rounds in up.items():
            good = [r for r in rounds if r["ok"] and r["mbps"] is not None]
            kept = [r["retained_kb"] for r in good if r.get("retained_kb") is not None]
            row(SERVERS[sv], f"{len(good)}/{len(rounds)}",
                f"{median([r['mbps'] for r in good]):,.0f}" if good else "—",
                " / ".join(f"{r['mbps']:,.0f}" if r["ok"] and r["mbps"] is not None else "failed" for r in rounds),
                f"{max(r['rss_growth_kb'] for r in good) / 1024:,.1f} MiB" if good else "—",
                f"{max(r['peak_heap'] for r in good) / 1048576:,.1f} MiB" if good else "—",
                f"{max(kept) / 1024:,.1f} MiB" if kept else "—")
        L.append("")
        L.append("curl reads a sparse file (no disk I/O), read once before the first round so that every round "
                 "finds it in the page cache (the first reader of a fresh one paid for filling it: about 390 MB/s).")
        L.append("")
        L.append("Heap growth surviving collections: `jstat -gc` every 100 ms during the upload, the largest "
                 "S0U+S1U+OU (survivors and old generation: what outlived a young collection) minus its value right "
                 "after a full GC before the upload. Issue 8's target for it: ≤ 64 MB.")
        L.append("")
    summary = "\n".join(L) + "\n"

    # ---- profile
    prof = profile_summary(out)
    P = []
    if prof:
        P.append(f"JFR `profile` settings, {meta.get('jfr_secs', '?')} s on the reactor-mongoose hello server under "
                 f"wrk `-t1 -c50` (run after the measured rounds; its wrk output is `jfr/wrk-during-jfr.txt`). "
                 f"{prof['ex_total']:,} Java execution samples, {prof['nat_total']:,} native-method samples.")
        P.append("")
        if prof["split"]:
            jv, nv, pe, pn = prof["split"]
            P.append(f"**Where the poll thread's time goes**: weighting the samples by their periods (Java code "
                     f"sampled every {pe} ms, threads inside native methods every {pn} ms), the poll thread "
                     f"`{prof['poll_thread']}` spent about **{jv:.0f} % in Java** and **{nv:.0f} % inside native "
                     "calls** (almost all of it `LoopNative.poll`, i.e. `mg_mgr_poll`: the epoll_wait/recv/send system "
                     "calls, Mongoose's HTTP parsing and the C handler that writes the event records). The perf "
                     "profile below splits the native part.")
            P.append("")
        P.append("Java execution samples per thread: " + per_thread(prof, 6) + ".")
        P.append("")
        P.append("Top frames (self time, all threads):")
        P.append("")
        P += frame_table("method (top frame)", prof["self"], prof["ex_total"])
        if prof["poll_thread"]:
            P.append(f"Inclusive (method anywhere on the stack) on the busiest thread, `{prof['poll_thread']}` "
                     f"({prof['poll_samples']:,} samples):")
            P.append("")
            P += frame_table("method", prof["incl_poll"], prof["poll_samples"])
        if prof["native"]:
            P.append("Native-method samples (a thread inside a JNI/native call when sampled; sampled half as "
                     "often as Java code in the `profile` settings):")
            P.append("")
            P.append("| thread | native method | samples |")
            P.append("| --- | --- | ---: |")
            for (t, fr), c in prof["native"]:
                P.append(f"| `{t}` | `{fr}` | {c:,} |")
            P.append("")

    # ---- perf
    for sc, sv in (("hello-c50", "rmg"), ("hello-c50", "rawc"), ("echo-1mib", "rmg"), ("echo-1mib", "rawc")):
        P += perf_block(out, sv, sc, meta)

    # ---- the peers' profiles (BENCH_PROFILE_PEERS=1)
    Q = []
    for sv in PEERS:
        prof_p = profile_summary(out, top=12, pre=sv + "-")
        if prof_p:
            Q.append(f"JFR `profile` settings, {meta.get('jfr_secs', '?')} s on the {SERVERS[sv]} hello server under "
                     f"wrk `-t1 -c50` (`jfr/{sv}-hello.jfr`): {prof_p['ex_total']:,} Java execution samples, "
                     f"{prof_p['nat_total']:,} native-method samples. Java execution samples per thread: "
                     + per_thread(prof_p, 5) + ".")
            Q.append("")
            Q += frame_table("method (top frame, all threads)", prof_p["self"], prof_p["ex_total"])
            if prof_p["poll_thread"]:
                Q.append(f"<details><summary>inclusive on the busiest thread, `{prof_p['poll_thread']}` "
                         f"({prof_p['poll_samples']:,} samples)</summary>")
                Q.append("")
                Q += frame_table("method", prof_p["incl_poll"], prof_p["poll_samples"])
                Q.append("</details>")
                Q.append("")
        for sc in ("hello-c50", "echo-1mib"):
            Q += perf_block(out, sv, sc, meta)

    # ---- JMH
    J = []
    jmh = jmh_results(out)
    if jmh:
        J.append("| benchmark | params | score | unit | per operation | bandwidth |")
        J.append("| --- | --- | ---: | --- | ---: | ---: |")
        for r in jmh:
            per = f"{1e9 / r['score']:,.0f} ns" if r["unit"] == "ops/s" and r["score"] else "—"
            bw = f"{r['score'] * r['size'] / 1e6:,.0f} MB/s" if r["size"] else "—"
            e = r["error"]
            err = f" ± {e:,.0f}" if isinstance(e, (int, float)) and e == e else ""
            J.append(f"| `{r['bench']}` | {r['params'] or '—'} | {r['score']:,.0f}{err} | {r['unit']} | {per} | {bw} |")
        J.append("")

    # ---- chart
    png = draw_chart(out, root, agg, servers, meta, ac_servers)

    # ---- commands
    cmds = []
    seen = set()
    for line in read(os.path.join(out, "commands.txt")).splitlines():
        line = line.strip().replace(root + "/", "").replace("Connection:\\ close", "'Connection: close'")
        line = line.replace("\\ ", " ")
        line = re.sub(r"-d \d+s", "-d <seconds>s", line)
        if line and line not in seen:
            seen.add(line)
            cmds.append(line)

    # ---- the page
    M = []
    M.append("# Benchmarks")
    M.append("")
    M.append(f"<!-- Generated by benchmarks/run.sh ({meta.get('mode')} mode, run {meta.get('stamp')}); "
             f"do not edit by hand: re-run the script. -->")
    M.append("")
    M.append("This page is regenerated by `benchmarks/run.sh` from a single run: every figure below comes "
             f"from `benchmarks/results/{meta.get('stamp')}/`. Full mode: `benchmarks/run.sh`; quick mode for "
             "iterating on the scripts: `benchmarks/run.sh --quick` (short runs, not for quoting).")
    M.append("")
    if meta.get("mode") == "quick":
        M.append("> **Quick mode**: 1-second wrk runs and 5-second JVM warm-ups. These figures are for checking "
                 "the harness, not for comparing servers.")
        M.append("")
    M.append("Servers, all answering every request with the same handler regardless of the path:")
    M.append("")
    M.append("- **raw C Mongoose**: `benchmarks/src/main/c/hello.c` compiled against the same `mongoose.c` with the "
             "same flags (`MG_DEFS`, `-O2`) as the JNI library; `mg_http_listen`, reply written as `mg_printf` "
             "(head) + `mg_send` (body), byte for byte the head reactor-mongoose writes but for its `Date` line.")
    M.append("- **reactor-mongoose HttpServer** (\"us\"): `MongooseServer.java`, "
             "`HttpServer.create().handle((req, res) -> res.sendString(Mono.just(\"Hello, World!\")))`, "
             "replying from the poll thread; its responses carry a `Date` header (the server's default: 37 "
             "bytes more than raw C Mongoose's and Reactor Netty's; see bytes/response).")
    M.append("- **Reactor Netty**: `NettyServer.java`, `reactor.netty.http.server.HttpServer.create().handle(...)` "
             f"with the same handler; reactor-netty {meta.get('reactor_netty')} (Netty {meta.get('netty')}), "
             "default settings (native epoll transport, default event-loop count).")
    M.append("- **cymongoose**: `cymongoose_hello.py`, the plain `Manager` with `conn.reply(200, body)` in a "
             "`poll(100)` loop, as cymongoose's own benchmark server does. `reply` is `mg_http_reply`, which adds "
             "`Content-Type: text/plain` and a space-padded `Content-Length`, so its responses are longer (see bytes/response).")
    peers = meta.get("peers", "").split()
    if "vertx" in peers:
        M.append(f"- **Vert.x**: `benchmarks/peers/vertx/.../VertxServer.java` (a Maven project of its own, because "
                 f"Vert.x brings its own Netty), vertx-core {meta.get('vertx', '?')} (Netty {meta.get('vertx_netty', '?')}) "
                 "without Vert.x Web: `vertx.createHttpServer().requestHandler(req -> req.response().end(body))` in "
                 "one verticle instance per event loop, native epoll transport (`setPreferNativeTransport(true)`; the "
                 "server's READY line in `logs/` says whether it was enabled), 1 event loop pinned "
                 "(`VertxServer PORT SCENARIO loops=1`), 2 on all cores; echo pipes the request to the response "
                 "(`req.pipeTo(res)`) with the request's Content-Length, the CPU-bound handler runs in "
                 "`executeBlocking`. Same JVM and options as the other Java servers.")
    if "helidon" in peers:
        M.append(f"- **Helidon SE**: `benchmarks/peers/helidon/.../HelidonServer.java` (a Maven project of its own), "
                 f"helidon-webserver {meta.get('helidon', '?')} with default settings: "
                 "`WebServer.builder().routing(r -> r.any((req, res) -> res.send(body)))`, its own HTTP/1.1 stack "
                 "with a virtual thread per connection (carrier threads: one per CPU the process may use). Helidon 4 "
                 f"needs Java 21, so it **runs on {meta.get('helidon_java', '?')}** (the other JVMs run on "
                 f"{meta.get('java', '?')}), with the same JVM options. Echo copies `req.content().inputStream()` "
                 "to `res.outputStream()` with the request's Content-Length; the CPU-bound handlers run on the "
                 "request's virtual thread (Helidon's own model: there is no event loop to keep free). Its responses "
                 "carry `Date` and `Connection: keep-alive` headers (Helidon's defaults; see bytes/response).")
    if meta.get("peers_status"):
        M.append(f"- **Not run in this run**: {meta.get('peers_status')}.")
    if str(meta.get("webflux", "")).startswith("run"):
        M.append("- **WebFlux on reactor-mongoose** and **WebFlux on Reactor Netty**: `WebFluxServer.java`, one Spring "
                 f"WebFlux {meta.get('spring_webflux', '?')} functional application "
                 "(`RouterFunctions.route().GET(\"/\", req -> ServerResponse.ok().contentType(TEXT_PLAIN)"
                 ".bodyValue(\"Hello, World!\")).build()`, then `RouterFunctions.toHttpHandler`) served by "
                 "reactor-mongoose (`MongooseHttpHandlerAdapter` of reactor-mongoose-spring on "
                 "`io.github.reactormongoose.http.server.HttpServer`) or by Reactor Netty (Spring's "
                 "`ReactorHttpHandlerAdapter` on `reactor.netty.http.server.HttpServer`), both with default settings. "
                 "Only the hello keep-alive 50-connection scenario is run for them (and no idle-connection test); "
                 "their responses add `Content-Type: text/plain` (see bytes/response), and requests go to `/`.")
    else:
        M.append(f"- **WebFlux on both servers**: {meta.get('webflux')} (see `run.sh`'s \"WebFlux hook\" section).")
    if ac_servers:
        M.append("- **All cores** (section \"All cores\" of the results; nothing pinned, wrk unpinned beside the server): "
                 "the same programs as above, started without `taskset`: "
                 + ", ".join(f"**{AC_SERVERS[sv][0]}**" for sv in ac_servers) + ". reactor-mongoose: `MongooseServer "
                 "PORT SCENARIO loops=N`, i.e. `HttpServer.create()...loopName(\"mongoose-bench\").loops(N)` (N loops "
                 "of its own, threads `mongoose-bench-<i>`, all listening on the port); in that mode it also counts "
                 "the requests each poll thread handled (see \"Connection spread\"). WebFlux on reactor-mongoose: "
                 "`WebFluxServer PORT hello reactor-mongoose loops=2`. Reactor Netty and WebFlux on Reactor Netty: "
                 "default settings, as above. Vert.x: `VertxServer PORT SCENARIO loops=2` (2 event loops); "
                 "Helidon: default settings.")
    M.append("")
    M.append("## Results")
    M.append("")
    if png:
        M.append("![median requests per second per scenario and server](benchmarks.png)")
        M.append("")
    M.append(summary)
    if P:
        M.append("## Profile of the reactor-mongoose hello server")
        M.append("")
        M += P
    if Q:
        M.append("## Profiles of Vert.x and Helidon")
        M.append("")
        M.append("The same JFR and perf recordings as for reactor-mongoose above, on the pinned Vert.x and Helidon "
                 "servers (`BENCH_PROFILE_PEERS=1`), so that a missed issue-14 target can be explained by where "
                 "each server's time goes. Helidon's handlers run on virtual threads (unnamed in JFR).")
        M.append("")
        M += Q
    M.append("## JMH micro-benchmarks")
    M.append("")
    if J:
        M.append(f"`java -jar benchmarks/target/benchmarks.jar {meta.get('jmh_opts')}` (not pinned: the benchmark "
                 "thread and the poll thread share both CPUs). Throughput mode.")
        M.append("")
        M.append("- `EventPathBenchmark.readEvents64Connections`: 64 loopback clients each write 16 bytes; the "
                 "score is READ events per second delivered through poll, the C record arena, the Java decode and "
                 "the listener's `Flux` (includes the 64 client `write` calls of the benchmark thread).")
        M.append("- `ExecuteBenchmark.roundTrip`: one `MongooseLoop.execute` from another thread and wait until "
                 "it ran: every operation wakes the sleeping poll thread (doorbell datagram + wake-up).")
        M.append("- `ExecuteBenchmark.batch256`: 256 `execute` calls back to back, then wait for the last; the "
                 "doorbell coalesces, so this is the amortised enqueue cost per task.")
        M.append("- `SendBenchmark.send`: `Connection.send(byte[])` from another thread on an accepted "
                 "connection, 32 sends in flight, a thread draining the client; score = completed sends per second.")
        M.append("")
        M += J
    else:
        M.append("JMH did not produce results in this run (see `jmh/jmh.txt` in the results folder).")
        M.append("")
    M.append("## Machine and versions")
    M.append("")
    for k, label in [("cpu_model", "CPU"), ("cpus", "CPUs (online)"), ("cores_per_socket", "cores per socket"),
                     ("threads_per_core", "threads per core"), ("hypervisor", "hypervisor"), ("mem_total", "memory"),
                     ("kernel", "kernel"), ("os", "OS"), ("java", "Java"), ("gcc", "C compiler"),
                     ("mongoose", "Mongoose"), ("mongoose_source", "Mongoose source"),
                     ("reactor_netty", "reactor-netty-http"), ("netty", "Netty"), ("reactor_core", "reactor-core"),
                     ("cymongoose", "cymongoose"), ("python", "Python (cymongoose venv)"), ("wrk", "wrk"),
                     ("vertx", "Vert.x (vertx-core)"), ("vertx_netty", "Netty of Vert.x"),
                     ("helidon", "Helidon SE (helidon-webserver)"), ("helidon_java", "Java of Helidon"),
                     ("spring_webflux", "Spring WebFlux"), ("jmh", "JMH"), ("gnuplot", "gnuplot"), ("ulimit_n", "ulimit -n")]:
        M.append(f"- {label}: {meta.get(k, '?')}")
    M.append("")
    M.append("## Method")
    M.append("")
    M.append(("- Pinned scenarios (all but \"All cores\"): each" if ac_servers else "- Each") +
             " server process is pinned to CPU 0 (`taskset -c 0`, so a JVM's GC and JIT threads share "
             "that CPU too) and wrk to CPU 1 (`taskset -c 1 wrk -t1`). Load goes to 127.0.0.1 only.")
    M.append(f"- Per server-side scenario (hello, 64k, echo, fib) all servers are started once, each warmed "
             f"({meta.get('warmup_jvm')} s of load for a JVM, {meta.get('warmup_native')} s for C and Python), then "
             f"measured in {meta.get('rounds')} rounds; within a round every client scenario runs against every "
             f"server in turn (A B C D, A B C D, ...), {meta.get('duration')} s per run. Idle servers stay up "
             "(pinned to CPU 0, asleep in poll) while another is measured. Tables show medians over the rounds. "
             "The two WebFlux servers form a group of their own (hello, after the hello group of the others), "
             "measured the same way against each other.")
    if ac_servers:
        M.append(f"- All cores: the all-cores servers run after the pinned groups, in two groups of their own (hello "
                 f"with every all-cores server, then the CPU-heavy handler), interleaved in rounds the same way, "
                 f"{meta.get('duration')} s per run, {meta.get('ac_warmup_jvm')} s warm-up per JVM. Neither the servers "
                 f"nor wrk are pinned: the server may use every CPU and wrk (`-t{meta.get('ac_wrk_threads')}`) runs on "
                 f"the same CPUs beside it. wrk has {meta.get('ac_wrk_threads')} threads there so that the client, like "
                 "the server, can use more than one CPU (unpinned with `-t1`, wrk's single thread saturated a CPU in "
                 "trial runs against the 1-loop server, so the client set the rate); the server and wrk CPU columns "
                 "show how the CPUs were shared.")
    M.append(f"- JVMs: `{meta.get('jvm_opts')}` (fixed heap; SerialGC is also what the JVM picks by itself for a "
             "process limited to one CPU; the all-cores runs keep the same options)"
             + (f"; Helidon on {meta.get('helidon_java')} with the same options" if meta.get("helidon_java") else "")
             + ".")
    if meta.get("peers"):
        M.append("- Vert.x and Helidon (issue 14) run in every group beside the others, interleaved the same way "
                 "(pinned: 1 event loop / one carrier thread; all cores: 2 event loops / defaults), and in the idle "
                 "test. Their JFR and perf profiles (hello, and perf of the 1 MiB echo in full mode) are taken as "
                 "for reactor-mongoose when `BENCH_PROFILE_PEERS=1` (this run: "
                 + ("yes" if meta.get("profile_peers") == "1" else "no") + ").")
    M.append("- wrk: `--latency` (p50/p99 from wrk's latency histogram), `--timeout 10s`; keep-alive runs, plus "
             "`-H 'Connection: close'` runs; a Lua `done()` hook (`report.lua`) prints exact request and byte "
             "counts. 1 MiB POST: `post-1mib.lua`.")
    M.append(f"- Idle connections: each server is started fresh, loaded for {meta.get('idle_warm', '?')} s "
             "so its heap and arenas are touched as in a running server, then measured before and after "
             f"`idle_clients.py` opens {meta.get('idle_conns')} connections (each sends one GET and reads the "
             "response, then stays open), the \"after\" figures "
             + (f"{meta['idle_settle']} s after the last connection was made (RSS still falls for a few seconds "
                "after such a burst)" if meta.get('idle_settle') else "2 s after the last connection was made")
             + ": RSS from `/proc/PID/status` (VmRSS), Java heap from `jcmd PID GC.run` + "
             "`jcmd PID GC.heap_info` (used, all generations). Per connection = difference ÷ connections. A "
             "request on a new connection checks that the server still answers.")
    M.append("- Scenarios:")
    for sc, (title, desc) in SCENARIOS.items():
        M.append(f"  - **{title}** (`{sc}`): {desc}.")
    M.append("  raw C and cymongoose do not run the CPU-bound scenario (it compares the two Reactor offloading "
             "paths: reactor-mongoose `Mono.fromCallable(..).subscribeOn(boundedElastic())` vs Reactor Netty "
             "`publishOn(boundedElastic())`; Vert.x and Helidon run it their own way, see the server list).")
    for sc, (title, desc) in AC_SCENARIOS.items():
        if any(agg.get((sc, sv)) for sv in ac_servers):
            M.append(f"  - **{title}** (`{sc}`): "
                     f"{desc.format(t=meta.get('ac_wrk_threads', '?'), kib=meta.get('sha_kib', '64'))}.")
    M.append("- The host is a shared VM; interleaving spreads its drift over all servers, and the per-round "
             "columns show the spread.")
    M.append(f"- Total time of this run: {meta.get('elapsed_seconds', '?')} s.")
    M.append("")
    M.append("## Exact commands")
    M.append("")
    M.append("```sh")
    M.append("# raw C server build")
    M.append(meta.get("c_build", "?").replace(root + "/", ""))
    M += cmds
    M.append("```")
    M.append("")
    M.append("Each distinct command line is listed once, in the order first used: the 64 KiB and CPU-bound runs use "
             "the same wrk line as hello at 50 connections, against a server started with that scenario. "
             "Ports: 18101 raw C, 18102 reactor-mongoose, 18103 Reactor Netty, 18104 cymongoose, "
             "18105 WebFlux on reactor-mongoose, 18106 WebFlux on Reactor Netty; all cores: 18111 raw C, "
             "18112 reactor-mongoose 1 loop, 18113 reactor-mongoose 2 loops, 18114 Reactor Netty, 18115 WebFlux on "
             "reactor-mongoose, 18116 WebFlux on Reactor Netty, 18117 reactor-mongoose 1 loop offloading; "
             "18141 Vert.x, 18142 Helidon, all cores: 18143 Vert.x 2 event loops, 18144 Helidon. "
             f"Raw outputs of this run: `{rel}/` (`wrk/` per run, `spread/` per-loop counts, `idle/`, `jfr/`, `jmh/`, "
             "`logs/`, `run.log`).")
    M.append("")

    page = "\n".join(M)
    os.makedirs(os.path.join(root, "docs"), exist_ok=True)
    with open(os.path.join(root, "docs", "benchmarks.md"), "w", encoding="utf-8") as f:
        f.write(page)
    full_summary = "# Latest benchmark summary\n\n" + summary + ("\n## Profile\n\n" + "\n".join(P) if P else "") + \
        ("\n## Profiles of Vert.x and Helidon\n\n" + "\n".join(Q) if Q else "") + \
        ("\n## JMH\n\n" + "\n".join(J) if J else "")
    for p in (os.path.join(out, "summary.md"), os.path.join(root, "benchmarks", "results", "latest-summary.md")):
        with open(p, "w", encoding="utf-8") as f:
            f.write(full_summary)
    print(summary)
    print("wrote docs/benchmarks.md" + (", docs/benchmarks.png" if png else " (no chart: gnuplot failed)"))


if __name__ == "__main__":
    main()
