import { describe, expect, it } from 'vitest';
import { classifyDialInput, insertAtSelection, normalizeDialInput } from './dial-input.ts';

describe('normalizeDialInput (what a paste shows in the dial field)', () => {
  it.each([
    ['sip:alice@example.com', 'alice@example.com'],
    ['SIP:alice@example.com', 'alice@example.com'],
    ['  sip:alice@example.com  \n', 'alice@example.com'],
    ['sip:alice@example.com;transport=tcp', 'alice@example.com;transport=tcp'],
    ['sip:alice@example.com?subject=hi&priority=urgent', 'alice@example.com'],
    ['sip:%2B15550100@gw.example.com', '+15550100@gw.example.com'],
    ['sip:+1-555-0100@gw.example.com;user=phone', '+15550100@gw.example.com;user=phone'],
    ['sips:bob@secure.example.com', 'sips:bob@secure.example.com'],
    ['SIPS:bob@secure.example.com?x=y', 'sips:bob@secure.example.com'],
    ['tel:+1-201-555-0123', '+12015550123'],
    ['tel:+1-201-555-0123;ext=42;phone-context=example.com', '+12015550123'],
    ['tel:%2B55%2048%204567-8901', '+554845678901'],
    ['callto://+44 20 7946 0958', '+442079460958'],
    ['Alice Martin <sip:alice@example.com>', 'alice@example.com'],
    ['"Bob" <sips:bob@example.com;transport=tls>', 'sips:bob@example.com;transport=tls'],
    ['<tel:+55-48-4567-8901>', '+554845678901'],
    ['+55 (48) 4567-8901', '+554845678901'],
    ['+1.555.010.0100', '+15550100100'],
    ['0800 555 1234', '08005551234'],
    ['*72#', '*72#'],
    ['alice@example.com', 'alice@example.com'],
    ['Alice   Martin', 'Alice Martin'],
    ['\n\n  first line\nsecond line', 'first line'],
    ['', ''],
  ])('%j → %j', (pasted, shown) => {
    expect(normalizeDialInput(pasted)).toBe(shown);
  });

  it('keeps a malformed %-escape as it was instead of throwing', () => {
    expect(normalizeDialInput('sip:100%zz@example.com')).toBe('100%zz@example.com');
  });
});

describe('classifyDialInput', () => {
  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['+554845678901', 'number'],
    ['45678901', 'number'],
    ['2001', 'extension'],
    ['*72#', 'extension'],
    ['alice@example.com', 'address'],
    ['sip:alice', 'address'],
    ['sips:bob@example.com', 'secure-address'],
    ['alice', 'name'],
  ] as const)('%j is %s', (text, kind) => {
    expect(classifyDialInput(text)).toBe(kind);
  });
});

describe('insertAtSelection', () => {
  it('inserts at the caret', () => {
    expect(insertAtSelection('1234', 2, 2, 'x')).toEqual({ value: '12x34', caret: 3 });
  });
  it('replaces the selection', () => {
    expect(insertAtSelection('1234', 1, 3, '99')).toEqual({ value: '1994', caret: 3 });
  });
  it('clamps positions outside the text', () => {
    expect(insertAtSelection('12', 5, 9, '3')).toEqual({ value: '123', caret: 3 });
  });
});

describe('dial strings the engine would refuse (issue 15 §1.10)', () => {
  it('refuses angle brackets and spaces before Enter, with a hint', async () => {
    const { classifyDialInput, dialInputProblem } = await import('./dial-input.ts');
    expect(classifyDialInput('<script>')).toBe('invalid');
    expect(dialInputProblem('<script>')).toMatch(/Remove < >/);
    expect(classifyDialInput('foo bar')).toBe('invalid');
    expect(dialInputProblem('foo bar')).toMatch(/no spaces/);
    expect(classifyDialInput('12#45*')).toBe('extension');
    expect(classifyDialInput('+55 48 4567-8901')).toBe('number');
    expect(classifyDialInput('alice')).toBe('name');
    expect(classifyDialInput('alice@example.com')).toBe('address');
  });
});
