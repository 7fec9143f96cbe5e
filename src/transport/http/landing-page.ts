/** GET / : a short page pointing to the API, so a browser visit is not a bare 404. */
export const LANDING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signet</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Signet</h1>
<p>GraphQL trading API. Send queries and signed mutations to <a href="/graphql"><code>POST /graphql</code></a>.</p>
<p>Explore the schema and sign requests in the browser: <a href="/playground"><code>/playground</code></a> (when introspection is on).</p>
<p>Health: <a href="/healthz"><code>/healthz</code></a> · Readiness: <a href="/readyz"><code>/readyz</code></a></p>
</body></html>
`;
