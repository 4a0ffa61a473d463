-- One ballot, decided and recorded atomically in Redis: a line-by-line port of engine.decide() plus the
-- tallies and the ledger stream entry, so a vote that is acknowledged is already in the durable buffer.
-- ARGV[1]: a JSON array, see store_redis.cast(). Returns {duplicate, remaining today (-1 unknown), decisions as JSON}.
-- All inputs arrive as one JSON array (one argument packs and parses far faster than twenty).
local a = cjson.decode(ARGV[1])
local p = a[1]
local t_ms = a[2]
local t_sec = t_ms / 1000
local minute, hour, day, local_hour = a[3], a[4], a[5], a[6]
local voter, method, device, ip_hash, subnet_hash, ua_hash = a[7], a[8], a[9], a[10], a[11], a[12]
local dedupe, pre_reason = a[13], a[14]
local per_day, per_candidate, candidate_count = a[15], a[16], a[17]
local th = a[18]
local meta = a[19]
local ttl = a[20]
local candidates = a[21]

-- Thresholds, in the order of engine.Thresholds' fields.
local per_ip, per_subnet, per_device, per_identity = th[1], th[2], th[3], th[4]
local spike_min, spike_z_own, spike_relative, alpha = th[5], th[6], th[7], th[8]
local growth_factor, growth_floor = th[9], th[10]
local night_start, night_end, night_max = th[11], th[12], th[13]
local gap_count, gap_cv_max, gap_mean_max = th[14], th[15], th[16]
local device_max, cluster_max = th[17], th[18]
local spike_warmup, night_growth = th[19], th[20]

local function num(x) return tonumber(string.format("%.14g", x)) end

local function record(decisions, remaining, duplicate)
  local encoded = {}
  for i, d in ipairs(decisions) do
    local c = d[1]
    if c == nil then c = cjson.null end
    encoded[i] = {c, d[2], d[3], d[4]}
    if d[1] ~= nil then redis.call("HINCRBY", p .. "tally:" .. d[2], d[1], 1) end
  end
  local body = cjson.encode(encoded)
  redis.call("XADD", p .. "ledger", "*", "m", meta, "d", body)
  return {duplicate, remaining, body}
end

local function reject(reason, remaining)
  local decisions = {}
  if #candidates == 0 then
    decisions[1] = {nil, "rejected", reason, ""}
  else
    for i, c in ipairs(candidates) do decisions[i] = {c, "rejected", reason, ""} end
  end
  return record(decisions, remaining, 0)
end

local function incr(key, by)
  local value = redis.call("INCRBY", key, by)
  if value == by then redis.call("EXPIRE", key, ttl) end
  return value
end

local function add_member(key, member)
  if redis.call("SADD", key, member) == 1 then redis.call("EXPIRE", key, ttl) end
  return redis.call("SCARD", key)
end

if dedupe ~= "" and redis.call("EXISTS", p .. "dd:" .. dedupe) == 1 then
  local decisions = {}
  if #candidates == 0 then decisions[1] = {nil, "rejected", "duplicate", ""} end
  for i, c in ipairs(candidates) do decisions[i] = {c, "rejected", "duplicate", ""} end
  local result = record(decisions, -1, 1)
  return result
end

local limited = false
local scopes = {{"ip", ip_hash, per_ip}, {"sn", subnet_hash, per_subnet}, {"dev", device, per_device}, {"id", voter, per_identity}}
for _, s in ipairs(scopes) do
  if s[2] ~= "" and incr(p .. "rl:" .. s[1] .. ":" .. s[2] .. ":" .. minute, 1) > s[3] then limited = true end
end
if limited then return reject("rate_limited", -1) end
if pre_reason ~= "" then return reject(pre_reason, -1) end
if redis.call("EXISTS", p .. "blocked:" .. voter) == 1 then return reject("voter_blocked", -1) end

local total_key = p .. "q:" .. voter .. ":" .. day
local used = tonumber(redis.call("GET", total_key) or "0")
if used + #candidates > per_day then return reject("quota_total", math.max(per_day - used, 0)) end
for _, c in ipairs(candidates) do
  if tonumber(redis.call("GET", total_key .. ":" .. c) or "0") + 1 > per_candidate then
    return reject("quota_candidate", per_day - used)
  end
end
used = incr(total_key, #candidates)
for _, c in ipairs(candidates) do incr(total_key .. ":" .. c, 1) end

local ballot_flags = {}
if device ~= "" and method ~= "device" then
  if add_member(p .. "dv:" .. device .. ":" .. day, voter) > device_max then ballot_flags[#ballot_flags + 1] = "shared_device" end
end

local function fold(mu, var, x)
  local diff = x - mu
  return num(mu + alpha * diff), num((1 - alpha) * (var + alpha * diff * diff))
end

-- A velocity state moved on to this minute and hour (engine._roll).
local function roll(raw)
  local m, cnt, pc, acc, mu, var, h, hc, phc, sp, age = minute, 0, 0, 0, 0, 0, hour, 0, 0, -2, 0
  if raw then
    local v = {}
    for x in string.gmatch(raw, "[^,]+") do v[#v + 1] = tonumber(x) end
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

  local gap_key = p .. "gap:" .. c .. ":" .. subnet_hash .. ":" .. ua_hash
  local stamps = {t_ms}
  local old = redis.call("GET", gap_key)
  if old then
    for x in string.gmatch(old, "[^,]+") do
      if #stamps < gap_count + 1 then stamps[#stamps + 1] = tonumber(x) end
    end
  end
  redis.call("SET", gap_key, table.concat(stamps, ","), "EX", ttl)
  if #stamps == gap_count + 1 then
    local sum = 0
    for k = 1, gap_count do sum = sum + (stamps[k] - stamps[k + 1]) end
    local mean_gap = sum / gap_count
    if mean_gap > 0 and mean_gap <= gap_mean_max * 1000 then
      local sq = 0
      for k = 1, gap_count do sq = sq + ((stamps[k] - stamps[k + 1]) - mean_gap) ^ 2 end
      if math.sqrt(sq / gap_count) / mean_gap < gap_cv_max then flags[#flags + 1] = "regular_gaps" end
    end
  end
  local cluster = p .. "cl:" .. c .. ":" .. subnet_hash .. ":" .. ua_hash
  if add_member(cluster .. ":" .. hour, voter) > cluster_max or redis.call("SCARD", cluster .. ":" .. (hour - 1)) > cluster_max then
    flags[#flags + 1] = "subnet_cluster"
  end

  -- Votes explained by a cluster stay out of the candidate's velocity counts (see engine.decide).
  if #flags == 0 then
    local vel_key, tot_key = p .. "vel:" .. c, p .. "tot"
    local m, cnt, pc, acc, mu, var, h, hc, phc, sp, age = roll(redis.call("GET", vel_key))
    local gm, gcnt, gpc, gacc, gmu, gvar, gh, ghc, gphc, gsp, gage = roll(redis.call("GET", tot_key))
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
    redis.call("SET", vel_key, table.concat({m, cnt, pc, acc, mu, var, h, hc, phc, sp, age}, ","), "EX", ttl)
    redis.call("SET", tot_key, table.concat({gm, gcnt, gpc, gacc, gmu, gvar, gh, ghc, gphc, gsp, gage}, ","), "EX", ttl)
  end
  local decision = "accepted"
  if #flags > 0 then decision = "quarantined" end
  decisions[i] = {c, decision, "", table.concat(flags, ",")}
end
if dedupe ~= "" then redis.call("SET", p .. "dd:" .. dedupe, "1", "EX", 86400) end
return record(decisions, per_day - used, 0)
