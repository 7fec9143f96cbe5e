import { redisBackend } from './fixture';
import { defineKeySuite } from './idempotent-keys.suite';

defineKeySuite(redisBackend);
