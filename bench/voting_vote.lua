-- wrk script for POST /v/<slug>/vote: each voter (a pre-issued signed cookie) casts five ballots, one for
-- each of five different candidates, each with its own nonce. BENCH_TOKENS names the file of cookies,
-- BENCH_CANDIDATES the candidate ids, comma-separated.
local tokens, candidates = {}, {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
for id in string.gmatch(os.getenv("BENCH_CANDIDATES"), "[^,]+") do candidates[#candidates + 1] = id end
local threads, counter = 0, 0

function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function init(args)
  thread_count = tonumber(os.getenv("BENCH_THREADS") or "2")
end

request = function()
  counter = counter + 1
  local n = counter * thread_count + thread_id
  local voter = math.floor(n / 5) % #tokens + 1
  local candidate = candidates[(voter + n % 5) % #candidates + 1]
  local body = "candidate=" .. candidate .. "&nonce=" .. thread_id .. "-" .. counter
  local headers = {
    ["Cookie"] = "xs_voter=" .. tokens[voter] .. "; xs_device=bench-" .. voter,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
  }
  return wrk.format("POST", wrk.path, headers, body)
end
