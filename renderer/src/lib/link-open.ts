/**
 * The `link.open` event: a sip:/sips:/tel:/callto: link opened from outside
 * (the desktop shell's protocol handler). Checked here because it comes from
 * another process: only a string target and a known action are taken.
 */
import type { LinkAction } from '../api/types.ts';
import { normalizeDialInput } from './dial-input.ts';

export interface LinkRequest {
  /** What the dial field shows (normalised like a paste). */
  target: string;
  action: LinkAction;
}

export function linkRequest(event: unknown): LinkRequest | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as { event?: unknown; data?: { target?: unknown; action?: unknown } };
  if (e.event !== 'link.open' || typeof e.data?.target !== 'string') return undefined;
  const target = normalizeDialInput(e.data.target.slice(0, 512));
  if (target === '') return undefined;
  return { target, action: e.data.action === 'dial' ? 'dial' : 'fill' };
}
