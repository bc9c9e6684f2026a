/**
 * Our address moves mid-call (MediaSession.readdress): the next offer names
 * the new address and restarts ICE (RFC 8445 §9: new ufrag and pwd, the
 * candidates gathered again); the peer's session sees the new credentials in
 * the offer and restarts too; the checks run again and the audio goes on.
 * A later offer that does not restart gets an answer naming the selected
 * pair's local candidate as the default. A second move while the first
 * restart still gathers gets an offer with ICE. Two real sessions on
 * loopback with ICE (a STUN server that never answers in the last case).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { MediaEngine } from '../../../../electron/media/session/media-engine.ts';
import { RecordingSink, measureTone, negotiate, waitFor } from './session-fixture.ts';

let engine: MediaEngine;
before(async () => {
  engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
});
after(async () => {
  await engine.close();
});

const ufrag = (sdp: string) => /a=ice-ufrag:(\S+)/.exec(sdp)?.[1];

describe('ICE restart when our address moves', () => {
  it('readdress: the re-offer names the new address with new credentials, the peer restarts too, and audio goes on', async () => {
    const heardByA = new RecordingSink();
    const heardByB = new RecordingSink();
    const a = engine.createSession({ codecs: ['PCMU'], ice: {}, source: new ToneSource({ frequency: 600, levelDbfs: -10 }), sink: heardByA });
    const b = engine.createSession({ codecs: ['PCMU'], ice: {}, source: new ToneSource({ frequency: 1000, levelDbfs: -10 }), sink: heardByB });
    try {
      const first = await negotiate(a, b);
      a.start();
      b.start();
      await waitFor(() => a.route !== undefined && b.route !== undefined, 5000, 'ICE to select a pair');
      const agentA = a.ice?.agent;
      const agentB = b.ice?.agent;
      assert.ok(agentA && agentB);

      await a.readdress('127.0.0.3');
      assert.equal(a.advertisedAddress, '127.0.0.3');
      const offer = await a.createOffer();
      assert.notEqual(ufrag(offer), ufrag(first.offer), 'new ICE credentials in the re-offer');
      assert.match(offer, /a=candidate:\S+ 1 UDP \d+ 127\.0\.0\.3 \d+ typ srflx/, 'the new address as a candidate');
      const result = await b.answerOffer(offer);
      if ('reject' in result) assert.fail(result.reason);
      assert.notEqual(ufrag(result.answer), ufrag(first.answer), 'the peer restarted as well');
      await a.setAnswer(result.answer);
      assert.notEqual(a.ice?.agent, agentA, 'our checks run anew');
      assert.notEqual(b.ice?.agent, agentB, "the peer's checks run anew");
      await waitFor(() => a.ice?.agent?.selected !== undefined && b.ice?.agent?.selected !== undefined, 5000, 'ICE to select a pair again');

      const from = { a: heardByA.frames.length, b: heardByB.frames.length };
      await waitFor(() => heardByA.frames.length >= from.a + 50 && heardByB.frames.length >= from.b + 50, 5000, 'a second of audio after the restart');
      const tail = (s: RecordingSink, n: number) => {
        const all = s.samples();
        return all.subarray(all.length - n * 960);
      };
      assert.ok(Math.abs(measureTone(tail(heardByA, 50), 48000, 200).frequencyHz - 1000) <= 10, 'A hears B after the restart');
      assert.ok(Math.abs(measureTone(tail(heardByB, 50), 48000, 200).frequencyHz - 600) <= 10, 'B hears A after the restart');

      // A later offer that does not restart ICE: A's answer names the selected pair's local
      // candidate as its default (c=, m= port), not its server-reflexive 127.0.0.3.
      const selected = a.ice!.agent!.selected!;
      assert.equal(selected.local.type, 'host');
      const again = await b.createOffer();
      const second = await a.answerOffer(again);
      if ('reject' in second) assert.fail(second.reason);
      assert.equal(a.ice?.agent?.selected, selected, 'no restart: the same pair');
      assert.match(second.answer, new RegExp(`c=IN IP4 ${selected.local.address.replace(/\./g, '\\.')}\r?\n`), 'c= is the selected local candidate');
      assert.match(second.answer, new RegExp(`m=audio ${selected.local.port} `), 'm= port is the selected local candidate');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('a second move while the first restart still gathers: the restarts run in turn and the offer waits for them, with ICE', async () => {
    // A STUN server that never answers: each gathering lasts the gather timeout, as behind a slow network.
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const stun = { address: '127.0.0.1', port: silent.address().port };
    const a = engine.createSession({ codecs: ['PCMU'], ice: { stun, gatherTimeoutMs: 300 }, source: new ToneSource({ frequency: 600, levelDbfs: -10 }), sink: new RecordingSink() });
    const b = engine.createSession({ codecs: ['PCMU'], ice: {}, source: new ToneSource({ frequency: 1000, levelDbfs: -10 }), sink: new RecordingSink() });
    try {
      const first = await negotiate(a, b);
      a.start();
      b.start();
      await waitFor(() => a.route !== undefined && b.route !== undefined, 5000, 'ICE to select a pair');
      // Two registrations settle one after the other: the second readdress comes while the first gathers, and
      // its re-INVITE's offer is written at once. Before, that offer had no ICE (no transport while gathering).
      const moving = a.readdress('127.0.0.3');
      await a.readdress('127.0.0.3');
      const offer = await a.createOffer();
      await moving;
      assert.match(offer, /a=ice-ufrag:/, 'the offer carries ICE');
      assert.notEqual(ufrag(offer), ufrag(first.offer), 'new credentials');
      assert.match(offer, /a=candidate:\S+ 1 UDP \d+ 127\.0\.0\.3 \d+ typ srflx/, 'the new address as a candidate');
      const result = await b.answerOffer(offer);
      if ('reject' in result) assert.fail(result.reason);
      await a.setAnswer(result.answer);
      await waitFor(() => a.ice?.agent?.selected !== undefined && b.ice?.agent?.selected !== undefined, 5000, 'ICE to select a pair after the moves');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      silent.close();
    }
  });
});
