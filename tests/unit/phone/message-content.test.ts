/**
 * What a received MESSAGE body becomes (phone/message-content.ts, cpim.ts,
 * is-composing.ts): text in any charset TextDecoder knows, HTML as its text,
 * CPIM unwrapped, isComposing read, IMDN receipts dropped; hostile bodies refused with 415/400 or
 * made safe (controls replaced, bidi kept for the UI to isolate).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readMessageContent, htmlToText, safeText } from '../../../electron/phone/message-content.ts';
import { composingXml, readComposing } from '../../../electron/phone/is-composing.ts';
import { readCpim } from '../../../electron/phone/cpim.ts';

const bytes = (s: string, enc: BufferEncoding = 'utf8') => Buffer.from(s, enc);

test('text/plain: UTF-8 by default, other charsets decoded, line ends normalised, controls replaced', () => {
  assert.deepEqual(readMessageContent('text/plain', bytes('Olá 👋\r\nbye')), { kind: 'text', text: 'Olá 👋\nbye', contentType: 'text/plain' });
  assert.deepEqual(readMessageContent('text/plain; charset="ISO-8859-1"', bytes('Olá', 'latin1')), { kind: 'text', text: 'Olá', contentType: 'text/plain' });
  const c = readMessageContent('text/plain', bytes('a bell\u0007 an escape\u001b[2J and a C1\u0085 control\tend'));
  assert.deepEqual(c, { kind: 'text', text: 'a bell\ufffd an escape\ufffd[2J and a C1\ufffd control\tend', contentType: 'text/plain' });
  // Right-to-left text keeps its marks: clients isolate each message (dir=auto) instead.
  const rtl = readMessageContent('text/plain', bytes('\u202eevil.exe\u202c שלום'));
  assert.equal(rtl.kind === 'text' && rtl.text, '\u202eevil.exe\u202c שלום');
});

test('hostile bodies: invalid UTF-8, binary, unknown charset → 415; empty → 400', () => {
  const invalid = readMessageContent('text/plain', Buffer.from([0x48, 0xc3, 0x28, 0xff]));
  assert.deepEqual([invalid.kind, invalid.kind === 'refused' && invalid.status], ['refused', 415]);
  const binary = readMessageContent('text/plain', Buffer.from([0, 1, 2, 3, 4, 5, 0x41, 0x42, 0, 0]));
  assert.deepEqual([binary.kind, binary.kind === 'refused' && binary.status, binary.kind === 'refused' && binary.reason], ['refused', 415, 'Unsupported Media Type (binary content)']);
  const charset = readMessageContent('text/plain;charset=x-klingon', bytes('hi'));
  assert.deepEqual([charset.kind, charset.kind === 'refused' && charset.status], ['refused', 415]);
  const empty = readMessageContent('text/plain', bytes(' \r\n '));
  assert.deepEqual([empty.kind, empty.kind === 'refused' && empty.status], ['refused', 400]);
  const other = readMessageContent('application/octet-stream', bytes('x'));
  assert.deepEqual([other.kind, other.kind === 'refused' && other.status], ['refused', 415]);
  // Lone surrogates cannot come out of a valid decode, but safeText guards anyway.
  assert.equal(safeText('a\ud800b\udc00c\ufffe'), 'a\ufffdb\ufffdc\ufffd');
});

test('text/html is shown as its text, never as markup', () => {
  assert.equal(htmlToText('<p>Hi <b>there</b></p><script>alert(1)</script>a &lt;b&gt; &amp; &#x1F600; &#0; &bogus;<br/>x'), 'Hi there\na <b> & 😀 \ufffd &bogus;\nx');
  const c = readMessageContent('text/html', bytes('<img src=x onerror=alert(1)>hello'));
  assert.deepEqual(c, { kind: 'text', text: 'hello', contentType: 'text/html' });
});

test('message/cpim: the content is read by the same rules; malformed or nested → 400/415', () => {
  const cpim = 'From: Alice <im:alice@example.com>\r\nDateTime: 2026-12-06T21:00:00Z\r\n\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello from CPIM';
  assert.deepEqual(readMessageContent('message/cpim', bytes(cpim)), { kind: 'text', text: 'Hello from CPIM', contentType: 'message/cpim' });
  assert.equal(readCpim(bytes('no blank line'))?.contentType, undefined);
  const bad = readMessageContent('message/cpim', bytes('From: x\r\n'));
  assert.deepEqual([bad.kind, bad.kind === 'refused' && bad.status], ['refused', 400]);
  const nested = readMessageContent('message/cpim', bytes('From: x\n\nContent-Type: message/cpim\n\nFrom: y\n\nContent-Type: text/plain\n\nz'));
  assert.deepEqual([nested.kind, nested.kind === 'refused' && nested.status], ['refused', 415]);
  const composingInCpim = readMessageContent('message/cpim', bytes(`From: x\n\nContent-Type: application/im-iscomposing+xml\n\n${composingXml(true)}`));
  assert.deepEqual(composingInCpim, { kind: 'composing', state: { active: true, refreshS: 90 } });
});

test('an IMDN (RFC 5438) is taken and dropped, raw as liblinphone sends it or inside CPIM; one that is not an IMDN document → 400', () => {
  const imdn = '<?xml version="1.0" encoding="UTF-8"?><imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>Xy1</message-id><datetime>2026-12-07T00:41:38Z</datetime><delivery-notification><status><delivered/></status></delivery-notification></imdn>';
  assert.deepEqual(readMessageContent('message/imdn+xml', bytes(imdn)), { kind: 'receipt' });
  assert.deepEqual(readMessageContent('message/cpim', bytes(`From: x\n\nContent-Type: message/imdn+xml\n\n${imdn}`)), { kind: 'receipt' });
  const bad = readMessageContent('message/imdn+xml', bytes('hello'));
  assert.deepEqual([bad.kind, bad.kind === 'refused' && bad.status], ['refused', 400]);
});

test('isComposing: what we write reads back; a peer cannot keep us "typing" for long or in a tight loop', () => {
  assert.deepEqual(readComposing(composingXml(true)), { active: true, refreshS: 90 });
  assert.deepEqual(readComposing(composingXml(false)), { active: false, refreshS: 120 });
  const linphone = '<?xml version="1.0" encoding="UTF-8"?><isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"><state>active</state><refresh>99999</refresh></isComposing>';
  assert.deepEqual(readComposing(linphone), { active: true, refreshS: 3600 });
  assert.deepEqual(readComposing('<ic:isComposing xmlns:ic="urn:ietf:params:xml:ns:im-iscomposing"><ic:state>idle</ic:state><ic:refresh>1</ic:refresh></ic:isComposing>'), { active: false, refreshS: 5 });
  assert.equal(readComposing('<isComposing><state>sleeping</state></isComposing>'), undefined);
  assert.equal(readComposing(`<isComposing>${' '.repeat(5000)}<state>active</state></isComposing>`), undefined);
  const bad = readMessageContent('application/im-iscomposing+xml', bytes('<html/>'));
  assert.deepEqual([bad.kind, bad.kind === 'refused' && bad.status], ['refused', 400]);
});
