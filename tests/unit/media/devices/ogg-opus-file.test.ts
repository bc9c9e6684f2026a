/**
 * The Ogg Opus recording file: pages that check (CRC, sequence, BOS/EOS,
 * OpusHead/OpusTags), granules in 48 kHz samples whatever the input rate,
 * the decoded audio as long as what went in to the sample, aligned (the
 * pre-skip is the encoder's real delay), and the tones at their levels.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { OggOpusFile, OPUS_PRE_SKIP } from '../../../../electron/media/devices/ogg-opus-file.ts';
import { OGG_EOS, OggPageWriter, oggCrc } from '../../../../electron/media/devices/ogg-page-writer.ts';
import { channelOf, readOggOpus, readOggPages } from '../../../helpers/ogg-opus-reader.ts';
import { toneLevelDbfs } from '../../../helpers/audio-analysis.ts';

const dir = mkdtempSync(join(tmpdir(), 'ogg-opus-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function tone(hz: number, rate: number, from: number, n: number, amplitude = 8000): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * (from + i)) / rate));
  return out;
}

describe('Ogg pages (RFC 3533)', () => {
  test("the CRC is Ogg's (0x04C11DB7, not reflected): the known check value of '123456789'", () => {
    assert.equal(oggCrc(new TextEncoder().encode('123456789')), 0x89a1897f);
  });

  test('packets of 0, 254, 255 and 510 bytes lace as 0 | 254 | 255 0 | 255 255 0 and read back', () => {
    const w = new OggPageWriter(7);
    const packets = [0, 254, 255, 510].map((n) => new Uint8Array(n).fill(n % 251));
    packets.forEach((p, i) => w.add(p, BigInt(i)));
    const page = w.page(OGG_EOS);
    assert.deepEqual([...page.subarray(27, 27 + page[26]!)], [0, 254, 255, 0, 255, 255, 0]);
    const [read] = readOggPages(page);
    assert.deepEqual(read!.packets.map((p) => p.length), [0, 254, 255, 510]);
    assert.equal(read!.granule, 3n);
    assert.equal(read!.flags, OGG_EOS);
  });

  test('a page refuses the packet that would take it past 255 segments', () => {
    const w = new OggPageWriter(1);
    w.add(new Uint8Array(254 * 255), 0n);
    assert.equal(w.fits(new Uint8Array(255)), false);
    assert.throws(() => w.add(new Uint8Array(255), 1n), /full/);
    assert.throws(() => new OggPageWriter(1).add(new Uint8Array(255 * 255), 0n), /does not fit/);
  });
});

describe('Ogg Opus file (RFC 7845)', () => {
  for (const [rate, channels] of [[48000, 1], [16000, 2]] as const) {
    test(`${rate} Hz ${channels === 1 ? 'mono' : 'stereo'}: valid stream, exact length, aligned, tones at their level`, () => {
      const path = join(dir, `t-${rate}-${channels}.opus`);
      const f = new OggOpusFile(path, { sampleRate: rate, channels });
      // 2.5 s in frames of 20 ms, then an odd 7 ms tail; left 600 Hz, right 1000 Hz; a click at 1.000 s on the left.
      const total = Math.round(rate * 2.5) + Math.round(rate * 0.007);
      const frame = rate / 50;
      for (let at = 0; at < total; at += frame) {
        const n = Math.min(frame, total - at);
        const left = tone(600, rate, at, n);
        if (at <= rate && rate < at + n) left[rate - at] = 32000;
        const right = tone(1000, rate, at, n);
        if (channels === 1) f.write(left);
        else {
          const both = new Int16Array(n * 2);
          for (let i = 0; i < n; i++) [both[2 * i], both[2 * i + 1]] = [left[i]!, right[i]!];
          f.writeInterleaved(both);
        }
      }
      assert.equal(f.samplesWritten, total);
      f.close();
      f.close();
      const r = readOggOpus(path);
      assert.equal(r.ended, true, 'EOS on the last page');
      assert.equal(r.channels, channels);
      assert.equal(r.inputRate, rate);
      assert.equal(r.preSkip, OPUS_PRE_SKIP);
      assert.match(r.vendor, /Parley/);
      assert.ok(r.pages.slice(2, -1).every((p) => p.packets.length === 50), 'one second of packets per page');
      const out = r.samples.length / channels;
      assert.equal(out, Math.round((total * 48000) / rate), 'the end trimmed to the samples written, at 48 kHz');
      const left = channelOf(r.samples, channels, 0);
      // The click comes out where it went in (± a sample at 48 kHz): the pre-skip is the encoder's delay.
      let peak = 0;
      for (let i = 47000; i < 49000; i++) if (Math.abs(left[i]! - Math.round(8000 * Math.sin((2 * Math.PI * 600 * i) / 48000))) > Math.abs(left[peak]! - Math.round(8000 * Math.sin((2 * Math.PI * 600 * peak) / 48000)))) peak = i;
      assert.ok(Math.abs(peak - 48000) <= 3, `the click at sample ${peak}, written at 48000`);
      const body = left.subarray(4800, 4800 + 38400);
      const level = toneLevelDbfs(body, 48000, 600);
      assert.ok(Math.abs(level - 20 * Math.log10(8000 / 32768 / Math.SQRT2)) < 1, `600 Hz at ${level.toFixed(1)} dBFS`);
      if (channels === 2) {
        const right = channelOf(r.samples, 2, 1).subarray(4800, 4800 + 38400);
        assert.ok(toneLevelDbfs(right, 48000, 1000) > -17, 'right: 1000 Hz');
        assert.ok(toneLevelDbfs(right, 48000, 600) < -40, 'right: not the left channel');
        assert.ok(toneLevelDbfs(body, 48000, 1000) < -40, 'left: not the right channel');
      }
    });
  }

  test('a recording cut short (no close) still reads up to its last page', () => {
    const path = join(dir, 'cut.opus');
    const f = new OggOpusFile(path, { sampleRate: 48000 });
    for (let k = 0; k < 160; k++) f.write(tone(600, 48000, k * 960, 960));
    // Not closed: a crash. Three pages of a second each were cut; the fourth waits.
    const copy = join(dir, 'cut-copy.opus');
    writeFileSync(copy, readFileSync(path));
    f.close();
    const r = readOggOpus(copy);
    assert.equal(r.ended, false);
    assert.ok(r.samples.length >= 2.9 * 48000, `${r.samples.length} samples readable`);
  });

  test('an input rate libopus does not take is refused, and nothing is left open', () => {
    assert.throws(() => new OggOpusFile(join(dir, 'bad.opus'), { sampleRate: 44100 }), /44100/);
  });
});
