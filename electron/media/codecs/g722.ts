/**
 * ITU-T G.722 at 64 kbit/s (mode 1): 16 kHz PCM is split by a 24-tap
 * quadrature mirror filter into two 8 kHz sub-bands; the lower band is
 * coded with 6-bit ADPCM, the higher with 2-bit ADPCM; each octet carries
 * IH (2 bits, high) and IL (6 bits, low), one octet per two PCM samples.
 *
 * Written from the Recommendation's block description (§3, §6.2). PCM is
 * ordinary full-scale 16-bit: per §5.2 Note 2 the QMFs are rescaled for it
 * (analysis `>> 14`, synthesis `>> 11`), the convention under which the
 * ITU-T G.191 test corpus is reproduced bit-exactly (as FFmpeg does); other
 * scalings change the bitstream and the level a peer hears by 6 dB.
 */
import { G722Band, sat16 } from './g722-band.ts';

/** Table 11: QMF coefficients h0..h11 (h23..h12 mirror them), ×2^13. */
const QMF = new Int32Array([3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11]);

/** Table 13: lower-band decision levels Q6, compared against the scaled |EL|. */
const Q6 = new Int32Array([
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219, 1339,
  1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
]);
/** Codewords for negative (ILN) and positive (ILP) differences per interval. */
const ILN = new Int32Array([
  0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0,
]);
const ILP = new Int32Array([
  0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33,
  32, 0,
]);
/** Table 14: 4-bit inverse quantiser QM4 (predictor update uses IL >> 2). */
const QM4 = new Int32Array([
  0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
]);
/** Table 16: 6-bit inverse quantiser QM6 for the decoder's output. */
const QM6 = new Int32Array([
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
  -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728, 24808,
  21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008,
  3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
]);
/** Table 17: log scale factor steps WL, indexed through RIL4 = RL42[IL >> 2]. */
const WL = new Int32Array([-60, -30, 58, 172, 334, 538, 1198, 3042]);
const RL42 = new Int32Array([0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0]);
/** Higher band: QM2 inverse quantiser, WH steps, RH2 magnitudes, IHN/IHP codes. */
const QM2 = new Int32Array([-7408, -1616, 7408, 1616]);
const WH = new Int32Array([0, -214, 798]);
const RH2 = new Int32Array([2, 1, 2, 1]);
const IHN = new Int32Array([0, 1, 0]);
const IHP = new Int32Array([0, 3, 2]);

const LOW_NB_MAX = 18432;
const HIGH_NB_MAX = 22528;

/** 24-sample QMF delay line kept in a larger buffer to avoid shifting each step. */
class QmfLine {
  readonly #x = new Int32Array(1024);
  #pos = 22; // the next pair goes to [pos, pos+1]; the window is [pos-22, pos+2)

