/** The parsed form of a Signature-Input / Signature pair, shared by the strict and the fast parser. */

/** One signature, parsed and checked for shape; nothing about it is trusted yet. */
export interface ParsedSignature {
  /** The dictionary label shared by Signature-Input and Signature (e.g. `sig1`). */
  label: string;
  /** Covered component identifiers, in the order the signer listed them. */
  components: string[];
  /** The serialized inner list: the value of `@signature-params` in the base. */
  signatureParams: string;
  keyId: string;
  nonce: string;
  /** Seconds since the epoch. */
  created: number;
  /** Seconds since the epoch, when present. */
  expires?: number;
  alg?: string;
  tag?: string;
  /** Decoded signature bytes (32 or 64 long; the key decides which is right). */
  signature: Uint8Array;
}
