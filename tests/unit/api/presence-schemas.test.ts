import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COMMAND_NAMES } from '../../../electron/api/commands.ts';
import { EVENT_NAMES } from '../../../electron/api/events.ts';
import { PRESENCE_COMMAND_NAMES, PRESENCE_EVENT_NAMES } from '../../../electron/api/presence-contract.ts';
import { COMMAND_SCHEMAS } from '../../../electron/api/schemas.ts';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => assert.equal(schema.safeParse(value).success, true, `should accept ${JSON.stringify(value)}`);
const bad = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => assert.equal(schema.safeParse(value).success, false, `should refuse ${JSON.stringify(value)}`);

describe('presence, watch and voicemail commands', () => {
  test('are part of the one command and event tables', () => {
    for (const n of PRESENCE_COMMAND_NAMES) assert.ok((COMMAND_NAMES as readonly string[]).includes(n), n);
    for (const n of PRESENCE_EVENT_NAMES) assert.ok((EVENT_NAMES as readonly string[]).includes(n), n);
  });

  test('presence.set takes a known status and a bounded, visible note', () => {
    const s = COMMAND_SCHEMAS['presence.set'];
    for (const status of ['available', 'away', 'busy', 'dnd', 'offline']) ok(s, { status });
    ok(s, { status: 'away', note: 'back at 3' });
    ok(s, { status: 'away', note: null });
    bad(s, { status: 'invisible' });
    bad(s, { status: 'away', note: 'x'.repeat(201) });
    bad(s, { status: 'away', note: 'evil \u202e txet' });
    bad(s, { status: 'away', note: 'bell\u0007' });
    bad(s, { status: 'away', extra: 1 });
  });

  test('watch.add needs a target and something to watch', () => {
    const s = COMMAND_SCHEMAS['watch.add'];
    ok(s, { target: '201' });
    ok(s, { target: 'sip:bob@example.com', line: false });
    bad(s, { target: 'sip:bob@example.com', line: false, presence: false });
    bad(s, { target: '' });
    bad(s, { target: 'bob\u200b@example.com' });
  });

  test('watchers.decide and mwi.dial', () => {
    ok(COMMAND_SCHEMAS['watchers.decide'], { accountId: 'a1', watcher: 'sip:eve@example.com', decision: 'block' });
    bad(COMMAND_SCHEMAS['watchers.decide'], { accountId: 'a1', watcher: 'sip:eve@example.com', decision: 'maybe' });
    bad(COMMAND_SCHEMAS['watchers.decide'], { accountId: 'a1', watcher: '<sip:eve@example.com>', decision: 'allow' });
    ok(COMMAND_SCHEMAS['mwi.dial'], { accountId: 'a1' });
    bad(COMMAND_SCHEMAS['mwi.dial'], {});
  });

  test('account fields: voicemail and pickup code', () => {
    const s = COMMAND_SCHEMAS['accounts.update'];
    ok(s, { id: 'a1', changes: { voicemail: '*97', pickupCode: '*8' } });
    ok(s, { id: 'a1', changes: { voicemail: null, pickupCode: null } });
    bad(s, { id: 'a1', changes: { pickupCode: '*8a' } });
    bad(s, { id: 'a1', changes: { voicemail: '*97\u0000' } });
  });
});
