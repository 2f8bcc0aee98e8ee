-- wrk script of `./atlas bench serve`: each request asks for a chunk drawn uniformly at random
-- from one content set, on persistent connections (no response() callback, so wrk never keeps
-- bodies: the client stays as cheap as it can be).
-- Arguments after "--": <path prefix> <chunk count> <seed>, e.g. /cold/chunk_ 2000 7
-- done() prints machine-readable lines starting with "serve-bench" for the harness.

local threads = {}
local next_id = 1

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

function init(args)
   local prefix = args[1]
   count = tonumber(args[2])
   local seed = tonumber(args[3] or "1")
   math.randomseed(seed * 1000003 + id)
   requests_made = 0
   paths = {}
   for i = 1, count do
      paths[i] = wrk.format("GET", string.format("%s%05d.ts", prefix, i - 1))
   end
end

function request()
   requests_made = requests_made + 1
   return paths[math.random(count)]
end

-- Percentiles written for the latency CDF (wrk keeps latencies in microseconds; the maximum stands for 100).
local cdf_points = { 1, 5, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 97.5, 99, 99.5, 99.9, 99.99 }

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("serve-bench summary requests=%d bytes=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
      summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout))
   io.write(string.format("serve-bench latency min_us=%d mean_us=%.1f max_us=%d\n", latency.min, latency.mean, latency.max))
   for _, p in ipairs(cdf_points) do
      io.write(string.format("serve-bench percentile %.2f %d\n", p, latency:percentile(p)))
   end
   for _, t in ipairs(threads) do
      io.write(string.format("serve-bench thread %d requests=%d\n", t:get("id"), t:get("requests_made")))
   end
end
