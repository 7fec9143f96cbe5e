/**
 * Turns what a user pasted into the signing panel into a non-extractable CryptoKey, with a message
 * that says what was pasted when it is not a usable key (a public key, a raw seed, a key of the
 * other algorithm). For Ed25519 it also derives the public key, so the page can show it next to
 * the key id and the user can compare it with `signet keys list`.
 * Browser code (runs in Node's WebCrypto too, for the tests).
 */
import { KEY_ID_PATTERN } from '@signet/http-message-signatures';
import { fromBase64, importSigningKey, plainBytes, toBase64, type SignetAlgorithm } from '@signet/sdk';

/** A pasted key, imported. */
export interface ImportedKey {
  /** Non-extractable: the page's scripts cannot read the key back. */
  readonly key: CryptoKey;
  /** Ed25519 only: the public key as SPKI DER base64, the form the server stores and lists. */
  readonly publicKey?: string;
}

/** Why a paste was refused; `message` is written for the person who pasted it. */
export class KeyPasteError extends Error {
  override readonly name = 'KeyPasteError';
}

/** The key id check the server applies, done before any request so a typo is named at once. */
export function checkKeyId(keyId: string): void {
  if (keyId === '') throw new KeyPasteError('Enter the key id (key_…).');
  if (!KEY_ID_PATTERN.test(keyId)) throw new KeyPasteError(`"${keyId.slice(0, 40)}" is not a key id: 1–128 letters, digits, ".", "_" or "-".`);
}

function bytesOf(text: string, what: string): Uint8Array {
  const pem = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (pem && pem[1] !== 'PRIVATE KEY') throw new KeyPasteError(`This is a PEM "${pem[1]}": paste an unencrypted PKCS#8 private key (BEGIN PRIVATE KEY, or base64 MC4CAQAw…).`);
  try {
    return fromBase64(pem ? pem[2] : text, what);
  } catch {
    throw new KeyPasteError(`The ${what} is not base64 (or PEM): paste it as \`signet keys create\` printed it.`);
  }
}

/** Whether `der` is an Ed25519 SubjectPublicKeyInfo: people paste the public half by mistake. */
async function isEd25519PublicKey(der: Uint8Array): Promise<boolean> {
  try {
    await globalThis.crypto.subtle.importKey('spki', plainBytes(der), { name: 'Ed25519' }, false, ['verify']);
    return true;
  } catch {
    return false;
  }
}

async function importEd25519(text: string): Promise<ImportedKey> {
  const der = bytesOf(text, 'private key');
  const subtle = globalThis.crypto.subtle;
  let jwk: JsonWebKey;
  try {
    // Extractable once, only to read the public half (`x`); the key kept for signing is re-imported
    // non-extractable below. The private bytes are already in this page as the pasted text.
    const extractable = await subtle.importKey('pkcs8', plainBytes(der), { name: 'Ed25519' }, true, ['sign']);
    jwk = await subtle.exportKey('jwk', extractable);
  } catch {
    if (await isEd25519PublicKey(der)) throw new KeyPasteError('This is an Ed25519 public key: paste the private key (MC4CAQAw…).');
    if (der.length === 32) throw new KeyPasteError('These are 32 raw bytes: paste the PKCS#8 private key (MC4CAQAw…, 48 bytes), as `signet keys create` prints it.');
    throw new KeyPasteError('This is not an Ed25519 private key (PKCS#8, base64 DER or PEM). For an HMAC key choose hmac-sha256.');
  }
  const publicKey = await subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, true, ['verify']);
  return {
    key: await subtle.importKey('pkcs8', plainBytes(der), { name: 'Ed25519' }, false, ['sign']),
    publicKey: toBase64(await subtle.exportKey('spki', publicKey)),
  };
}

async function importHmac(text: string): Promise<ImportedKey> {
  const secret = bytesOf(text, 'secret');
  // 48 bytes starting with the PKCS#8 Ed25519 prefix: an Ed25519 key pasted under the wrong algorithm.
  if (secret.length === 48 && secret[0] === 0x30 && secret[1] === 0x2e) throw new KeyPasteError('This looks like an Ed25519 private key: choose ed25519.');
  if (secret.length < 32) throw new KeyPasteError(`An hmac-sha256 secret has at least 32 bytes; this one has ${secret.length}.`);
  return { key: await importSigningKey({ alg: 'hmac-sha256', secret }) };
}

/** Imports pasted key material; throws {@link KeyPasteError} with a message for the user. */
export async function importPastedKey(alg: SignetAlgorithm, text: string): Promise<ImportedKey> {
  const trimmed = text.trim();
  if (trimmed === '') throw new KeyPasteError(alg === 'ed25519' ? 'Paste the private key.' : 'Paste the secret.');
  return alg === 'ed25519' ? importEd25519(trimmed) : importHmac(trimmed);
}
