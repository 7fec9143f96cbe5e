// Lint configuration of schema/schema.graphql for graphql-schema-linter, run by test/schema-lint.test.ts
// (so by `npm test`) and by `npx graphql-schema-linter` from the repository root.
//
// Every built-in rule of graphql-schema-linter 3 is named here on purpose: the test fails when the
// installed linter ships a rule this list neither names nor disables with a reason, so a new rule
// is a decision, not a silent no-op. No rule is disabled today; a disabled rule goes into
// `disabledRules` with the one-line reason it is wrong for this API.
'use strict';

module.exports = {
  schemaPaths: ['schema/schema.graphql'],
  rules: [
    'arguments-have-descriptions',
    'defined-types-are-used',
    'deprecations-have-a-reason',
    'descriptions-are-capitalized',
    'enum-values-all-caps',
    'enum-values-have-descriptions',
    'enum-values-sorted-alphabetically',
    'fields-are-camel-cased',
    'fields-have-descriptions',
    'input-object-fields-sorted-alphabetically',
    'input-object-values-are-camel-cased',
    'input-object-values-have-descriptions',
    'interface-fields-sorted-alphabetically',
    'relay-connection-arguments-spec',
    'relay-connection-types-spec',
    'relay-page-info-spec',
    'type-fields-sorted-alphabetically',
    'types-are-capitalized',
    'types-have-descriptions',
  ],
  // Rule name -> why it does not fit this API. Read only by test/schema-lint.test.ts; the linter ignores it.
  disabledRules: {},
};
