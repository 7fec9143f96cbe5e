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
 * `<marker>:evicted-keys` holds `<evicted_keys>:<total_commands_processed>` (INFO stats) as every
 * check saw them; a different eviction count, none recorded while the process has evicted
 * anything, or fewer commands processed than recorded (CONFIG RESETSTAT zeroes both, which could
 * otherwise bring the eviction count back to what was recorded and hide evictions) makes the
 * marker unbelieved, so the window reopens as for a restart: claims made before then are
 * unproven, never taken as new. Kept separate from the marker's value so a release that does not
 * know of it still reads the marker as before; recorded on every check (one SET inside the script).
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
local run_marker_stats = nil
local function run_marker_stats_now()
  if not run_marker_stats then
    local stats = redis.call('INFO', 'stats')
    run_marker_stats = {
      evicted = string.match(stats, '\\nevicted_keys:(%d+)') or '0',
      commands = tonumber(string.match(stats, '\\ntotal_commands_processed:(%d+)') or '0'),
    }
  end
  return run_marker_stats
end
local function run_marker_record_stats(marker_key)
  local now = run_marker_stats_now()
  redis.call('SET', marker_key .. ':evicted-keys', now.evicted .. ':' .. string.format('%.0f', now.commands))
end
local function run_marker_since(marker_key)
  local marker = redis.call('GET', marker_key)
  if not marker then return nil end
  local since, owner = string.match(marker, '^(%d+):(%x+)$')
  if owner ~= run_marker_server_run_id() then return nil end
  local seen = redis.call('GET', marker_key .. ':evicted-keys')
  local now = run_marker_stats_now()
  run_marker_record_stats(marker_key)
  if not seen then
    if now.evicted ~= '0' then return nil end
    return since
  end
  local evicted, commands = string.match(seen, '^(%d+):(%d+)$')
  if evicted ~= now.evicted or not commands or tonumber(commands) > now.commands then return nil end
  return since
end
local function write_run_marker(marker_key, since)
  redis.call('SET', marker_key, since .. ':' .. run_marker_server_run_id())
  run_marker_record_stats(marker_key)
end
`;
