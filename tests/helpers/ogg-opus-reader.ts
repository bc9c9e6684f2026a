/**
 * Reads an Ogg Opus file back for the tests, strictly: every page's
 * capture pattern, version and CRC checked, one logical stream with BOS on
 * its first page and EOS on its last, OpusHead and OpusTags as RFC 7845
 * §5 lays them out, then the packets decoded with libopus (opus-native.ts)
 * at 48 kHz, the pre-skip dropped and the end trimmed to the last granule.
 * A file without its EOS page (a recording cut short) reads up to its last
 * complete page.
 */
import { readFileSync } from 'node:fs';
import { OpusNative } from '../../electron/media/codecs/opus-native.ts';
import { oggCrc } from '../../electron/media/devices/ogg-page-writer.ts';

export interface OggPage {
  flags: number;
  granule: bigint;
  serial: number;
  sequence: number;
  packets: Uint8Array[];
  /** The last segment of the page continues on the next one. */
  continued: boolean;
}

export interface OggOpusContents {
  channels: number;
  preSkip: number;
  inputRate: number;
  vendor: string;
  pages: OggPage[];
  /** Decoded at 48 kHz, interleaved when stereo, pre-skip and end trim applied. */
  samples: Int16Array;
  /** The stream ended with an EOS page. */
  ended: boolean;
}

export function readOggPages(bytes: Uint8Array): OggPage[] {
  const pages: OggPage[] = [];
  let at = 0;
  let carry: Uint8Array[] = [];
  while (at + 27 <= bytes.length) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + at);
    if (String.fromCharCode(...bytes.subarray(at, at + 4)) !== 'OggS') throw new Error(`no capture pattern at byte ${at}`);
    if (bytes[at + 4] !== 0) throw new Error(`page version ${bytes[at + 4]}`);
    const n = bytes[at + 26]!;
    const table = bytes.subarray(at + 27, at + 27 + n);
    const size = 27 + n + table.reduce((s, v) => s + v, 0);
    if (at + size > bytes.length) break; // cut short: the last page is incomplete
    const page = bytes.slice(at, at + size);
    const crc = view.getUint32(22, true);
    page.fill(0, 22, 26);
    if (oggCrc(page) !== crc) throw new Error(`bad CRC on the page at byte ${at}`);
    const packets: Uint8Array[] = [];
    let data = at + 27 + n;
    let current: number[] = [];
    for (const lace of table) {
      current.push(...bytes.subarray(data, data + lace));
      data += lace;
      if (lace < 255) {
        const joined = carry.length ? new Uint8Array([...carry.flatMap((c) => [...c]), ...current]) : new Uint8Array(current);
        packets.push(joined);
        carry = [];
        current = [];
      }
    }
    const continued = current.length > 0 || (n > 0 && table[n - 1] === 255);
    if (continued) carry.push(new Uint8Array(current));
    pages.push({ flags: bytes[at + 5]!, granule: view.getBigInt64(6, true), serial: view.getUint32(14, true), sequence: view.getUint32(18, true), packets, continued });
    at += size;
  }
  return pages;
}

export function readOggOpus(path: string): OggOpusContents {
  const pages = readOggPages(new Uint8Array(readFileSync(path)));
  if (pages.length < 2) throw new Error('fewer than two pages');
  pages.forEach((p, i) => {
    if (p.sequence !== i) throw new Error(`page ${i} has sequence ${p.sequence}`);
    if (p.serial !== pages[0]!.serial) throw new Error('more than one logical stream');
  });
  if (pages[0]!.flags !== 0x02 || pages[0]!.packets.length !== 1) throw new Error('the first page is not a BOS page with one packet');
  const head = pages[0]!.packets[0]!;
  const hv = new DataView(head.buffer, head.byteOffset);
  if (String.fromCharCode(...head.subarray(0, 8)) !== 'OpusHead' || head[8] !== 1 || head.length !== 19 || head[18] !== 0) throw new Error('not an OpusHead (version 1, mapping family 0)');
  const channels = head[9]!;
  const preSkip = hv.getUint16(10, true);
  const inputRate = hv.getUint32(12, true);
  const tags = pages[1]!.packets[0]!;
  if (String.fromCharCode(...tags.subarray(0, 8)) !== 'OpusTags' || pages[1]!.granule !== 0n) throw new Error('the second page is not OpusTags at granule 0');
  const tv = new DataView(tags.buffer, tags.byteOffset);
  const vendor = new TextDecoder().decode(tags.subarray(12, 12 + tv.getUint32(8, true)));
  const last = pages.at(-1)!;
  const ended = (last.flags & 0x04) !== 0;
  const opus = new OpusNative(undefined, 48000, channels === 2 ? 2 : 1);
  try {
    const parts: Int16Array[] = [];
    let decoded = 0;
    for (const page of pages.slice(2)) for (const packet of page.packets) {
      const pcm = opus.decode(packet);
      parts.push(pcm);
      decoded += pcm.length / channels;
    }
    const endGranule = Number(pages.length > 2 ? last.granule : BigInt(preSkip));
    const keep = Math.max(0, Math.min(decoded, endGranule) - preSkip);
    const all = new Int16Array(decoded * channels);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return { channels, preSkip, inputRate, vendor, pages, samples: all.slice(preSkip * channels, (preSkip + keep) * channels), ended };
  } finally {
    opus.destroy();
  }
}

/** One channel of interleaved samples. */
export function channelOf(samples: Int16Array, channels: number, channel: number): Int16Array {
  if (channels === 1) return samples;
  const out = new Int16Array(samples.length / channels);
  for (let i = 0; i < out.length; i++) out[i] = samples[i * channels + channel]!;
  return out;
}
