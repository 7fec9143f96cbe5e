/**
 * `@signet/http-message-signatures/node`: the node:crypto providers, apart from the main entry so
 * browser bundles of the signer never pull in node:crypto.
 */
export { nodeCrypto, nodeCryptoThreadPool, weakEd25519KeyProblem, type NodeCryptoProvider, type NodeCryptoThreadPoolProvider } from './node-crypto-provider';
