/**
 * The Signet playground: GraphiQL (bundled from node_modules, no CDN) with a signing panel.
 * GraphiQL introspects the schema through the same fetcher, so its docs show each field's
 * description: signature and scope, idempotency and rate limit.
 * Entry point of the browser bundle (scripts/build-playground.js); the server never loads it.
 */
import './monaco-workers';
import 'graphiql/style.css';
import './playground.css';
import { GraphiQL } from 'graphiql';
import { useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createSignedFetcher, SCHEMA_QUERY_NAME, type SentRequest, type SigningIdentity } from './signed-fetcher';
import { SigningPanel } from './signing-panel';

/** What a first visit shows in the editor. */
export const DEFAULT_QUERY = `# Welcome to the Signet playground.
#
# Public fields work unsigned. To call private fields and mutations, paste a key id and
# private key (or HMAC secret) above: every request is then signed in this browser.
# The docs (book icon, left) say which fields need a signature, which scope, and their limits.
#
# Signed in? Run this: a MARKET BUY that fills against the book at once, with its fills and fees.
# The book it takes from is public: { orderBook(market: "BTC-USD", depth: 5) { sequence bids { price quantity } asks { price quantity } } }

mutation FirstTrade {
  placeOrder(input: { market: "BTC-USD", side: BUY, type: MARKET, quantity: "0.001" }) {
    order { id status filledQuantity averagePrice }
    fills { price quantity fee feeAsset liquidity }
    userErrors { code message }
  }
}
`;

/** The page: signing panel on top, GraphiQL below. */
export function PlaygroundApp() {
  const [lastSent, setLastSent] = useState<SentRequest | null>(null);
  // The fetcher reads the key through a ref: a new fetcher per key would make GraphiQL re-introspect.
  const identityRef = useRef<SigningIdentity | null>(null);
  const endpoint = useMemo(
    // The host the browser puts in the request is the @authority the server verifies.
    () => ({ url: new URL('/graphql', window.location.origin).href, authority: window.location.host }),
    [],
  );
  const fetcher = useMemo(() => createSignedFetcher({ ...endpoint, identity: () => identityRef.current, onSent: setLastSent }), [endpoint]);
  const changeIdentity = (next: SigningIdentity | null) => {
    identityRef.current = next;
  };
  return (
    <div className="signet-playground">
      <SigningPanel onIdentity={changeIdentity} endpoint={endpoint} lastSent={lastSent} />
      <div className="signet-graphiql">
        {/* Header persistence stays off (GraphiQL's default): headers never reach localStorage. */}
        {/* The schema fetch carries its own operation name so the status line does not count it as the user's request. */}
        <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} shouldPersistHeaders={false} introspectionQueryName={SCHEMA_QUERY_NAME}>
          <GraphiQL.Logo>Signet</GraphiQL.Logo>
        </GraphiQL>
      </div>
    </div>
  );
}

const root = document.getElementById('root');
if (root) createRoot(root).render(<PlaygroundApp />);
