/**
 * Lua shared by the stores whose completeness marker says since when they have kept everything
 * (the nonce store, the idempotency store): a marker is `<since ms>:<run_id>`, and only the Redis
 * process that wrote it is believed. `run_id` is drawn anew at every start of Redis and differs on
 * a promoted replica, so a restart from an RDB or AOF snapshot, or a failover to a replica that
 * was behind, both of which keep the marker while losing what was written after the snapshot,
 * reopen the window as a FLUSHALL does.
 *
 * Nor is a marker believed once the process has evicted a key since it was written or last
 * checked: an eviction policy (`maxmemory` with `allkeys-*` or `volatile-*`, ElastiCache's default)
 * drops claims and leases while the marker, read on every claim, stays. Beside the marker,
 * `<marker>:evicted-keys` holds the process's `evicted_keys` (INFO stats) when it was last seen
 * unchanged; a different count (evictions, or a CONFIG RESETSTAT) or none while the process has
 * evicted anything makes the marker unbelieved, so the window reopens as for a restart: claims made
 * before then are unproven, never taken as new. Kept separate from the marker's value so a release
 * that does not know of it still reads the marker as before.
 *
 * Defines `run_marker_since(marker_key)`: the `since` (a string of ms) the marker states for the
 * running process, else nil (no marker, a marker of another process, or the older bare `<ms>`, or
 * evictions since it was last checked); and `write_run_marker(marker_key, since)`, which records
 * the eviction count too. The process's `run_id` and `evicted_keys` are read once per script
 * execution. Put it once at the head of a script, before the steps that call it.
 */
export const RUN_MARKER_LUA = `
local run_marker_run_id = nil
local function run_marker_server_run_id()
  if not run_marker_run_id then
    run_marker_run_id = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
  end
  return run_marker_run_id
end
local run_marker_evictions = nil
local function run_marker_evicted_keys()
  if not run_marker_evictions then
    run_marker_evictions = string.match(redis.call('INFO', 'stats'), 'evicted_keys:(%d+)') or '0'
  end
  return run_marker_evictions
end
local function run_marker_since(marker_key)
  local marker = redis.call('GET', marker_key)
  if not marker then return nil end
  local since, owner = string.match(marker, '^(%d+):(%x+)$')
  if owner ~= run_marker_server_run_id() then return nil end
  local seen = redis.call('GET', marker_key .. ':evicted-keys')
  local evicted = run_marker_evicted_keys()
  if seen ~= evicted then
    if seen or evicted ~= '0' then return nil end
    redis.call('SET', marker_key .. ':evicted-keys', evicted)
  end
  return since
end
local function write_run_marker(marker_key, since)
  redis.call('SET', marker_key, since .. ':' .. run_marker_server_run_id())
  redis.call('SET', marker_key .. ':evicted-keys', run_marker_evicted_keys())
end
`;
