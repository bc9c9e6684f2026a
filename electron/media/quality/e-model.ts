/**
 * Listening-quality estimate from the ITU-T G.107 E-model.
 *
 *   R = Ro − Is − Id − Ie,eff + A
 *
 * With every parameter at its G.107 default, R = 93.2; only delay (Id) and
 * the codec with its losses (Ie,eff) change during a VoIP call, so
 *
 *   R = 93.2 − (Id(T) − Id(0)) − Ie,eff
 *
 * Id = Idte + Idle + Idd (G.107 §7.4) with default echo values (TELR 65 dB,
 * WEPL 110 dB) and T = Ta = one-way mouth-to-ear delay, Tr = 2T:
 *   Idd = 25{(1+X^6)^(1/6) − 3(1+(X/3)^6)^(1/6) + 2},  X = log2(Ta/100)  (Ta > 100 ms)
 * Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl/BurstR + Bpl)   (G.107 §7.5)
 * MOS from R per G.107 Annex B.
 *
 * Codec Ie/Bpl: G.711 with packet-loss concealment Ie 0, Bpl 25.1 (G.113
 * Appendix I). G.722 and Opus have no narrowband table entries; we rate them
 * like G.711 with PLC (Ie 0) and give Opus a Bpl of 20, below G.711's, an
 * estimate rather than an ITU figure. Narrowband R cannot show the benefit
 * of wideband, so G.722/Opus never score above G.711 here.
 */
export interface CodecImpairment {
  ie: number;
  bpl: number;
}

export const CODEC_IMPAIRMENTS: Readonly<Record<string, CodecImpairment>> = {
  pcmu: { ie: 0, bpl: 25.1 },
  pcma: { ie: 0, bpl: 25.1 },
  g722: { ie: 0, bpl: 25.1 },
  opus: { ie: 0, bpl: 20 },
};

/** Unknown codecs: G.711 without concealment (Bpl 4.3, G.113 Appendix I), the cautious choice. */
export const UNKNOWN_CODEC_IMPAIRMENT: CodecImpairment = { ie: 0, bpl: 4.3 };

export function codecImpairment(codecName: string): CodecImpairment {
  return CODEC_IMPAIRMENTS[codecName.toLowerCase()] ?? UNKNOWN_CODEC_IMPAIRMENT;
}

// G.107 default values used in Id.
const TELR = 65;
const WEPL = 110;
const NO = -61.18; // noise floor with defaults, dBm0p
const RLR = 2;
const SLR = 8;
const RO = 15 - 1.5 * (SLR + NO);

function idte(t: number): number {
  if (t <= 0) return 0;
  const roe = -1.5 * (NO - RLR);
  const terv = TELR - 40 * Math.log10((1 + t / 10) / (1 + t / 150)) + 6 * Math.exp(-0.3 * t * t);
  const re = 80 + 2.5 * (terv - 14);
  const value = ((roe - re) / 2 + Math.sqrt((roe - re) ** 2 / 4 + 100) - 1) * (1 - Math.exp(-t));
  return Math.max(0, value);
}

function idle(tr: number): number {
  const rle = 10.5 * (WEPL + 7) * (tr + 1) ** -0.25;
  return (RO - rle) / 2 + Math.sqrt((RO - rle) ** 2 / 4 + 169);
}

function idd(ta: number): number {
  if (ta <= 100) return 0;
  const x = Math.log10(ta / 100) / Math.log10(2);
  return 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2);
}

/** Delay impairment Id for a one-way delay in ms. */
export function delayImpairment(oneWayDelayMs: number): number {
  const t = Math.max(0, oneWayDelayMs);
  return idte(t) + idle(2 * t) + idd(t);
}

const ID_AT_ZERO = delayImpairment(0);

/** Effective equipment impairment for a loss percentage (0–100) and burst ratio (1 = random loss). */
export function effectiveEquipmentImpairment(impairment: CodecImpairment, lossPercent: number, burstRatio = 1): number {
  const ppl = Math.min(100, Math.max(0, lossPercent));
  const burst = Math.max(1, burstRatio);
  return impairment.ie + ((95 - impairment.ie) * ppl) / (ppl / burst + impairment.bpl);
}

export function rFactor(options: { oneWayDelayMs: number; lossPercent: number; codec: string; burstRatio?: number }): number {
  const id = delayImpairment(options.oneWayDelayMs) - ID_AT_ZERO;
  const ie = effectiveEquipmentImpairment(codecImpairment(options.codec), options.lossPercent, options.burstRatio);
  return 93.2 - id - ie;
}

/** G.107 Annex B: R → MOS-CQE (1 … 4.5). */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

export interface MosInputs {
  codec: string;
  /** Round-trip time from RTCP, ms; undefined → assume 0 network delay. */
  rttMs?: number;
  /** Jitter buffer playout delay, ms. */
  jitterBufferMs: number;
  /** Packetization (ptime), ms. */
  ptimeMs: number;
  /** Packet loss, percent (0–100), after the jitter buffer. */
  lossPercent: number;
  burstRatio?: number;
}

/** One-way mouth-to-ear delay: half the RTT, plus jitter buffer and packetization. */
export function oneWayDelayMs(inputs: Pick<MosInputs, 'rttMs' | 'jitterBufferMs' | 'ptimeMs'>): number {
  return (inputs.rttMs ?? 0) / 2 + inputs.jitterBufferMs + inputs.ptimeMs;
}

export function estimateMos(inputs: MosInputs): { r: number; mos: number; oneWayDelayMs: number } {
  const delay = oneWayDelayMs(inputs);
  const r = rFactor({ oneWayDelayMs: delay, lossPercent: inputs.lossPercent, codec: inputs.codec, burstRatio: inputs.burstRatio });
  return { r, mos: mosFromR(r), oneWayDelayMs: delay };
}
