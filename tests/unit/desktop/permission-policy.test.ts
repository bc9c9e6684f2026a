import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decidePermission, GRANTED_PERMISSIONS } from '../../../electron/desktop/permission-policy.ts';

const APP = 'app://parley';
const PAGE = 'app://parley/index.html';

test('the microphone is granted to our page, audio only', () => {
  assert.equal(decidePermission('media', PAGE, { mediaTypes: ['audio'], requestingUrl: PAGE, isMainFrame: true }), true);
  assert.equal(decidePermission('media', APP, { mediaType: 'audio', securityOrigin: APP, requestingUrl: PAGE, isMainFrame: true }), true);
});

test('the camera, or audio+video together, is refused', () => {
  assert.equal(decidePermission('media', PAGE, { mediaTypes: ['video'] }), false);
  assert.equal(decidePermission('media', PAGE, { mediaTypes: ['audio', 'video'] }), false);
  assert.equal(decidePermission('media', PAGE, { mediaTypes: [] }), false);
  assert.equal(decidePermission('media', APP, { mediaType: 'video' }), false);
  assert.equal(decidePermission('media', APP, { mediaType: 'unknown' }), false);
  assert.equal(decidePermission('media', APP, {}), false, 'a media check that names no kind is not the microphone');
});

test('speaker-selection, notifications and WebHID are granted to our page', () => {
  assert.equal(decidePermission('speaker-selection', PAGE, { requestingUrl: PAGE, isMainFrame: true }), true);
  assert.equal(decidePermission('notifications', APP, { securityOrigin: APP }), true);
  assert.equal(decidePermission('hid', APP, { securityOrigin: APP, isMainFrame: true }), true);
  assert.equal(decidePermission('hid', 'https://evil.example', { isMainFrame: true }), false);
  assert.deepEqual([...GRANTED_PERMISSIONS].sort(), ['hid', 'media', 'notifications', 'speaker-selection']);
});

test('every other permission is refused, even for our page', () => {
  for (const p of ['geolocation', 'clipboard-read', 'clipboard-sanitized-write', 'display-capture', 'serial', 'usb', 'midi', 'midiSysex', 'pointerLock', 'fullscreen', 'openExternal', 'idle-detection', 'window-management', 'unknown', '', 'MEDIA']) {
    assert.equal(decidePermission(p, PAGE, { mediaTypes: ['audio'] }), false, p);
  }
});

test('other origins are refused, including look-alikes and file://', () => {
  for (const origin of ['https://evil.example', 'app://parley.evil', 'app://evil', 'file:///work/index.html', 'file://', 'http://127.0.0.1:8080', 'app://parley@evil', 'null', '', 'not a url']) {
    assert.equal(decidePermission('media', origin, { mediaTypes: ['audio'] }), false, origin);
    assert.equal(decidePermission('notifications', origin), false, origin);
  }
});

test('a foreign requesting URL or security origin, or a subframe, is refused', () => {
  assert.equal(decidePermission('media', APP, { mediaType: 'audio', securityOrigin: 'https://ads.example' }), false);
  assert.equal(decidePermission('media', PAGE, { mediaTypes: ['audio'], requestingUrl: 'https://evil.example/x' }), false);
  assert.equal(decidePermission('notifications', PAGE, { isMainFrame: false }), false);
});

test('malformed input is refused, not thrown', () => {
  assert.equal(decidePermission(undefined as unknown as string, PAGE), false);
  assert.equal(decidePermission('media', undefined as unknown as string, { mediaTypes: ['audio'] }), false);
  assert.equal(decidePermission('media', 'x'.repeat(10_000), { mediaTypes: ['audio'] }), false);
});

test('another app origin can be configured (tests, future multi-window)', () => {
  assert.equal(decidePermission('notifications', 'app://other/x', {}, { appOrigin: 'app://other' }), true);
  assert.equal(decidePermission('notifications', PAGE, {}, { appOrigin: 'app://other' }), false);
});
