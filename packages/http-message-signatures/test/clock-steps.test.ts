/**
 * The wall clock is not monotonic: NTP steps it, a VM resumes with a wrong one, an operator sets
 * it. The verifier judges freshness on it (signatures carry wall-clock times), so a nonce must stay
 * claimed for as long as real time, not the wall clock alone, says its signature may be fresh; and
 * a claim made after a stall must not reach a nonce whose first claim may have lapsed.
 */
import { CLAIM_LANDING_MARGIN_MS, createMemoryNonceStore, createSignatureVerifier } from '../src';
import { nodeCrypto } from '../src/node';
import { defaultKeys, signedRequest, AUTHORITY, NOW_MS, NOW_S } from './helpers';

/** A wall clock that tests step, and a monotonic one that only real time moves. */
function clocks() {
  const state = { wall: NOW_MS, monotonic: 1_000 };
  return {
    state,
    /** Real time passes: both clocks move. */
    elapse(ms: number) {
      state.wall += ms;
      state.monotonic += ms;
    },
    /** The wall clock is set (stepped); no real time passes. */
    stepWallTo(ms: number) {
      state.wall = ms;
    },
  };
}

function verifierOn(state: { wall: number; monotonic: number }) {
  const keys = defaultKeys();
  const nonces = createMemoryNonceStore({ now: () => state.wall, monotonicNow: () => state.monotonic, completeSinceMs: 0 });
  const verify = createSignatureVerifier({
    crypto: nodeCrypto, authority: AUTHORITY, maxAgeSeconds: 30, now: () => state.wall, resolveKey: async (id) => keys.get(id) ?? null, nonces,
  });
  return { nonces, verify };
}

describe('memory nonce store under wall-clock steps', () => {
  test('a forward excursion of the wall clock, then a step back, does not let captured bytes run again', async () => {
    const { state, elapse, stepWallTo } = clocks();
    const { verify } = verifierOn(state);
    const captured = signedRequest({ created: NOW_S, nonce: 'captured-nonce-0001' });
    expect((await verify(captured)).status).toBe('verified');
    // The wall clock jumps 60 s ahead; a request meanwhile claims (and sweeps the store)...
    stepWallTo(NOW_MS + 60_000);
    elapse(100);
    expect((await verify(signedRequest({ created: NOW_S + 60, nonce: 'other-nonce-000001' }))).status).toBe('verified');
    // ...then it is set back to the truth, 10 s after the first run: the captured bytes are fresh again.
    stepWallTo(NOW_MS + 10_000);
    elapse(9_900);
    expect(await verify(captured)).toMatchObject({ status: 'rejected', reason: 'NONCE_REUSED' });
  });

  test('a step back does not shorten a claim either: the wall clock must pass its expiry too', async () => {
    const { state, elapse, stepWallTo } = clocks();
    const { verify } = verifierOn(state);
    const captured = signedRequest({ created: NOW_S, nonce: 'captured-nonce-0002' });
    expect((await verify(captured)).status).toBe('verified');
    elapse(40_000); // real time past the claim's 35 s...
    stepWallTo(NOW_MS + 20_000); // ...but the wall clock is set back into the signature's window
    expect(await verify(captured)).toMatchObject({ status: 'rejected', reason: 'NONCE_REUSED' });
  });

  test('an entry goes once both clocks are past it', async () => {
    const { state, elapse } = clocks();
    const { nonces } = verifierOn(state);
    await nonces.claim('k', 'n-0000000000000001', { ttlMs: 1_000, notBeforeMs: NOW_MS, createdMs: NOW_MS });
    expect(nonces.size()).toBe(1);
    state.wall += 5_000; // the wall clock alone
    expect(nonces.size()).toBe(1);
    state.monotonic += 5_000;
    expect(nonces.size()).toBe(0);
    elapse(1);
    expect((await nonces.claim('k', 'n-0000000000000001', { ttlMs: 1_000, notBeforeMs: NOW_MS, createdMs: NOW_MS })).status).toBe('claimed');
  });

  test('a store started on a clock that was behind, then stepped forward, is complete only since its start in real time (review)', async () => {
    const { state, elapse } = clocks();
    // This process starts with its clock an hour behind; the previous one ran on the right time and
    // admitted a request signed 10 s before this start (real time NOW_MS).
    state.wall = NOW_MS - 3_600_000;
    const store = createMemoryNonceStore({ now: () => state.wall, monotonicNow: () => state.monotonic });
    const usedBeforeStart = { ttlMs: 40_000, notBeforeMs: NOW_MS - 15_000, createdMs: NOW_MS - 10_000 };
    elapse(1_000);
    state.wall += 3_600_000; // NTP steps the clock to the right time
    expect(await store.claim('k', 'captured-nonce-0005', usedBeforeStart)).toEqual({ status: 'unproven', completeSinceMs: NOW_MS });
    // A signature made after the start (in real time) is claimed.
    expect((await store.claim('k', 'fresh-nonce-000001', { ttlMs: 40_000, notBeforeMs: NOW_MS + 500, createdMs: NOW_MS + 5_500 })).status).toBe('claimed');
  });

  test('a store whose clock is set back after its start still vouches for nothing before its start', async () => {
    const { state, elapse } = clocks();
    // The previous process ran on a clock an hour ahead, and clients signed on it (the SDK follows
    // the server's Date); this one starts on it too, and NTP then sets it back.
    const store = createMemoryNonceStore({ now: () => state.wall, monotonicNow: () => state.monotonic });
    elapse(1_000);
    state.wall -= 3_600_000;
    elapse(3_600_000); // the clock catches up with the instant the store started at
    const usedBeforeStart = { ttlMs: 40_000, notBeforeMs: NOW_MS - 6_000, createdMs: NOW_MS - 1_000 };
    expect(await store.claim('k', 'captured-nonce-0006', usedBeforeStart)).toEqual({ status: 'unproven', completeSinceMs: NOW_MS });
  });

  test('a signature made in the millisecond the store started is claimed: the wall clock reads whole milliseconds, the monotonic one fractions (CI flake)', async () => {
    // Real time runs in fractions; Date.now() truncates it, performance.now() does not. The store
    // starts at real NOW_MS + 0.9 (wall NOW_MS) and a signature is made in that millisecond.
    let real = NOW_MS + 0.9;
    const store = createMemoryNonceStore({ now: () => Math.floor(real), monotonicNow: () => real - NOW_MS });
    real = NOW_MS + 5; // 4.1 ms later, on both clocks: the start estimated from them is NOW_MS + 0.9
    expect(await store.claim('k', 'same-millisecond-01', { ttlMs: 40_000, notBeforeMs: NOW_MS, createdMs: NOW_MS })).toEqual({ status: 'claimed' });
    // A signature from the millisecond before the start still is not vouched for.
    expect(await store.claim('k', 'millisecond-before-1', { ttlMs: 40_000, notBeforeMs: NOW_MS - 1, createdMs: NOW_MS - 1 })).toEqual({ status: 'unproven', completeSinceMs: NOW_MS });
  });

  test('a floor is held on both clocks like a claim', async () => {
    const { state } = clocks();
    const { nonces } = verifierOn(state);
    await nonces.supersede('k', 'n-0000000000000002', { createdMs: NOW_MS, ttlMs: 1_000, floors: ['main'] });
    state.wall += 60_000;
    expect(await nonces.claim('k', 'n-0000000000000003', { ttlMs: 1_000, notBeforeMs: NOW_MS, createdMs: NOW_MS })).toEqual({ status: 'superseded', upToMs: NOW_MS });
    state.monotonic += 60_000;
    expect((await nonces.claim('k', 'n-0000000000000004', { ttlMs: 1_000, notBeforeMs: NOW_MS, createdMs: NOW_MS })).status).toBe('claimed');
  });
});

