/**
 * A validation rule bounding what graphql-js's OverlappingFieldsCanBeMergedRule has to compare,
 * checked on the whole document before any other rule walks a selection set. That rule compares
 * every pair of fields that share a response name at one place of the response (sibling fields,
 * inline fragments and spread fragments merged), and their sub-selections pair by pair: the work
 * grows with the square of the repeats. Within the token limit, `{ markets { __typename } … }`
 * ×490 kept it busy 0.25–0.55 s before graphql-js gave up ("Validation aborted"), and 120
 * fragments each spreading the next two 0.4 s. The limits below bound that work to a few
 * thousand comparisons, far more than any client document needs (see QUERY_LIMITS).
 */
import {
  GraphQLError, Kind, type ASTVisitor, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode,
  type ValidationContext, type ValidationRule,
} from 'graphql';

/** How much a document may ask graphql-js to compare. */
export interface SelectionLimits {
  /**
   * Fields with one response name at one place of the response: sibling fields with that name,
   * and those inline fragments and spread fragments bring there, nested places counted along
   * the merged path (`{ a { x } a { x } }` puts two fields at `a` and two at `a.x`).
   */
  readonly maxFieldsPerResponseName: number;
  /**
   * Fragment spreads at one place of the response, counting those that inline fragments and
   * other fragments spread there: graphql-js compares the fragments of one place pair by pair.
   */
  readonly maxFragmentSpreadsPerSelectionSet: number;
  /**
   * Selections (fields, fragment spreads, inline fragments) of the document with every fragment
   * counted again wherever it is spread: operations and fragment definitions each walked once.
   */
  readonly maxExpandedSelections: number;
}

/** Why a document is refused, or undefined when it is within the limits. */
export type SelectionLimitViolation =
  | { readonly kind: 'fragment-cycle'; readonly fragment: string }
  | { readonly kind: 'repeated-field'; readonly path: string; readonly limit: number }
  | { readonly kind: 'fragment-spreads'; readonly path: string; readonly limit: number }
  | { readonly kind: 'expanded-selections'; readonly limit: number };

/** The name of a fragment that spreads itself (directly or through others), if any. */
function fragmentInCycle(fragments: ReadonlyMap<string, FragmentDefinitionNode>): string | undefined {
  const state = new Map<string, 'open' | 'done'>();
  for (const start of fragments.keys()) {
    if (state.has(start)) continue;
    // Depth-first without recursion: a long chain of fragments must not exhaust the stack.
    const stack: Array<{ name: string; spreads: string[] }> = [{ name: start, spreads: spreadsOf(fragments.get(start)!.selectionSet) }];
    state.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const next = top.spreads.pop();
      if (next === undefined) {
        state.set(top.name, 'done');
        stack.pop();
        continue;
      }
      const fragment = fragments.get(next);
      if (!fragment) continue;
      if (state.get(next) === 'open') return next;
      if (state.has(next)) continue;
      state.set(next, 'open');
      stack.push({ name: next, spreads: spreadsOf(fragment.selectionSet) });
    }
  }
  return undefined;
}

/** Every fragment a selection set spreads, at any depth (as NoFragmentCyclesRule counts them). */
function spreadsOf(selectionSet: SelectionSetNode): string[] {
  const names: string[] = [];
  const pending = [selectionSet];
  for (let set = pending.pop(); set; set = pending.pop()) {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) names.push(selection.name.value);
      else if (selection.selectionSet) pending.push(selection.selectionSet);
    }
  }
  return names;
}

/**
 * Measures `document` against `limits`, stopping at the first limit crossed: the walk itself is
 * bounded by `maxExpandedSelections`, whatever the fragments multiply to.
 */
