import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Encrypts HMAC key secrets at rest with AES-256-GCM under the master key. */
export interface SecretBox {
  /** Encrypts `plaintext`, bound to `context` (the key id) so a ciphertext cannot be moved to another record. */
  seal(plaintext: Buffer, context: string): string;
  /**
   * Decrypts a sealed value; throws SealedSecretNotOpenedError when it was tampered with, sealed
   * under another master key or for another context (any other error: no secret can be opened).
   */
  open(sealed: string, context: string): Buffer;
}

/** This master key does not open the sealed value: damaged, sealed under another key, or for another record. */
export class SealedSecretNotOpenedError extends Error {
  constructor(reason: string) {
    super(`the sealed secret does not open: ${reason}`);
    this.name = 'SealedSecretNotOpenedError';
  }
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Creates a secret box from a 32-byte master key. */
export function createSecretBox(masterKey: Buffer): SecretBox {
  if (masterKey.length !== 32) throw new Error('the master key must be exactly 32 bytes');
  const key = Buffer.from(masterKey);
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    open(sealed, context) {
      const [version, payload] = sealed.split(':');
      if (version !== VERSION || !payload) throw new SealedSecretNotOpenedError('unsupported sealed secret format');
      const raw = Buffer.from(payload, 'base64');
      if (raw.length <= IV_BYTES + TAG_BYTES) throw new SealedSecretNotOpenedError('sealed secret is truncated');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      } catch {
        // GCM's tag did not verify: another key, another context, or altered bytes.
        throw new SealedSecretNotOpenedError('it was sealed under another key or for another record, or altered');
      }
    },
  };
}
