import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeStatus, statusInWords } from '../../../../electron/sip/ua/status-reason.ts';

test('the codes the design names map to its words', () => {
  assert.equal(statusInWords(404), 'no such user');
  assert.equal(statusInWords(486), 'busy');
  assert.equal(statusInWords(480), 'not reachable now');
  assert.equal(statusInWords(403), 'not allowed');
  assert.equal(statusInWords(488), 'no common codec');
  assert.equal(statusInWords(408), 'no answer (the request timed out)');
  assert.equal(statusInWords(603), 'declined');
});

test('unknown codes fall back to their class (RFC 3261 §8.1.3.2)', () => {
  assert.equal(statusInWords(499), 'the request failed');
  assert.equal(statusInWords(599), 'the server failed');
  assert.equal(statusInWords(699), 'the call failed everywhere');
  assert.equal(statusInWords(42), 'unexpected answer 42');
  assert.equal(statusInWords(200), 'answered');
  assert.equal(statusInWords(204), 'succeeded');
  assert.equal(statusInWords(183), 'in progress');
});

test('describeStatus keeps the code and the server phrase for the expert', () => {
  assert.equal(describeStatus(486, 'Busy Here'), 'busy (486 "Busy Here")');
  assert.equal(describeStatus(404), 'no such user (404)');
});
