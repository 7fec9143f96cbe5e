/**
 * @signet/redis-scripts: what every Signet Redis adapter shares. Lua scripts sent by SHA with an
 * EVAL fallback, Redis Cluster key placement (hash tags, one tag per slot), and the Lua of a
 * completeness marker tied to the Redis process that wrote it.
 */
export { luaScript, runLuaScript, type LuaScript, type RedisScriptClient } from './lua-script';
export { isClusterClient } from './cluster-client';
export { hashTagOf } from './hash-tag';
export { CLUSTER_SLOTS, slotOfKey, tagForSlot } from './slot-tags';
export { RUN_MARKER_LUA } from './run-marker';
