-- wrk script for tests/bench/scale.sh: signed-in GETs over a rotating list of paths, or
-- score saves (PUT) that rotate over a pool of sheets with versions known in advance.
--
-- environment (set by scale.sh):
--   BENCH_COOKIE    the Cookie header (kp_session=…), sent with every request
--   BENCH_CSRF      the session's X-CSRF-Token (PUT only)
--   BENCH_THREADS   wrk -t, so that each thread can take its own share of the PUT pool
--   BENCH_PATHS     GET: the paths to rotate over, separated by spaces; thread t's request k
--                   goes to path (k + t) mod n
--   BENCH_PUT_FILE  PUT: a file with one "PATH VERSION" line per sheet (the sheet's current
--                   version). Thread t takes lines t, t + T, t + 2T, … (T = BENCH_THREADS) as
--                   its pool of P sheets; its request k goes to sheet (k mod P) of the pool
--                   with version VERSION + floor(k / P). No two threads share a sheet, and a
--                   thread sends to a sheet again only after P - 1 other requests; with P far
--                   above the connections per thread (5,000 against 32 with 10,000 sheets and
--                   wrk -t2 -c64) the previous save of that sheet has long been answered, so
--                   every version is right without reading replies. A save that is refused,
--                   or one still in flight P requests later, breaks that sheet's chain: 409s
--                   follow and the run fails.
--   BENCH_PUT_ITEM  PUT: the leaf scored (default 1.1)
--   BENCH_PUT_MAX   PUT: its max_points (default 4); points cycle through 0, 0.5, …, max
--   BENCH_PUT_STEP  PUT: the rubric's score step (default 0.5)
-- At the end one machine-readable line:
--   BENCH requests=N duration_us=N bytes=N p50_us=N p95_us=N p99_us=N status_errors=N
--         socket_errors=N
-- status_errors counts replies with a status of 400 or more; socket_errors adds connect,
-- read, write and timeout errors. No response() callback: it would slow wrk down.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function words(s)
  local out = {}
  for w in string.gmatch(s or "", "%S+") do
    table.insert(out, w)
  end
  return out
end

local paths, pool, versions
local k = 0
local checked = false
local item = os.getenv("BENCH_PUT_ITEM") or "1.1"
local step = tonumber(os.getenv("BENCH_PUT_STEP") or "0.5")
local nsteps = math.floor(tonumber(os.getenv("BENCH_PUT_MAX") or "4") / step + 0.5) + 1
local headers = {}

function init(args)
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then
    headers["Cookie"] = cookie
  end
  local file = os.getenv("BENCH_PUT_FILE")
  if file and file ~= "" then
    local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
    headers["X-CSRF-Token"] = os.getenv("BENCH_CSRF") or ""
    headers["Content-Type"] = "application/json"
    pool, versions = {}, {}
    local i = 0
    for line in io.lines(file) do
      local p, v = string.match(line, "^(%S+)%s+(%d+)")
      if p then
        if i % nthreads == tid then
          table.insert(pool, p)
          table.insert(versions, tonumber(v))
        end
        i = i + 1
      end
    end
    if #pool == 0 then
      error("scale.lua: no sheets for thread " .. tid .. " in " .. file)
    end
  else
    paths = words(os.getenv("BENCH_PATHS"))
    if #paths == 0 then
      paths = { "/" }
    end
  end
end

function request()
  local r
  -- wrk 4.x calls request() once on thread 0's state before the run to check the request's
  -- form, and never sends what it returns: that call must not use up request 0's sheet.
  if tid == 0 and not checked then
    checked = true
    return wrk.format("GET", "/", headers)
  end
  if pool then
    local n = #pool
    local i = k % n + 1
    local v = versions[i] + math.floor(k / n)
    local pts = ((k + i) % nsteps) * step
    local body = string.format('{"version":%d,"items":{"%s":{"points":%g}}}', v, item, pts)
    r = wrk.format("PUT", pool[i], headers, body)
  else
    r = wrk.format("GET", paths[(k + tid) % #paths + 1], headers)
  end
  k = k + 1
  return r
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p95_us=%d p99_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
