import { describe, expect, it } from 'vitest';
import { formatDuration, formatDurationWords, formatWhen, hashIndex, initials } from './format.ts';

describe('formatDuration (the call timer)', () => {
  it.each([
    [0, '0:00'],
    [999, '0:00'],
    [1000, '0:01'],
    [59_999, '0:59'],
    [60_000, '1:00'],
    [754_000, '12:34'],
    [3_599_000, '59:59'],
    [3_600_000, '1:00:00'],
    [3_723_000, '1:02:03'],
    [36_000_000 + 5_000, '10:00:05'],
    [-5000, '0:00'],
    [Number.NaN, '0:00'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatDurationWords', () => {
  it('says units in words, singular and plural', () => {
    expect(formatDurationWords(0)).toBe('0 seconds');
    expect(formatDurationWords(1000)).toBe('1 second');
    expect(formatDurationWords(61_000)).toBe('1 minute 1 second');
    expect(formatDurationWords(3_720_000)).toBe('1 hour 2 minutes');
  });
});

describe('formatWhen', () => {
  const now = new Date(2026, 10, 24, 15, 30).getTime();
  it('shows the time for today', () => {
    expect(formatWhen(new Date(2026, 10, 24, 9, 5).getTime(), now, 'en-GB')).toBe('09:05');
  });
  it('says Yesterday', () => {
    expect(formatWhen(new Date(2026, 10, 23, 22, 0).getTime(), now, 'en-GB')).toBe('Yesterday');
  });
  it('shows the weekday within the week', () => {
    expect(formatWhen(new Date(2026, 10, 20, 12, 0).getTime(), now, 'en-GB')).toBe('Fri');
  });
  it('shows the date when older, with the year only for other years', () => {
    expect(formatWhen(new Date(2026, 2, 3, 12, 0).getTime(), now, 'en-GB')).toBe('3 Mar');
    expect(formatWhen(new Date(2025, 2, 3, 12, 0).getTime(), now, 'en-GB')).toBe('3 Mar 2025');
  });
});

describe('initials', () => {
  it.each([
    ['Alice Martin', 'AM'],
    ['alice', 'A'],
    ['Jean-Luc Picard', 'JP'],
    ['sip:bob@example.com', 'B'],
    ['+55 48 4567-8901', ''],
    ['Émile Zola', 'ÉZ'],
    ['', ''],
  ])('%j → %j', (name, text) => {
    expect(initials(name)).toBe(text);
  });
});

describe('hashIndex', () => {
  it('is stable and within range', () => {
    expect(hashIndex('Alice', 8)).toBe(hashIndex('Alice', 8));
    for (const name of ['a', 'b', 'Carol', 'Dave Example']) expect(hashIndex(name, 8)).toBeLessThan(8);
  });
});
