/**
 * The signing panel above GraphiQL: paste a key id and an Ed25519 private key (base64 PKCS#8, as
 * `signet keys create` and demo-credentials.json print it) or an HMAC secret. The text is imported
 * into a non-extractable CryptoKey and then cleared: nothing is stored (no localStorage, no
 * cookies) and nothing but signatures leaves the page. Reloading the page forgets the key.
 */
import { useState, type FormEvent } from 'react';
import { importSigningKey, type SignetAlgorithm } from '../../../sdk';
import type { SentRequest, SigningIdentity } from './signed-fetcher';

/** Props of {@link SigningPanel}. */
export interface SigningPanelProps {
  /** The key currently signing requests, or null. */
  readonly identity: SigningIdentity | null;
  /** Called with a freshly imported key, or null to go back to unsigned requests. */
  readonly onIdentity: (identity: SigningIdentity | null) => void;
  /** The last request the playground sent, for the status line. */
  readonly lastSent: SentRequest | null;
}

function describeSent(sent: SentRequest): string {
  const parts = [sent.keyId ? `signed as ${sent.keyId}` : 'unsigned'];
  if (sent.idempotencyKey) parts.push(`Idempotency-Key ${sent.idempotencyKey}`);
  parts.push(sent.status === 0 ? `failed: ${sent.problem ?? 'no answer'}` : `HTTP ${sent.status}`);
  return `Last request: ${parts.join(' · ')}`;
}

/** Key entry form and signing status. */
export function SigningPanel({ identity, onIdentity, lastSent }: SigningPanelProps) {
  const [alg, setAlg] = useState<SignetAlgorithm>('ed25519');
  const [keyId, setKeyId] = useState('');
  const [material, setMaterial] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function load(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    if (!/^\S+$/.test(keyId.trim())) return setProblem('Enter the key id (key_…).');
    setBusy(true);
    try {
      const text = material.trim();
      const key = await importSigningKey(alg === 'ed25519' ? { alg, privateKey: text } : { alg, secret: text });
      onIdentity({ keyId: keyId.trim(), alg, key });
      // Only the non-extractable CryptoKey stays; drop the pasted text from the page.
      setMaterial('');
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="signet-signing" aria-label="Request signing">
      <form className="signet-signing-form" onSubmit={load} autoComplete="off">
        <strong className="signet-brand">Signet</strong>
        <label>
          Algorithm
          <select value={alg} onChange={(e) => setAlg(e.target.value as SignetAlgorithm)}>
            <option value="ed25519">ed25519</option>
            <option value="hmac-sha256">hmac-sha256</option>
          </select>
        </label>
        <label>
          Key id
          <input value={keyId} onChange={(e) => setKeyId(e.target.value)} placeholder="key_…" spellCheck={false} size={30} />
        </label>
        <label>
          {alg === 'ed25519' ? 'Private key' : 'Secret'}
          <input
            type="password"
            aria-label="Private key or secret"
            value={material}
            onChange={(e) => setMaterial(e.target.value)}
            placeholder={alg === 'ed25519' ? 'MC4CAQAw… (base64 PKCS#8)' : 'base64, 32 bytes or more'}
            spellCheck={false}
            size={34}
          />
        </label>
        <button type="submit" disabled={busy || material.trim() === ''}>Sign requests</button>
        {identity && <button type="button" onClick={() => onIdentity(null)}>Forget key</button>}
      </form>
      <p className="signet-signing-status" role="status">
        {identity
          ? `Signing every request as ${identity.keyId} (${identity.alg}) in this browser; mutations get a fresh Idempotency-Key. The key stays in this page's memory.`
          : 'Unsigned: public fields (markets, serverTime) only. Paste a key to sign requests in this browser; it is never stored or sent.'}
        {problem && <span className="signet-signing-problem" role="alert"> {problem}</span>}
      </p>
      {lastSent && <p className="signet-signing-last">{describeSent(lastSent)}</p>}
    </section>
  );
}