  /** Adds two samples; returns [Σ x(2i+1)·h(11−i), Σ x(2i)·h(i)] over the window. */
  push(a: number, b: number, out: Int32Array): void {
    const x = this.#x;
    if (this.#pos + 2 > x.length) {
      x.copyWithin(0, this.#pos - 22, this.#pos);
      this.#pos = 22;
    }
    x[this.#pos] = a;
    x[this.#pos + 1] = b;
    this.#pos += 2;
    const base = this.#pos - 24;
    let even = 0;
    let odd = 0;
    for (let i = 0; i < 12; i++) {
      odd += x[base + 2 * i]! * QMF[i]!;
      even += x[base + 2 * i + 1]! * QMF[11 - i]!;
    }
    out[0] = even;
    out[1] = odd;
  }
}

/** G.722 64 kbit/s encoder for one stream. */
export class G722Encoder {
  readonly #low = new G722Band(32);
  readonly #high = new G722Band(8);
  readonly #qmf = new QmfLine();
  readonly #acc = new Int32Array(2);

  /** Encodes an even number of 16 kHz samples (an odd last sample is repeated). */
  encode(pcm: Int16Array): Uint8Array {
    const out = new Uint8Array((pcm.length + 1) >> 1);
    const low = this.#low;
    const high = this.#high;
    const acc = this.#acc;
    for (let j = 0, k = 0; j < pcm.length; j += 2, k++) {
      const s0 = pcm[j]!;
      const s1 = j + 1 < pcm.length ? pcm[j + 1]! : s0;
      this.#qmf.push(s0, s1, acc);
      const xlow = sat16((acc[0]! + acc[1]!) >> 14);
      const xhigh = sat16((acc[0]! - acc[1]!) >> 14);

      // Block 1L SUBTRA + QUANTL: find the interval of |EL| among Q6·DETL.
      const el = sat16(xlow - low.s);
      const wd = el >= 0 ? el : -(el + 1);
      let i = 1;
      for (; i < 30; i++) if (wd < (Q6[i]! * low.det) >> 12) break;
      const il = el < 0 ? ILN[i]! : ILP[i]!;

      // Block 2L INVQAL, 3L LOGSCL/SCALEL, 4L.
      const il4 = il >> 2;
      const dlow = (low.det * QM4[il4]!) >> 15;
      low.adaptScale(WL[RL42[il4]!]!, LOW_NB_MAX, 8);
      low.update(dlow);

      // Block 1H SUBTRA + QUANTH (two levels per sign).
      const eh = sat16(xhigh - high.s);
      const wdh = eh >= 0 ? eh : -(eh + 1);
      const mih = wdh >= (564 * high.det) >> 12 ? 2 : 1;
      const ih = eh < 0 ? IHN[mih]! : IHP[mih]!;

      // Block 2H INVQAH, 3H LOGSCH/SCALEH, 4H.
      const dhigh = (high.det * QM2[ih]!) >> 15;
      high.adaptScale(WH[RH2[ih]!]!, HIGH_NB_MAX, 10);
      high.update(dhigh);

      out[k] = (ih << 6) | il;
    }
    return out;
  }
}

/** G.722 64 kbit/s decoder for one stream. */
export class G722Decoder {
  readonly #low = new G722Band(32);
  readonly #high = new G722Band(8);
  readonly #qmf = new QmfLine();
  readonly #acc = new Int32Array(2);

  /** Decodes octets into twice as many 16 kHz samples. */
  decode(data: Uint8Array): Int16Array {
    const out = new Int16Array(data.length * 2);
    const low = this.#low;
    const high = this.#high;
    const acc = this.#acc;
    for (let j = 0; j < data.length; j++) {
      const code = data[j]!;
      const il = code & 0x3f;
      const ih = code >> 6;

      // Block 5L INVQBL + 6L LIMIT: the output uses all six bits.
      let rlow = low.s + ((low.det * QM6[il]!) >> 15);
      rlow = rlow > 16383 ? 16383 : rlow < -16384 ? -16384 : rlow;

      // The predictor update uses only the top four bits (as the encoder).
      const il4 = il >> 2;
      const dlow = (low.det * QM4[il4]!) >> 15;
      low.adaptScale(WL[RL42[il4]!]!, LOW_NB_MAX, 8);
      low.update(dlow);

      // Blocks 2H INVQAH, 5H RECONS, 6H LIMIT, 3H, 4H.
      const dhigh = (high.det * QM2[ih]!) >> 15;
      let rhigh = dhigh + high.s;
      rhigh = rhigh > 16383 ? 16383 : rhigh < -16384 ? -16384 : rhigh;
      high.adaptScale(WH[RH2[ih]!]!, HIGH_NB_MAX, 10);
      high.update(dhigh);

      // Receive QMF.
      this.#qmf.push(rlow + rhigh, rlow - rhigh, acc);
      out[2 * j] = sat16(acc[0]! >> 11);
      out[2 * j + 1] = sat16(acc[1]! >> 11);
    }
    return out;
  }
}
