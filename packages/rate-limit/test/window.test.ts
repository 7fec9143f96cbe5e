import { MAX_WINDOW_MS, parseWindow } from '../src';

describe('parseWindow', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['2 minutes', 120_000],
    ['1d', 86_400_000],
    ['24h', MAX_WINDOW_MS],
    ['1ms', 1],
  ])('reads %j as %d ms', (window, expected) => {
    expect(parseWindow(window)).toBe(expected);
  });

  it('reads a bare number as milliseconds, as ms and graphql-rate-limit do', () => {
    expect(parseWindow('1000')).toBe(1_000);
  });

  it.each(['', '   ', 'soon', '10 parsecs', '1e3', 's'])('rejects %j as not a duration', (window) => {
    expect(() => parseWindow(window)).toThrow(/Invalid rate-limit window .*expected a duration/);
  });

  it.each(['0', '0s', '-1s', '-500ms'])('rejects %j as not longer than zero', (window) => {
    expect(() => parseWindow(window)).toThrow(/longer than zero/);
  });

  it.each(['25h', '2d', '1w', '24.5h'])('rejects %j as longer than 24h', (window) => {
    expect(() => parseWindow(window)).toThrow(/longer than 24h/);
  });

  it('rejects a fraction of a millisecond rather than rounding the policy', () => {
    expect(() => parseWindow('1.5ms')).toThrow(/whole number of milliseconds/);
  });

  it('names the bad value in the error', () => {
    expect(() => parseWindow('10 parsecs')).toThrow('"10 parsecs"');
  });

  it('rejects a value that is not a string', () => {
    expect(() => parseWindow(60 as unknown as string)).toThrow(/Invalid rate-limit window/);
  });
});
