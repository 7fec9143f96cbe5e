import { GraphQLID, GraphQLString } from 'graphql';
import { signetCanonicalScalar } from '../../../src/directives/idempotent';

describe('the idempotency fingerprint\'s canonical ids', () => {
  const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
  const keyId = 'key_0123456789abcdef01234567';

  test('an ID that names an account, order, transfer or API key is read in lower case, as the services read it', () => {
    expect(signetCanonicalScalar(GraphQLID, uuid.toUpperCase())).toBe(uuid);
    expect(signetCanonicalScalar(GraphQLID, 'KEY_0123456789ABCDEF01234567')).toBe(keyId);
    expect(signetCanonicalScalar(GraphQLID, keyId)).toBe(keyId);
  });

  test('anything else stays as it is: an ID that is no id of ours, and other scalars', () => {
    expect(signetCanonicalScalar(GraphQLID, 'Not-An-Id')).toBe('Not-An-Id');
    expect(signetCanonicalScalar(GraphQLID, ` ${uuid.toUpperCase()}`)).toBe(` ${uuid.toUpperCase()}`);
    expect(signetCanonicalScalar(GraphQLString, uuid.toUpperCase())).toBe(uuid.toUpperCase());
  });
});
