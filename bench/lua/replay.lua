-- Replays pre-generated raw HTTP requests with wrk, for the culturesurvey benchmarks.
--
-- The request file (BENCH_REQUESTS) holds complete requests (request line, headers, body)
-- separated by NUL bytes, written by bench/*.py so that request() does no work at all.
--
-- BENCH_MODE=once  (submissions): every request is sent at most once. Thread t of n takes
--   requests t+1, t+1+n, t+1+2n, ... (a per-thread slice: wrk threads share nothing, so no
--   locking is needed and no token can be sent twice). A thread that runs out sets
--   `exhausted` and stops; the driver then rejects the run as too short of tokens.
-- BENCH_MODE=cycle (page reads): the requests are sent round-robin, again and again.
--
-- done() prints one line "BENCH_JSON {...}" with the latency percentiles (microseconds), the
-- summary, and per-status counts gathered from every thread.

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local function read_requests(path)
   local file = assert(io.open(path, "rb"))
   local data = file:read("*a")
   file:close()
   local list = {}
   local start = 1
   while true do
      local stop = string.find(data, "\0", start, true)
      if not stop then
         if start <= #data then
            table.insert(list, string.sub(data, start))
         end
         break
      end
      if stop > start then
         table.insert(list, string.sub(data, start, stop - 1))
      end
      start = stop + 1
   end
   return list
end

function init(args)
   local path = os.getenv("BENCH_REQUESTS")
   local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
   mode = os.getenv("BENCH_MODE") or "once"
   local all = read_requests(path)
   mine = {}
   if mode == "once" then
      for i = id + 1, #all, nthreads do
         table.insert(mine, all[i])
      end
   else
      mine = all
   end
   assert(#mine > 0, "no requests for thread " .. id)
   pos = 0
   issued = 0
   exhausted = 0
   statuses = {}
   sentinel = "GET /__bench_exhausted__ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
end

function request()
   if mode == "once" then
      if pos >= #mine then
         if exhausted == 0 then
            exhausted = 1
            wrk.thread:stop()
         end
         return sentinel
      end
      pos = pos + 1
      issued = issued + 1
      return mine[pos]
   end
   pos = pos % #mine + 1
   issued = issued + 1
   return mine[pos]
end

function response(status, headers, body)
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
end

local function encode(value)
   local kind = type(value)
   if kind == "table" then
      local parts = {}
      for k, v in pairs(value) do
         table.insert(parts, string.format("%q:%s", tostring(k), encode(v)))
      end
      return "{" .. table.concat(parts, ",") .. "}"
   elseif kind == "string" then
      return string.format("%q", value)
   elseif kind == "number" then
      return string.format("%.17g", value)
   elseif kind == "boolean" then
      return tostring(value)
   end
   return "null"
end

function done(summary, latency, requests)
   local statuses_all, per_thread = {}, {}
   local issued_all, exhausted_any = 0, 0
   for _, thread in ipairs(threads) do
      local counts = thread:get("statuses") or {}
      for code, n in pairs(counts) do
         statuses_all[code] = (statuses_all[code] or 0) + n
      end
      local issued_t = thread:get("issued") or 0
      issued_all = issued_all + issued_t
      exhausted_any = math.max(exhausted_any, thread:get("exhausted") or 0)
      table.insert(per_thread, {id = thread:get("id"), issued = issued_t})
   end
   local result = {
      duration_us = summary.duration,
      requests = summary.requests,
      bytes = summary.bytes,
      errors = summary.errors,
      latency_us = {
         min = latency.min, max = latency.max, mean = latency.mean, stdev = latency.stdev,
         p50 = latency:percentile(50), p90 = latency:percentile(90),
         p95 = latency:percentile(95), p99 = latency:percentile(99),
      },
      statuses = statuses_all,
      issued = issued_all,
      exhausted = exhausted_any,
      threads = per_thread,
   }
   io.write("BENCH_JSON " .. encode(result) .. "\n")
end
