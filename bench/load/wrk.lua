-- wrk script of the load benchmark (bench/load/drive.py writes its targets file and reads its last line).
-- Requests rotate over the targets file's lines, "<path>\t<cookie header>" (the cookie may be empty), each thread
-- starting at a different line. Any response other than 200 counts as unexpected: a page that redirects to the
-- sign-in page has lost its session and must not pass for a fast page. done() prints one JSON line.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("offset", #threads)
end

function init(args)
  targets = {}
  for line in io.lines(args[1]) do
    local path, cookie = line:match("^([^\t]+)\t?(.*)$")
    table.insert(targets, { path = path, cookie = cookie })
  end
  sent = offset
  unexpected = 0
end

function request()
  sent = sent + 1
  local target = targets[(sent % #targets) + 1]
  local headers = {}
  if target.cookie ~= "" then
    headers["Cookie"] = target.cookie
  end
  return wrk.format("GET", target.path, headers)
end

function response(status, headers, body)
  if status ~= 200 then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local unexpected_total = 0
  for _, thread in ipairs(threads) do
    unexpected_total = unexpected_total + thread:get("unexpected")
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, '
      .. '"unexpected_status": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    unexpected_total, errors.connect + errors.read + errors.write + errors.timeout
  ))
end
