/**
 * The signing panel above GraphiQL: paste a key id and an Ed25519 private key (base64 PKCS#8, as
 * `signet keys create` and demo-credentials.json print it) or an HMAC secret. The text is imported
 * into a non-extractable CryptoKey and then cleared: nothing is stored (no localStorage, no
 * cookies) and nothing but signatures leaves the page. Reloading the page forgets the key.
 * The key signs requests only once the server has verified one signed request with it.
 */
import { useRef, useState, type FormEvent } from 'react';
import type { SignetAlgorithm } from '@signet/sdk';
import { checkSigningKey, type KeyCheckOptions } from './key-check';
import { checkKeyId, importPastedKey, KeyPasteError } from './key-import';
import type { SentRequest, SigningIdentity } from './signed-fetcher';
import { afterPasteProblem, describeKeyState, describeSent, type KeyState } from './status-line';

/** Props of {@link SigningPanel}. */
export interface SigningPanelProps {
  /** Called with a key the server has verified, or null to go back to unsigned requests. */
  readonly onIdentity: (identity: SigningIdentity | null) => void;
  /** Where the key check sends its probe. */
  readonly endpoint: KeyCheckOptions;
  /** The last request the user ran, for the status line; null until there is one. */
  readonly lastSent: SentRequest | null;
}

/** Key entry form and signing status. */
export function SigningPanel({ onIdentity, endpoint, lastSent }: SigningPanelProps) {
  const [alg, setAlg] = useState<SignetAlgorithm>('ed25519');
  const [keyId, setKeyId] = useState('');
  const [material, setMaterial] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [state, setState] = useState<KeyState>({ kind: 'none' });
  // A newer paste (or Forget) supersedes a check still in flight: its answer must not sign anything,
  // and a check waiting to retry stops waiting.
  const attempt = useRef(0);
  const inFlight = useRef<AbortController | null>(null);

  function supersede(): number {
    inFlight.current?.abort();
    inFlight.current = null;
    return ++attempt.current;
  }

  async function load(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    const id = keyId.trim();
    const current = supersede();
    try {
      checkKeyId(id);
      const imported = await importPastedKey(alg, material);
      // Only the non-extractable CryptoKey stays; drop the pasted text from the page.
      setMaterial('');
      onIdentity(null);
      setState({ kind: 'checking', keyId: id });
      const candidate: SigningIdentity = { keyId: id, alg, key: imported.key };
      const controller = (inFlight.current = new AbortController());
      const check = await checkSigningKey(candidate, {
        ...endpoint,
        signal: controller.signal,
        onRetry: (retry) => {
          if (current === attempt.current) setState({ kind: 'checking', keyId: id, retry });
        },
      });
      if (current !== attempt.current) return;
      if (!check.verified) return setState({ kind: 'refused', keyId: id, message: check.message });
      onIdentity(candidate);
      setState({ kind: 'signed', keyId: id, alg, accountId: check.accountId, note: check.note, publicKey: imported.publicKey });
    } catch (error) {
      if (current !== attempt.current) return;
      // This attempt's problem replaces the previous attempt's outcome, which may name another key id.
      setState(afterPasteProblem);
      setProblem(error instanceof KeyPasteError ? error.message : `Could not load the key: ${(error as Error).message}`);
    }
  }

  function forget() {
    supersede();
    onIdentity(null);
    setState({ kind: 'none' });
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
        <button type="submit" disabled={state.kind === 'checking' || material.trim() === ''}>Sign requests</button>
        {state.kind !== 'none' && <button type="button" onClick={forget}>Forget key</button>}
      </form>
      <p className={`signet-signing-status signet-key-${state.kind}`} role="status">
        {describeKeyState(state)}
        {problem && <span className="signet-signing-problem" role="alert"> {problem}</span>}
      </p>
      {state.kind === 'signed' && state.publicKey && <p className="signet-signing-public">Public key (derived here): <code>{state.publicKey}</code></p>}
      {lastSent && <p className="signet-signing-last">{describeSent(lastSent)}</p>}
    </section>
  );
}
