import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NUMBERING_PLAN, compareNumbers, isPhoneNumberLike, parsePhoneNumber, type NumberingPlan } from '../../../electron/phone/phone-number.ts';

const brazil: NumberingPlan = { countryCode: '55', trunkPrefix: '0', internationalPrefix: '00', minMatchDigits: 8 };
const nanp: NumberingPlan = { countryCode: '1', trunkPrefix: '1', internationalPrefix: '011', minMatchDigits: 8 };
const uk: NumberingPlan = { countryCode: '44', trunkPrefix: '0', internationalPrefix: '00', minMatchDigits: 8 };

test('isPhoneNumberLike', () => {
  for (const yes of ['100', '+554845678901', '(48) 4567-8901', '4567.8901', '+1 555 0100', '1234;phone-context=+1']) assert.ok(isPhoneNumberLike(yes), yes);
  for (const no of ['12', 'alice', '*97', '#31#', '1+2', '', '+', '1'.repeat(21), 'x100']) assert.ok(!isPhoneNumberLike(no), no);
});

test('parse: international, national with and without trunk prefix', () => {
  assert.deepEqual(parsePhoneNumber('+55 48 4567-8901', brazil), { digits: '554845678901', international: '554845678901', national: '4845678901' });
  assert.deepEqual(parsePhoneNumber('00554845678901', brazil), { digits: '00554845678901', international: '554845678901', national: '4845678901' });
  assert.deepEqual(parsePhoneNumber('(048) 4567-8901', brazil), { digits: '04845678901', international: null, national: '4845678901' });
  assert.deepEqual(parsePhoneNumber('4567-8901', brazil), { digits: '45678901', international: null, national: '45678901' });
  assert.deepEqual(parsePhoneNumber('+1 212 555 0100', brazil), { digits: '12125550100', international: '12125550100', national: null });
  assert.deepEqual(parsePhoneNumber('+44 (0)20 7946 0018', uk), { digits: '442079460018', international: '442079460018', national: '2079460018' });
  assert.deepEqual(parsePhoneNumber('011 44 20 7946 0018', nanp), { digits: '011442079460018', international: '442079460018', national: null });
  assert.equal(parsePhoneNumber('alice', brazil), undefined);
});

test('compare under a home plan: the examples of the rule', () => {
  const same = ['+554845678901', '+55 (48) 4567-8901', '00554845678901', '04845678901', '4845678901', '(48) 4567-8901'];
  for (const a of same) for (const b of same) assert.equal(compareNumbers(a, b, brazil), 'exact', `${a} vs ${b}`);
  assert.equal(compareNumbers('45678901', '+554845678901', brazil), 'suffix');
  assert.equal(compareNumbers('4567-8901', '048 4567 8901', brazil), 'suffix');
  assert.equal(compareNumbers('5678901', '+554845678901', brazil), null); // 7 digits: too few
  assert.equal(compareNumbers('+14845678901', '+554845678901', brazil), null); // other country
  assert.equal(compareNumbers('+554845678902', '+554845678901', brazil), null);
  assert.equal(compareNumbers('+554845678901', '+55484567890', brazil), null); // both international, not equal
  assert.equal(compareNumbers('4845678902', '4845678901', brazil), null);
});

test('foreign numbers: equal when the other was written without "+"; suffix only with an unknown home country', () => {
  assert.equal(compareNumbers('+1 212 555 0100', '12125550100', brazil), 'exact');
  assert.equal(compareNumbers('+1 212 555 0100', '2125550100', brazil), null);
  assert.equal(compareNumbers('+1 212 555 0100', '2125550100', DEFAULT_NUMBERING_PLAN), 'suffix');
  assert.equal(compareNumbers('+1 212 555 0100', '0011 2125550100', DEFAULT_NUMBERING_PLAN), null);
});

test('NANP: trunk prefix 1 and international prefix 011', () => {
  assert.equal(compareNumbers('+1 (212) 555-0100', '1-212-555-0100', nanp), 'exact');
  assert.equal(compareNumbers('+1 (212) 555-0100', '212 555 0100', nanp), 'exact');
  assert.equal(compareNumbers('+44 20 7946 0018', '011 44 20 7946 0018', nanp), 'exact');
  assert.equal(compareNumbers('555-0100', '+1 212 555 0100', nanp), null); // 7 digits
});

test('short numbers (extensions) only match exactly', () => {
  assert.equal(compareNumbers('100', '100', brazil), 'exact');
  assert.equal(compareNumbers('100', '2100', brazil), null);
  assert.equal(compareNumbers('2100', '12100', brazil), null);
});

test('minMatchDigits is honoured', () => {
  const loose = { ...brazil, minMatchDigits: 7 };
  assert.equal(compareNumbers('5678901', '+554845678901', loose), 'suffix');
  assert.equal(compareNumbers('5678901', '+554845678901', brazil), null);
});
