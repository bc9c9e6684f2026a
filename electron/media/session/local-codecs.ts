/**
 * Our codec list for SDP: the registry's codecs in the order the account
 * asks for, each under its RFC 3551 static payload type or a dynamic one
 * (96–127, RFC 3551 §3), plus telephone-event at 8000 Hz and — when Opus is
 * offered — at 48000 Hz, since RFC 4733 §2.1 wants the event clock to equal
 * the audio's.
 */
import type { CodecRegistry } from '../codecs/codec-registry.ts';
import type { Codec } from '../codecs/codec.ts';
import type { LocalCodec, LocalTelephoneEvent } from '../sdp/local-media.ts';
import { MediaSessionError } from './media-session-error.ts';

/** Dynamic payload types we give telephone-event, by clock rate (101 is what most phones use). */
const EVENT_PAYLOAD_TYPES: Readonly<Record<number, number>> = { 8000: 101, 48000: 100 };

export interface LocalCodecList {
  codecs: LocalCodec[];
  telephoneEvents: LocalTelephoneEvent[];
}

export function selectCodecs(registry: CodecRegistry, names?: readonly string[]): Codec[] {
  if (!names) return [...registry.list()];
  const out: Codec[] = [];
  for (const name of names) {
    const matches = registry.list().filter((c) => c.name.toLowerCase() === name.toLowerCase());
    if (matches.length === 0) throw new MediaSessionError('not-acceptable', `codec ${name} is not registered`);
    for (const c of matches) if (!out.includes(c)) out.push(c);
  }
  if (out.length === 0) throw new MediaSessionError('not-acceptable', 'no codec selected');
  return out;
}

export function buildLocalCodecs(codecs: readonly Codec[], telephoneEvent: boolean): LocalCodecList {
  const reserved = new Set(Object.values(EVENT_PAYLOAD_TYPES));
  const used = new Set<number>();
  let dynamic = 96;
  const local: LocalCodec[] = [];
  for (const c of codecs) {
    let pt = c.defaultPayloadType;
    if (pt === undefined || used.has(pt)) {
      while (used.has(dynamic) || reserved.has(dynamic)) dynamic++;
      if (dynamic > 127) throw new MediaSessionError('not-acceptable', 'too many codecs for the dynamic payload types');
      pt = dynamic;
    }
    used.add(pt);
    local.push({ name: c.name, clockRate: c.clockRate, channels: c.channels, payloadType: pt, ...(c.fmtp ? { fmtp: c.fmtp } : {}) });
  }
  const telephoneEvents: LocalTelephoneEvent[] = [];
  if (telephoneEvent) {
    telephoneEvents.push({ payloadType: EVENT_PAYLOAD_TYPES[8000]!, clockRate: 8000 });
    if (codecs.some((c) => c.clockRate === 48000)) telephoneEvents.push({ payloadType: EVENT_PAYLOAD_TYPES[48000]!, clockRate: 48000 });
  }
  return { codecs: local, telephoneEvents };
}
