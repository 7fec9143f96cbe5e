/**
 * Lua shared by the stores whose completeness marker says since when they have kept everything
 * (the nonce store, the idempotency store): a marker is `<since ms>:<run_id>`, and only the Redis
 * process that wrote it is believed. `run_id` is drawn anew at every start of Redis and differs on
 * a promoted replica, so a restart from an RDB or AOF snapshot, or a failover to a replica that
 * was behind, both of which keep the marker while losing what was written after the snapshot,
 * reopen the window as a FLUSHALL does.
 *
 * Defines `run_marker_since(marker_key)`: the `since` (a string of ms) the marker states for the
 * running process, else nil (no marker, a marker of another process, or the older bare `<ms>`);
 * and `write_run_marker(marker_key, since)`. The process's `run_id` is read once per script
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
local function run_marker_since(marker_key)
  local marker = redis.call('GET', marker_key)
  if not marker then return nil end
  local since, owner = string.match(marker, '^(%d+):(%x+)$')
  if owner ~= run_marker_server_run_id() then return nil end
  return since
end
local function write_run_marker(marker_key, since)
  redis.call('SET', marker_key, since .. ':' .. run_marker_server_run_id())
end
`;
