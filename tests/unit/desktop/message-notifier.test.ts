/**
 * The OS notification for a message (electron/desktop/message-notifier.ts)
 * against the fake Electron: only for received messages while the window is
 * in the background and DND is off; text cleaned of control and bidi
 * characters; a click opens its conversation; after a failure, none is tried.
 */
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { MessageSnapshot } from '../../../electron/api/contract.ts';
import { messageNotice } from '../../../electron/desktop/message-notice.ts';
import { nullLogger } from '../../../electron/common/logger.ts';
import { control, type FakeNotification } from './fake-electron.ts';

const msg = (over: Partial<MessageSnapshot> = {}): MessageSnapshot => ({
  id: '1', direction: 'in', peer: 'sip:bob@example.com', body: 'hello', contentType: 'text/plain', timestamp: 0, status: 'received', ...over,
});

test('the notice names the sender and carries the text without control or bidi characters', () => {
  assert.deepEqual(messageNotice(msg({ peerName: 'Bob\u202e B.', body: 'line one\nline\u0007 two \u2066x\u2069' })), { title: 'Message from Bob B.', body: 'line one line two x' });
  assert.deepEqual(messageNotice(msg({ body: 'x'.repeat(400) }))?.body.length, 160);
  assert.equal(messageNotice(msg({ direction: 'out', status: 'delivered' })), undefined);
  assert.equal(messageNotice(msg())?.title, 'Message from bob@example.com');
});

test('shown only in the background without DND; a click shows the window; a failure stops further tries', async () => {
  const fakeUrl = pathToFileURL(join(import.meta.dirname, 'fake-electron.ts')).href;
  register(`data:text/javascript,${encodeURIComponent(`export async function resolve(s, c, n) { return s === 'electron' ? { url: ${JSON.stringify(fakeUrl)}, shortCircuit: true } : n(s, c); }`)}`);
  const { createMessageNotifier } = await import('../../../electron/desktop/message-notifier.ts');
  const opened: string[] = [];
  const notifier = createMessageNotifier('/icon.png', (peer) => void opened.push(peer), nullLogger);
  const before = control.notifications.length;
  notifier.received(msg(), true, false);
  notifier.received(msg(), false, true);
  notifier.received(msg({ direction: 'out', status: 'sending' }), false, false);
  assert.equal(control.notifications.length, before, 'focused window, DND, our own message: no notification');
  notifier.received(msg(), false, false);
  assert.equal(control.notifications.length, before + 1);
  const n = control.notifications.at(-1) as FakeNotification;
  assert.equal(n.shown, true);
  n.emit('click');
  assert.deepEqual(opened, ['sip:bob@example.com'], 'a click opens that conversation');
  control.notificationsFail = true;
  notifier.received(msg({ id: '2' }), false, false);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  notifier.received(msg({ id: '3' }), false, false);
  assert.equal(control.notifications.length, before + 2, 'after a failure no further notification is tried');
  control.notificationsFail = false;
  notifier.closeAll();
});
