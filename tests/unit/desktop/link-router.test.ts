import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiResult, LinkAction } from '../../../electron/api/contract.ts';
import type { LinkOpenEvent } from '../../../electron/desktop/ipc-channels.ts';
import { LinkRouter } from '../../../electron/desktop/link-router.ts';

function setup(action: LinkAction | (() => Promise<LinkAction>), dialResult: ApiResult<unknown> = { ok: true, result: {} }) {
  const dialled: string[] = [];
  const sent: LinkOpenEvent[] = [];
  let shown = 0;
  const router = new LinkRouter({
    linkAction: typeof action === 'function' ? action : async () => action,
    dial: async (target) => {
      dialled.push(target);
      return dialResult;
    },
    send: (e) => void sent.push(e),
    showWindow: () => void shown++,
  });
  return { router, dialled, sent, shown: () => shown };
}

const link = (target: string) => ({ scheme: 'sip' as const, target });

test("'fill' sends the target to the dial field once the renderer is ready", async () => {
  const s = setup('fill');
  await s.router.open(link('sip:alice@example.com'));
  assert.equal(s.shown(), 1, 'the user clicked: the window comes up');
  assert.deepEqual(s.sent, [], 'nothing is sent before the page listens');
  assert.deepEqual(s.router.pending, link('sip:alice@example.com'));
  await s.router.rendererReady();
  assert.deepEqual(s.sent, [{ event: 'link.open', data: { target: 'sip:alice@example.com', action: 'fill' } }]);
  assert.equal(s.router.pending, undefined);
  assert.deepEqual(s.dialled, []);
});

test("'dial' places the call; only the last of several early links is kept", async () => {
  const s = setup('dial');
  await s.router.open(link('sip:first@example.com'));
  await s.router.open(link('sip:second@example.com'));
  await s.router.rendererReady();
  assert.deepEqual(s.dialled, ['sip:second@example.com']);
  assert.deepEqual(s.sent, []);
  await s.router.open(link('sip:third@example.com'));
  assert.deepEqual(s.dialled, ['sip:second@example.com', 'sip:third@example.com'], 'once ready, links go straight through');
});

test('a dial that fails at once fills the dial field instead', async () => {
  const s = setup('dial', { ok: false, code: 'unavailable', message: 'no account' });
  await s.router.rendererReady();
  await s.router.open(link('sip:alice@example.com'));
  assert.deepEqual(s.dialled, ['sip:alice@example.com']);
  assert.deepEqual(s.sent.map((e) => e.data.target), ['sip:alice@example.com']);
});

test('an unreadable setting falls back to fill; a reload holds links again', async () => {
  const s = setup(async () => {
    throw new Error('store closed');
  });
  await s.router.rendererReady();
  await s.router.open(link('sip:a@example.com'));
  assert.equal(s.sent.length, 1);
  s.router.rendererGone();
  await s.router.open(link('sip:b@example.com'));
  assert.equal(s.sent.length, 1);
  await s.router.rendererReady();
  assert.equal(s.sent.length, 2);
});
