import { GraphQLID, type GraphQLScalarType } from 'graphql';
import { canonicalIdArgument } from '../../domain';

/**
 * The idempotency fingerprint's canonical form of Signet's scalars: an `ID` as the services read
 * it (`canonicalIdArgument`: UUIDs and key ids in lower case), every other value as it is. The
 * directive and the admission plan both fingerprint with it, so a claim made ahead of execution
 * is the directive's own.
 */
export function signetCanonicalScalar(type: GraphQLScalarType, value: unknown): unknown {
  return type.name === GraphQLID.name && typeof value === 'string' ? canonicalIdArgument(value) : value;
}
