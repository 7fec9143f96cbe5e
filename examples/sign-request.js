// Signs one GraphQL request per Signet's RFC 9421 profile using only node:crypto, and prints the answer.
// Usage: SIGNET_URL=http://127.0.0.1:4000 SIGNET_KEY_ID=key_… SIGNET_PRIVATE_KEY=<base64 PKCS#8>  node examples/sign-request.js '{ me { balances { asset available } } }'
//    or: SIGNET_KEY_ID=key_… SIGNET_SECRET=<base64 HMAC secret> node examples/sign-request.js '{ me { id } }'
// Keyed mutations: also set SIGNET_IDEMPOTENCY_KEY; the header is then covered (the server refuses an uncovered one).
// Prints the status and the body; exits 1 when the answer is a refusal (non-2xx, or GraphQL errors), 2 without a key.
'use strict';
const crypto = require('node:crypto');

const USAGE = `usage: SIGNET_KEY_ID=key_… SIGNET_PRIVATE_KEY=<base64 PKCS#8> (or SIGNET_SECRET=<base64 HMAC secret>) [SIGNET_URL=http://127.0.0.1:4000] [SIGNET_IDEMPOTENCY_KEY=…] node examples/sign-request.js '<GraphQL document>'
(the demo keys: .signet/demo-credentials.json after \`npm start\`)`;

async function main() {
  const url = new URL('/graphql', process.env.SIGNET_URL || 'http://127.0.0.1:4000');
  const body = JSON.stringify({ query: process.argv[2] || '{ me { id } }' });
  const keyId = process.env.SIGNET_KEY_ID;
  const hmac = Boolean(process.env.SIGNET_SECRET);
  if (!keyId || !(hmac || process.env.SIGNET_PRIVATE_KEY)) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  // Sent as a quoted structured-field string, as the Idempotency-Key draft specifies.
  const idempotencyKey = process.env.SIGNET_IDEMPOTENCY_KEY ? JSON.stringify(process.env.SIGNET_IDEMPOTENCY_KEY) : undefined;

  // RFC 9530: the digest of the exact bytes sent.
  const contentDigest = `sha-256=:${crypto.createHash('sha256').update(body).digest('base64')}:`;
  // RFC 9421: covered components and parameters; created in seconds, a fresh nonce every time.
  const created = Math.floor(Date.now() / 1000);
  const nonce = crypto.randomBytes(18).toString('base64url');
  const components = `"@method" "@authority" "@path" "content-digest"${idempotencyKey ? ' "idempotency-key"' : ''}`;
  const params = `(${components});created=${created};nonce="${nonce}";keyid="${keyId}"`;
  const base = [
    `"@method": POST`,
    `"@authority": ${url.host}`,
    `"@path": ${url.pathname}`,
    `"content-digest": ${contentDigest}`,
    ...(idempotencyKey ? [`"idempotency-key": ${idempotencyKey}`] : []),
    `"@signature-params": ${params}`,
  ].join('\n');
  const signature = hmac
    ? crypto.createHmac('sha256', Buffer.from(process.env.SIGNET_SECRET, 'base64')).update(base).digest('base64')
    : crypto.sign(null, Buffer.from(base), crypto.createPrivateKey({ key: Buffer.from(process.env.SIGNET_PRIVATE_KEY, 'base64'), format: 'der', type: 'pkcs8' })).toString('base64');

  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json', 'content-digest': contentDigest, 'signature-input': `sig1=${params}`, signature: `sig1=:${signature}:`,
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body,
  });
  const text = await response.text();
  console.log(response.status, text);
  // A refusal fails the script, so a shell can tell: a non-2xx status, or GraphQL errors in a 200.
  let answer;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  if (!response.ok || (Array.isArray(answer?.errors) && answer.errors.length > 0)) process.exitCode = 1;
}

main().catch((error) => {
  // Node's fetch says "fetch failed" and keeps the reason (ECONNREFUSED, DNS) in its cause.
  console.error(`sign-request: ${error.cause?.message ?? error.message}`);
  process.exitCode = 1;
});
