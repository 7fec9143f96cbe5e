import { createAddressAllowance } from '../../../src/transport/http/address-allowance';

const RULE = { max: 3, windowMs: 10_000 };
const decision = (remaining: number, resetMs: number) => ({ allowed: remaining > 0, limit: RULE.max, remaining, resetMs, retryAfterMs: remaining > 0 ? 0 : resetMs });

/** The allowance on a clock the test moves. */
function allowanceAt(startMs = 1_000) {
  const clock = { ms: startMs };
  return { clock, allowance: createAddressAllowance({ now: () => clock.ms, maxEntries: 2 }) };
}

/** How many passes `key` gets before take() says no (at most 100). */
function passesLeft(allowance: ReturnType<typeof createAddressAllowance>, key: string): number {
  let passes = 0;
  while (passes < 100 && allowance.take(key, RULE)) passes += 1;
  return passes;
}

describe('address allowance: signed requests let through uncounted, per address and window', () => {
  test('an address this process has heard nothing of gets the rule\'s max, then none until its window ends', () => {
    const { clock, allowance } = allowanceAt();
    expect(passesLeft(allowance, 'ip:{a}')).toBe(3);
    clock.ms += 9_999;
    expect(allowance.take('ip:{a}', RULE)).toBe(false);
    clock.ms += 1;
    expect(passesLeft(allowance, 'ip:{a}')).toBe(3);
  });

  test('addresses do not share an allowance', () => {
    const { allowance } = allowanceAt();
    expect(passesLeft(allowance, 'ip:{a}')).toBe(3);
    expect(passesLeft(allowance, 'ip:{b}')).toBe(3);
  });

  test('a shared decision in the same window lowers what is left, never raises it (passes taken since may not be counted yet)', () => {
    const { allowance } = allowanceAt();
    expect(allowance.take('ip:{a}', RULE)).toBe(true);
    // Another process spent two of the address's three: one left.
    allowance.observe('ip:{a}', RULE, decision(1, 9_000));
    expect(passesLeft(allowance, 'ip:{a}')).toBe(1);
    // A decision counted before those passes landed says more is left: still none.
    allowance.observe('ip:{a}', RULE, decision(2, 8_990));
    expect(allowance.take('ip:{a}', RULE)).toBe(false);
  });

  test('a decision names when the window ends: the allowance comes back then, not a window after the first pass', () => {
    const { clock, allowance } = allowanceAt();
    allowance.observe('ip:{a}', RULE, decision(0, 2_000));
    expect(allowance.take('ip:{a}', RULE)).toBe(false);
    clock.ms += 2_000;
    expect(passesLeft(allowance, 'ip:{a}')).toBe(3);
  });

  test('a decision of a later window (its end at least half a window past the known one) replaces what was known', () => {
    const { clock, allowance } = allowanceAt();
    expect(passesLeft(allowance, 'ip:{a}')).toBe(3);
    // A decision of the same window (its end within half a window of the known one) only lowers what is left.
    clock.ms += 500;
    allowance.observe('ip:{a}', RULE, decision(2, 9_999));
    expect(passesLeft(allowance, 'ip:{a}')).toBe(0);
    allowance.observe('ip:{a}', RULE, decision(2, 10_000 + 9_400));
    expect(passesLeft(allowance, 'ip:{a}')).toBe(2);
  });

  test('a decision for an address not yet seen sets what is left', () => {
    const { allowance } = allowanceAt();
    allowance.observe('ip:{a}', RULE, decision(1, 5_000));
    expect(passesLeft(allowance, 'ip:{a}')).toBe(1);
  });

  test('bounded: past maxEntries the oldest address is forgotten (it gets a fresh window\'s allowance)', () => {
    const { allowance } = allowanceAt();
    expect(passesLeft(allowance, 'ip:{a}')).toBe(3);
    expect(passesLeft(allowance, 'ip:{b}')).toBe(3);
    expect(passesLeft(allowance, 'ip:{c}')).toBe(3);
    expect(passesLeft(allowance, 'ip:{b}')).toBe(0);
    expect(passesLeft(allowance, 'ip:{a}')).toBe(3);
  });
});
