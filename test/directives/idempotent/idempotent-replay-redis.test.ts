import { redisBackend } from './fixture';
import { defineReplaySuite } from './idempotent-replay.suite';

defineReplaySuite(redisBackend);
