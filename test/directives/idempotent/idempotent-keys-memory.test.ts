import { memoryBackend } from './fixture';
import { defineKeySuite } from './idempotent-keys.suite';

defineKeySuite(memoryBackend);
