/**
 * @signet/directive-signed: `@signed(scopes: [...])` for any GraphQL server built with
 * `@graphql-tools/utils` schemas. Exports the declaration (SDL or object; directive name and scope
 * type configurable) and a transformer that takes the host's `principal`, `unauthenticated` and
 * `forbidden` functions. How requests are verified is the host's business (e.g. with
 * `@signet/http-message-signatures`); this package only reads the principal it was given.
 */
export {
  DEFAULT_SIGNED_DIRECTIVE_NAME,
  signedDirective,
  signedDirectiveName,
  signedDirectiveTypeDefs,
  type SignedDirectiveOptions,
  type SignedTypeDefsOptions,
} from './signed.directive';
export { describeSignedFields, signedScopes, signedTransformer, type SignedPrincipal, type SignedTransformerOptions } from './signed.transformer';
export { requiredScopes } from './required-scopes';
export { signedOnlyFields, type SignedOnly } from './signed-only-fields';