describe('the claiming verifier after a stall', () => {
  test('a request whose check ended while it was fresh but whose claim comes after its nonce could have lapsed is SIGNATURE_EXPIRED', async () => {
    const { state } = clocks();
    const keys = defaultKeys();
    const nonces = createMemoryNonceStore({ now: () => state.wall, completeSinceMs: 0 });
    const captured = signedRequest({ created: NOW_S, nonce: 'captured-nonce-0003' });
    // The first run claims the nonce until created + 30 s + 5 s.
    const readings: number[] = [];
    const verify = createSignatureVerifier({
      crypto: nodeCrypto, authority: AUTHORITY, maxAgeSeconds: 30, resolveKey: async (id) => keys.get(id) ?? null, nonces,
      // The replay's check reads the clock twice (on arrival, after the key lookup) at the last
      // fresh millisecond; the process then stalls 6 s before the claim's reading.
      now: () => {
        const reading = state.wall;
        readings.push(reading);
        if (readings.length === 5) state.wall = NOW_MS + 36_000;
        return reading;
      },
    });
    expect((await verify(captured)).status).toBe('verified'); // readings 1-3
    state.wall = NOW_MS + 30_000;
    expect(await verify(captured)).toMatchObject({ status: 'rejected', reason: 'SIGNATURE_EXPIRED' });
    expect(readings).toEqual([NOW_MS, NOW_MS, NOW_MS, NOW_MS + 30_000, NOW_MS + 30_000, NOW_MS + 36_000]);
  });

  test('a claim checked just before its deadline that lands in the store up to the landing margin later still finds the first claim held', async () => {
    const state = { wall: NOW_MS };
    const keys = defaultKeys();
    const store = createMemoryNonceStore({ now: () => state.wall, completeSinceMs: 0 });
    let landingMs = 0;
    // A store a round trip away: the claim takes effect `landingMs` after it was sent.
    const nonces = { claim: async (...args: Parameters<typeof store.claim>) => { state.wall += landingMs; return store.claim(...args); } };
    let stallBeforeClaim = 0;
    let readings = 0;
    const verify = createSignatureVerifier({
      crypto: nodeCrypto, authority: AUTHORITY, maxAgeSeconds: 30, resolveKey: async (id) => keys.get(id) ?? null, nonces,
      now: () => {
        readings += 1;
        // The replay's third reading is the deadline check: by then the process has stalled to 1 ms before the deadline.
        if (readings === 6) state.wall += stallBeforeClaim;
        return state.wall;
      },
    });
    const captured = signedRequest({ created: NOW_S, nonce: 'captured-nonce-0004' });
    expect((await verify(captured)).status).toBe('verified'); // its claim lands at once: held until created + 40 s
    state.wall = NOW_MS + 30_000; // the replay, checked at its last fresh millisecond
    stallBeforeClaim = 4_999; // its deadline check at created + 35 s - 1 ms passes...
    landingMs = CLAIM_LANDING_MARGIN_MS - 1; // ...and its claim lands just within the margin later
    expect(await verify(captured)).toMatchObject({ status: 'rejected', reason: 'NONCE_REUSED' });
    expect(state.wall).toBe(NOW_MS + 35_000 - 1 + CLAIM_LANDING_MARGIN_MS - 1);
  });
});
