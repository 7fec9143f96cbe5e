import { memoryBackend } from './fixture';
import { defineReplaySuite } from './idempotent-replay.suite';

defineReplaySuite(memoryBackend);
