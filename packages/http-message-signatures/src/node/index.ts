/**
 * `@signet/http-message-signatures/node`: the node:crypto provider, apart from the main entry so
 * browser bundles of the signer never pull in node:crypto.
 */
export { nodeCrypto, weakEd25519KeyProblem, type NodeCryptoProvider } from './node-crypto-provider';
