import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CodecRegistry,
  createDefaultCodecRegistry,
  defaultCodecRegistry,
} from '../../../../electron/media/codecs/codec-registry.ts';
import { codecFrameSamples, rtpTicks, type Codec } from '../../../../electron/media/codecs/codec.ts';
import { pcmuCodec } from '../../../../electron/media/codecs/g711-codec.ts';

test('default registry holds opus, G722, PCMU, PCMA in preference order', () => {
  assert.deepEqual(
    defaultCodecRegistry.list().map((c) => c.name),
    ['opus', 'G722', 'PCMU', 'PCMA'],
  );
  assert.deepEqual(
    defaultCodecRegistry.list().map((c) => c.defaultPayloadType),
    [undefined, 9, 0, 8],
  );
});

test('lookup is case-insensitive and can be narrowed by clock rate', () => {
  const r = createDefaultCodecRegistry();
  assert.equal(r.get('pcmu'), pcmuCodec);
  assert.equal(r.get('OPUS', 48000)?.name, 'opus');
  assert.equal(r.get('g722', 8000)?.sampleRate, 16000);
  assert.equal(r.get('g722', 16000), undefined);
  assert.equal(r.get('GSM'), undefined);
});

test('register replaces a codec in place, appends new ones; unregister removes', () => {
  const r = createDefaultCodecRegistry();
  const fake: Codec = { ...pcmuCodec, name: 'L16', clockRate: 16000, sampleRate: 16000, defaultPayloadType: undefined };
  r.register(fake);
  assert.equal(r.list().at(-1), fake);
  const pcmu2: Codec = { ...pcmuCodec };
  r.register(pcmu2);
  assert.equal(r.list()[2], pcmu2);
  assert.equal(r.unregister('l16'), true);
  assert.equal(r.unregister('l16'), false);
  assert.equal(r.list().length, 4);
  // The default registry is not affected by changes to a fresh one.
  assert.equal(defaultCodecRegistry.get('pcmu'), pcmuCodec);
  assert.equal(new CodecRegistry().list().length, 0);
});

test('frame and RTP timestamp helpers', () => {
  const r = createDefaultCodecRegistry();
  assert.equal(codecFrameSamples(r.get('PCMU')!), 160);
  assert.equal(codecFrameSamples(r.get('G722')!), 320);
  assert.equal(codecFrameSamples(r.get('opus')!), 960);
  assert.equal(codecFrameSamples(r.get('opus')!, 10), 480);
  assert.equal(rtpTicks(r.get('G722')!, 320), 160);
  assert.equal(rtpTicks(r.get('opus')!, 960), 960);
  assert.equal(rtpTicks(r.get('PCMA')!, 160), 160);
});

test('every default codec round-trips a 20 ms frame through its own encoder and decoder', () => {
  for (const codec of defaultCodecRegistry.list()) {
    const n = codecFrameSamples(codec);
    const enc = codec.createEncoder();
    const dec = codec.createDecoder();
    const pcm = dec.decode(enc.encode(new Int16Array(n).map((_, i) => Math.round(5000 * Math.sin(i / 5)))));
    assert.equal(pcm.length, n, codec.name);
    assert.equal(dec.conceal(n).length, n, codec.name);
    enc.destroy();
    dec.destroy();
  }
});
