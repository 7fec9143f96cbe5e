/** `@signed(scopes:)`: signature and scope requirements of a field. */
export { SIGNED, SIGNED_DIRECTIVE_SDL, signedDirective } from './signed.directive';
export { describeSignedFields, signedScopes, signedTransformer } from './signed.transformer';
export { signedOnlyFields, type SignedOnly } from './signed-only-fields';
