-- wrk script: adds one machine-readable line to wrk's output at the end of a run:
--   RESULT requests=N bytes=N duration_us=N p50_us=N p99_us=N connect=N read=N write=N status=N timeout=N
-- It defines no request()/response() hook, so wrk stays on its fast path.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d bytes=%d duration_us=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.bytes, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
