/**
 * The call-quality indicator: an estimated MOS (RFC 3550 RTCP figures, E-model
 * estimate from the engine) mapped to four bars. Thresholds follow ITU-T G.107
 * Annex B's user-satisfaction bands (R 80/70/60 ≈ MOS 4.0/3.6/3.1).
 */
import type { MediaStats } from '../api/types.ts';

export type QualityLevel = 'excellent' | 'good' | 'fair' | 'poor';

export interface Quality {
  level: QualityLevel;
  bars: 1 | 2 | 3 | 4;
  mos: number;
  /** "Good quality: MOS 3.8, 1.2 % loss, 14 ms jitter". */
  label: string;
}

/** Without an engine MOS: a rough one from loss and jitter, enough to choose bars. */
function estimateMos(stats: MediaStats): number {
  return Math.max(1, Math.min(4.5, 4.4 - stats.lossPercent * 0.15 - Math.max(0, stats.jitterMs - 20) * 0.02));
}

export function qualityOf(stats: MediaStats): Quality {
  const mos = stats.mos ?? estimateMos(stats);
  const [level, bars]: [QualityLevel, Quality['bars']] = mos >= 4 ? ['excellent', 4] : mos >= 3.6 ? ['good', 3] : mos >= 3.1 ? ['fair', 2] : ['poor', 1];
  const name = level.charAt(0).toUpperCase() + level.slice(1);
  const rtt = stats.rttMs !== undefined ? `, ${Math.round(stats.rttMs)} ms round trip` : '';
  return { level, bars, mos, label: `${name} quality: MOS ${mos.toFixed(1)}, ${stats.lossPercent.toFixed(1)} % loss, ${Math.round(stats.jitterMs)} ms jitter${rtt}` };
}
