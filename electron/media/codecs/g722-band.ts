/**
 * One sub-band of ITU-T G.722 SB-ADPCM: the adaptive predictor and the
 * quantiser scale adaptation shared by encoder and decoder (G.722 §3.4–3.6,
 * §6.2 blocks 3L/3H and 4). The encoder embeds the same loop as the decoder,
 * driven by the same codeword, so both stay in lock-step.
 *
 * Arithmetic is the Recommendation's 16-bit fixed point: truncating
 * products (`(a*b) >> 15`), saturating additions. Names follow the block
 * diagrams: s = SL/SH (signal estimate), sz = SZ (zero-section estimate),
 * a1/a2 = AL1/AL2 (pole coefficients), b[] = BL1..BL6 (zero coefficients),
 * d[] = DLT delay line, r1/r2 = RLT1/RLT2, p1/p2 = PLT1/PLT2,
 * nb = NBL/NBH (log scale factor), det = DETL/DETH (scale factor).
 */

/** 16-bit saturation (the Recommendation's "limit to 16 bits"). */
export function sat16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** Table 15: ILB, the inverse log-base-2 (2^(x/32) scaled by 2048). */
const ILB = new Int16Array([
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834, 2896, 2960, 3025,
  3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
]);

export class G722Band {
  s = 0;
  sp = 0;
  sz = 0;
  a1 = 0;
  a2 = 0;
  r1 = 0;
  r2 = 0;
  p1 = 0;
  p2 = 0;
  readonly b = new Int32Array(7); // b[1..6]
  readonly d = new Int32Array(7); // d[1..6] (d[0] unused)
  nb = 0;
  det: number;

  /** `initialDet`: 32 for the lower band, 8 for the higher (G.722 §6.2.1 reset). */
  constructor(initialDet: number) {
    this.det = initialDet;
  }

  /**
   * Blocks 3L/3H LOGSCL+SCALEL (SCALEH): log scale factor leaks by 127/128
   * and steps by `w` (table WL/WH), clamped to [0, nbMax]; the linear scale
   * factor is 2^(nb/2048) read from ILB. `shift` is 8 (lower) or 10 (higher).
   */
  adaptScale(w: number, nbMax: number, shift: number): void {
    let nb = ((this.nb * 127) >> 7) + w;
    if (nb < 0) nb = 0;
    else if (nb > nbMax) nb = nbMax;
    this.nb = nb;
    const wd1 = (nb >> 6) & 31;
    const wd2 = shift - (nb >> 11);
    const wd3 = wd2 < 0 ? ILB[wd1]! << -wd2 : ILB[wd1]! >> wd2;
    this.det = wd3 << 2;
  }

  /**
   * Block 4: reconstruct with the quantised difference `dq`, update the pole
   * (UPPOL1/2) and zero (UPZERO) coefficients, shift the delay lines and form
   * the next estimate (FILTEP, FILTEZ, PREDIC).
   */
  update(dq: number): void {
    // RECONS, PARREC
    const r0 = sat16(this.s + dq);
    const p0 = sat16(this.sz + dq);

    // UPPOL2: signs of the partial reconstruction now and 1, 2 samples ago.
    const sg0 = p0 >> 15;
    const sg1 = this.p1 >> 15;
    const sg2 = this.p2 >> 15;
    const wd1 = sat16(this.a1 * 4);
    let wd2 = sg0 === sg1 ? -wd1 : wd1;
    // Negating -32768 must saturate (the ITU corpus exercises it).
    if (wd2 > 32767) wd2 = 32767;
    let ap2 = (wd2 >> 7) + (sg0 === sg2 ? 128 : -128) + ((this.a2 * 32512) >> 15);
    if (ap2 > 12288) ap2 = 12288;
    else if (ap2 < -12288) ap2 = -12288;

    // UPPOL1, its stability bound taken against the new a2.
    let ap1 = sat16((sg0 === sg1 ? 192 : -192) + ((this.a1 * 32640) >> 15));
    const lim = sat16(15360 - ap2);
    if (ap1 > lim) ap1 = lim;
    else if (ap1 < -lim) ap1 = -lim;

    // UPZERO then DELAYA for the zero section.
    const step = dq === 0 ? 0 : 128;
    const sgd = dq >> 15;
    const b = this.b;
    const d = this.d;
    for (let i = 1; i < 7; i++) {
      const w = (d[i]! >> 15) === sgd ? step : -step;
      b[i] = sat16(w + ((b[i]! * 32640) >> 15));
    }
    for (let i = 6; i > 1; i--) d[i] = d[i - 1]!;
    d[1] = dq;

    this.r2 = this.r1;
    this.r1 = r0;
    this.p2 = this.p1;
    this.p1 = p0;
    this.a1 = ap1;
    this.a2 = ap2;

    // FILTEP
    const sp1 = (ap1 * sat16(this.r1 + this.r1)) >> 15;
    const sp2 = (ap2 * sat16(this.r2 + this.r2)) >> 15;
    this.sp = sat16(sp1 + sp2);

    // FILTEZ
    let sz = 0;
    for (let i = 6; i > 0; i--) sz += (b[i]! * sat16(d[i]! + d[i]!)) >> 15;
    this.sz = sat16(sz);

    // PREDIC
    this.s = sat16(this.sp + this.sz);
  }
}
