/**
 * @signet/redis-scripts: what every Signet Redis adapter shares. Lua scripts sent by SHA with an
 * EVAL fallback, and Redis Cluster key placement (hash tags, one tag per slot).
 */
export { luaScript, runLuaScript, type LuaScript, type RedisScriptClient } from './lua-script';
export { isClusterClient } from './cluster-client';
export { hashTagOf } from './hash-tag';
export { CLUSTER_SLOTS, slotOfKey, tagForSlot } from './slot-tags';
