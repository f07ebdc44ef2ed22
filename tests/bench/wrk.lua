-- wrk script for tests/bench/run.sh.
--
-- Adds an If-None-Match header when BENCH_IF_NONE_MATCH is set (the 304 path), and at the end
-- prints one machine-readable line that run.sh parses:
--   BENCH requests=N duration_us=N bytes=N p50_us=N p99_us=N status_errors=N socket_errors=N
-- status_errors counts replies outside 2xx/3xx; socket_errors adds connect, read, write and
-- timeout errors. No response() callback: it would make wrk itself the bottleneck.

local inm = os.getenv("BENCH_IF_NONE_MATCH")
if inm ~= nil and inm ~= "" then
  wrk.headers["If-None-Match"] = inm
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