export function checkSelectionLimits(document: DocumentNode, limits: SelectionLimits): SelectionLimitViolation | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const cyclic = fragmentInCycle(fragments);
  if (cyclic !== undefined) return { kind: 'fragment-cycle', fragment: cyclic };

  let expanded = 0;
  // Each entry: the selection sets merged at one place of the response. The place's path is a
  // chain of names, written out only for the error: deep documents would copy it at every level.
  const places: Array<{ sets: SelectionSetNode[]; path: ResponsePath }> = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) places.push({ sets: [definition.selectionSet], path: undefined });
    else if (definition.kind === Kind.FRAGMENT_DEFINITION) places.push({ sets: [definition.selectionSet], path: { name: `...${definition.name.value}`, parent: undefined } });
  }
  // In document order, breadth first: the first limit crossed is reported where a reader looks first.
  for (let next = 0; next < places.length; next++) {
    const place = places[next];
    const byResponseName = new Map<string, { count: number; sets: SelectionSetNode[] }>();
    let spreads = 0;
    const pending = [...place.sets];
    for (let set = pending.pop(); set; set = pending.pop()) {
      for (const selection of set.selections) {
        if (++expanded > limits.maxExpandedSelections) return { kind: 'expanded-selections', limit: limits.maxExpandedSelections };
        if (selection.kind === Kind.FIELD) {
          const name = selection.alias?.value ?? selection.name.value;
          let merged = byResponseName.get(name);
          if (!merged) byResponseName.set(name, (merged = { count: 0, sets: [] }));
          if (++merged.count > limits.maxFieldsPerResponseName) {
            return { kind: 'repeated-field', path: written({ name, parent: place.path }), limit: limits.maxFieldsPerResponseName };
          }
          if (selection.selectionSet) merged.sets.push(selection.selectionSet);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          pending.push(selection.selectionSet);
        } else {
          if (++spreads > limits.maxFragmentSpreadsPerSelectionSet) {
            return { kind: 'fragment-spreads', path: written(place.path), limit: limits.maxFragmentSpreadsPerSelectionSet };
          }
          // Unknown fragments are KnownFragmentNamesRule's to report.
          const fragment = fragments.get(selection.name.value);
          if (fragment) pending.push(fragment.selectionSet);
        }
      }
    }
    for (const [name, merged] of byResponseName) {
      if (merged.sets.length > 0) places.push({ sets: merged.sets, path: { name, parent: place.path } });
    }
  }
  return undefined;
}

/** A place in the response, innermost name first. */
type ResponsePath = { readonly name: string; readonly parent: ResponsePath } | undefined;

/** `a.b.c` for a path. */
function written(path: ResponsePath): string {
  const names: string[] = [];
  for (let at = path; at; at = at.parent) names.push(at.name);
  return names.reverse().join('.');
}

/** What the client is told, naming the limit. */
function messageFor(violation: SelectionLimitViolation): string {
  switch (violation.kind) {
    case 'fragment-cycle':
      return `Cannot spread fragment "${violation.fragment}" within itself.`;
    case 'repeated-field':
      return `The document selects the same field many times at one place: "${violation.path}" more than ${violation.limit} times (sibling fields, inline fragments and spread fragments count together). Select each field once.`;
    case 'fragment-spreads':
      return `The document spreads more than ${violation.limit} fragments at one place${violation.path ? ` ("${violation.path}")` : ' (the operation root)'}, counting those spread by inline fragments and other fragments there; spread fewer fragments.`;
    case 'expanded-selections':
      return `The document has more than ${violation.limit} selections once each fragment is counted wherever it is spread; spread fewer fragments.`;
  }
}

/**
 * Creates the rule. It measures the document when validation enters it, before any selection set
 * is visited, and on a violation reports it and returns `null` from `Document`: graphql-js's
 * visitor then treats the document as deleted and visits nothing below it, so no other rule
 * (the overlap rule included) does any work, and the request is an ordinary validation failure
 * (400 GRAPHQL_VALIDATION_FAILED) with this one error. Throwing instead would escape `validate`
 * and Apollo would answer 500.
 */
export function selectionLimitsRule(limits: SelectionLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    Document(document: DocumentNode) {
      const violation = checkSelectionLimits(document, limits);
      if (violation === undefined) return undefined;
      context.reportError(new GraphQLError(messageFor(violation)));
      return null;
    },
  });
}
