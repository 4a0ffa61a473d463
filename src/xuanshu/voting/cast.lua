-- One ballot, decided and recorded atomically in Redis: the same procedure as engine.decide() plus the
-- tallies and the ledger stream entry, so a vote that is acknowledged is already in the durable buffer.
-- Returns {duplicate, remaining today (-1 unknown), decisions as JSON}, and on a quota_candidate refusal a
-- fourth element: the ids of the chosen candidates that are spent today.
--
-- Keys whose type changed from the previous version of this script have new names ("day:", "gaps:"), so an
-- upgrade never meets a key of the wrong type.
-- The script's cost is mostly its Redis calls, so state that is read and written together lives together:
-- the voter's day is one hash (votes in total "t", per candidate "c<id>", per minute "m<minute>", ballot
-- nonces "n<key>"), read with one HMGET and written with one HSET; the two velocity states are read and
-- written with one MGET and one MSET, packed as binary doubles.
--
-- ARGV (see store_redis.cast): 1 key prefix, 2 time in ms, 3 minute, 4 hour, 5 local day, 6 local hour,
-- 7 voter hash, 8 identity method, 9 device hash, 10 ip hash, 11 subnet hash, 12 user-agent hash,
-- 13 dedupe key, 14 reason already refused, 15 votes per day, 16 per candidate per day, 17 key TTL,
-- 18 thresholds as a JSON array (engine.Thresholds' field order), 19 ledger meta (JSON), 20... candidates.
local p, t_ms = ARGV[1], tonumber(ARGV[2])
local minute, hour, day, local_hour = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local voter, method, device = ARGV[7], ARGV[8], ARGV[9]
local ip_hash, subnet_hash, ua_hash = ARGV[10], ARGV[11], ARGV[12]
local dedupe, pre_reason = ARGV[13], ARGV[14]
local per_day, per_candidate, ttl = tonumber(ARGV[15]), tonumber(ARGV[16]), tonumber(ARGV[17])
local th = cjson.decode(ARGV[18])
local meta = ARGV[19]
local candidates = {}
for i = 20, #ARGV do candidates[#candidates + 1] = ARGV[i] end
local t_sec = t_ms / 1000

local per_ip, per_subnet, per_device, per_identity = th[1], th[2], th[3], th[4]
local spike_min, spike_z_own, spike_relative, alpha = th[5], th[6], th[7], th[8]
local growth_factor, growth_floor = th[9], th[10]
local night_start, night_end, night_max = th[11], th[12], th[13]
local gap_count, gap_cv_max, gap_mean_max = th[14], th[15], th[16]
local device_max, cluster_max = th[17], th[18]
local spike_warmup, night_growth = th[19], th[20]

local function num(x) return tonumber(string.format("%.14g", x)) end

local function record(decisions, remaining, duplicate)
  local tally = p .. "tally:"
  for _, d in ipairs(decisions) do
    if d[1] ~= cjson.null then redis.call("HINCRBY", tally .. d[2], d[1], 1) end
  end
  local body = cjson.encode(decisions)
  redis.call("XADD", p .. "ledger", "*", "m", meta, "d", body)
  return {duplicate, remaining, body}
end

local function all_as(decision, reason)
  local decisions = {}
  if #candidates == 0 then decisions[1] = {cjson.null, decision, reason, ""} end
  for i, c in ipairs(candidates) do decisions[i] = {tonumber(c), decision, reason, ""} end
  return decisions
end

local function incr(key)
  local value = redis.call("INCR", key)
  if value == 1 then redis.call("EXPIRE", key, ttl) end
  return value
end

local function add_member(key, member)
  if redis.call("SADD", key, member) == 1 then redis.call("EXPIRE", key, ttl) end
  return redis.call("SCARD", key)
end

-- The voter's day: votes so far, this minute's attempts, the ballot's nonce, each candidate's votes.
local q = p .. "day:" .. voter .. ":" .. day
local minute_field = "m" .. minute
local used, minute_attempts, seen, used_for, new_day = 0, 0, false, {}, false
if voter ~= "" then
  local fields = {"t", minute_field, "n" .. dedupe}
  for i, c in ipairs(candidates) do fields[3 + i] = "c" .. c end
  local got = redis.call("HMGET", q, unpack(fields))
  used, minute_attempts = tonumber(got[1] or "0"), tonumber(got[2] or "0")
  seen = dedupe ~= "" and got[3] ~= false
  for i = 1, #candidates do used_for[i] = tonumber(got[3 + i] or "0") end
  new_day = not got[1]  -- no vote yet today: the hash is new (or holds only refused attempts), set its expiry
end

if seen then return record(all_as("rejected", "duplicate"), -1, 1) end

-- Every scope is counted, even once another is over its limit (as engine.decide does).
local limited = false
if ip_hash ~= "" and incr(p .. "rl:ip:" .. ip_hash .. ":" .. minute) > per_ip then limited = true end
if subnet_hash ~= "" and incr(p .. "rl:sn:" .. subnet_hash .. ":" .. minute) > per_subnet then limited = true end
if device ~= "" and incr(p .. "rl:dev:" .. device .. ":" .. minute) > per_device then limited = true end
minute_attempts = minute_attempts + 1
if voter ~= "" and minute_attempts > per_identity then limited = true end

local function refuse(reason, remaining)
  if voter ~= "" then
    redis.call("HSET", q, minute_field, minute_attempts)
    if new_day then redis.call("EXPIRE", q, ttl) end
  end
  return record(all_as("rejected", reason), remaining, 0)
end

if limited then return refuse("rate_limited", -1) end
if pre_reason ~= "" then return refuse(pre_reason, -1) end
if redis.call("EXISTS", p .. "blocked:" .. voter) == 1 then return refuse("voter_blocked", -1) end
if used + #candidates > per_day then return refuse("quota_total", math.max(per_day - used, 0)) end
for i = 1, #candidates do
  if used_for[i] + 1 > per_candidate then
    -- Every chosen candidate that is spent, not only this first one (engine._refused_as_spent): a fourth element
    -- of the reply, on this refusal only.
    local spent = {}
    for j = i, #candidates do
      if used_for[j] + 1 > per_candidate then spent[#spent + 1] = tonumber(candidates[j]) end
    end
    local reply = refuse("quota_candidate", per_day - used)
    reply[4] = spent
    return reply
  end
end

used = used + #candidates
local writes = {"t", used, minute_field, minute_attempts}
for i, c in ipairs(candidates) do
  writes[#writes + 1] = "c" .. c
  writes[#writes + 1] = used_for[i] + 1
end
if dedupe ~= "" then
  writes[#writes + 1] = "n" .. dedupe
  writes[#writes + 1] = 1
end
redis.call("HSET", q, unpack(writes))
if new_day then redis.call("EXPIRE", q, ttl) end

local ballot_flags = {}
if device ~= "" and method ~= "device" then
  if add_member(p .. "dv:" .. device .. ":" .. day, voter) > device_max then ballot_flags[#ballot_flags + 1] = "shared_device" end
end

local function fold(mu, var, x)
  local diff = x - mu
  return num(mu + alpha * diff), num((1 - alpha) * (var + alpha * diff * diff))
end

-- A velocity state is eleven numbers packed as doubles after a \1 tag byte (Redis's struct library): no
-- number is formatted as text or parsed back on each vote. The baseline values are rounded by num() before
-- they are stored, so the state is the same as the database path's text (engine._fmt). A state written as
-- text by an earlier version of this script (during a live vote) is still read.
local STATE = "<ddddddddddd"
local function pack_state(...) return "\1" .. struct.pack(STATE, ...) end

-- A velocity state moved on to this minute and hour (engine._roll).
local function roll(raw)
  local m, cnt, pc, acc, mu, var, h, hc, phc, sp, age = minute, 0, 0, 0, 0, 0, hour, 0, 0, -2, 0
  if raw and string.byte(raw, 1) == 1 then
    m, cnt, pc, acc, mu, var, h, hc, phc, sp, age = struct.unpack(STATE, raw, 2)
  elseif raw then
    local v, n = {}, 0
    for x in string.gmatch(raw, "[^,]+") do n = n + 1; v[n] = tonumber(x) end
    m, cnt, pc, acc, mu, var, h, hc, phc, sp, age = v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]
  end
  if m ~= minute then
    mu, var = fold(mu, var, acc)
    local gap = math.min(minute - m - 1, 60)
    for _ = 1, gap do mu, var = fold(mu, var, 0) end
    age = math.min(age + 1 + math.max(gap, 0), 1000000)
    if minute == m + 1 then pc = cnt else pc = 0 end
    m, cnt, acc = minute, 0, 0
  end
  if h ~= hour then
    if hour == h + 1 then phc = hc else phc = 0 end
    h, hc = hour, 0
  end
  return m, cnt, pc, acc, mu, var, h, hc, phc, sp, age
end

local decisions = {}
for i, c in ipairs(candidates) do
  local flags = {}
  for _, f in ipairs(ballot_flags) do flags[#flags + 1] = f end

  -- Machine-regular gaps between votes for one candidate from one user agent in one subnet: the latest
  -- vote times, newest first, in a list (pushing the caller's own text of the time costs no number formatting).
  local gap_key = p .. "gaps:" .. c .. ":" .. subnet_hash .. ":" .. ua_hash
  if redis.call("LPUSH", gap_key, ARGV[2]) == 1 then redis.call("EXPIRE", gap_key, ttl) end
  redis.call("LTRIM", gap_key, 0, gap_count)
  local recent = redis.call("LRANGE", gap_key, 0, gap_count)
  if #recent == gap_count + 1 then
    local stamps = {}
    for k = 1, gap_count + 1 do stamps[k] = tonumber(recent[k]) end
    local sum = 0
    for k = 1, gap_count do sum = sum + (stamps[k] - stamps[k + 1]) end
    local mean_gap = sum / gap_count
    if mean_gap > 0 and mean_gap <= gap_mean_max * 1000 then
      local sq = 0
      for k = 1, gap_count do sq = sq + ((stamps[k] - stamps[k + 1]) - mean_gap) ^ 2 end
      if math.sqrt(sq / gap_count) / mean_gap < gap_cv_max then flags[#flags + 1] = "regular_gaps" end
    end
  end
  -- Many voters behind one user agent and subnet for one candidate within the hour, or last hour.
  local cluster = p .. "cl:" .. c .. ":" .. subnet_hash .. ":" .. ua_hash .. ":"
  if add_member(cluster .. hour, voter) > cluster_max or redis.call("SCARD", cluster .. (hour - 1)) > cluster_max then
    flags[#flags + 1] = "subnet_cluster"
  end

  -- Votes explained by a cluster stay out of the candidate's velocity counts (see engine.decide).
  if #flags == 0 then
    local vel_key, tot_key = p .. "vel:" .. c, p .. "tot"
    local states = redis.call("MGET", vel_key, tot_key)
    local m, cnt, pc, acc, mu, var, h, hc, phc, sp, age = roll(states[1])
    local gm, gcnt, gpc, gacc, gmu, gvar, gh, ghc, gphc, gsp, gage = roll(states[2])
    cnt = cnt + 1
    gcnt = gcnt + 1
    local share = 1 - (t_sec % 60) / 60
    local recent, field_recent = cnt + pc * share, gcnt + gpc * share
    if recent >= spike_min and age >= spike_warmup then
      local z_own = (recent - mu) / math.max(math.sqrt(var), math.sqrt(mu), 1.0)
      local own_ratio = recent / math.max(mu, 1.0)
      local others_ratio = (field_recent - recent) / math.max(gmu - mu, 1.0)
      local standing_out = own_ratio >= spike_relative * math.max(others_ratio, 1.0) or sp >= minute - 1
      if z_own >= spike_z_own and standing_out then
        flags[#flags + 1] = "spike"
        sp = minute
      end
    end
    if hc + 1 > growth_factor * math.max(phc, growth_floor) then
      if ghc > 0 and gphc > 0 and (hc + 1) / (ghc + 1) > growth_factor * phc / gphc then
        flags[#flags + 1] = "hourly_growth"
      end
    end
    if night_start <= local_hour and local_hour < night_end and hc + 1 > math.max(night_max, night_growth * phc) then
      flags[#flags + 1] = "night_burst"
    end
    if #flags == 0 then
      acc, hc = acc + 1, hc + 1
      gacc, ghc = gacc + 1, ghc + 1
    end
    -- One state per candidate and one for the field: a bounded set of keys, kept without expiry.
    redis.call("MSET", vel_key, pack_state(m, cnt, pc, acc, mu, var, h, hc, phc, sp, age),
      tot_key, pack_state(gm, gcnt, gpc, gacc, gmu, gvar, gh, ghc, gphc, gsp, gage))
  end
  local decision = "accepted"
  if #flags > 0 then decision = "quarantined" end
  decisions[i] = {tonumber(c), decision, "", table.concat(flags, ",")}
end
return record(decisions, per_day - used, 0)
