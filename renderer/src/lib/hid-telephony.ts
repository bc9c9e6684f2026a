/**
 * A telephony headset's buttons and lamps over WebHID (usage page 0x0B),
 * where the browser has `navigator.hid`: the buttons become the same intents
 * as the on-screen ones, and the lamps follow the calls.
 *
 *   buttons in (hid-reports.ts reads them)        intent, with these calls
 *   Hook Switch 0→1 (off hook)  ────────────────▶ answer the ringing call
 *   Hook Switch 1→0 (on hook)   ────────────────▶ hang up the call in progress (or decline the ringing one)
 *   Phone Mute pressed          ────────────────▶ mute / unmute the call in progress
 *   Flash pressed               ────────────────▶ answer a waiting call (the phone holds the other), else hold / resume
 *   Hold pressed                ────────────────▶ hold / resume
 *   Drop pressed                ────────────────▶ hang up (or decline)
 *   Line Busy Tone pressed      ────────────────▶ decline the ringing call (a headset's "reject")
 *   Redial pressed              ────────────────▶ call the last number dialled (when no call is up or ringing)
 *
 *   calls ─▶ lamps out: Off-Hook (a call of ours is up), Ring and Ringer (a call rings),
 *                       Mute (the call in progress is muted), Hold (a call is held)
 *
 * "Pressed" is the rising edge (0 → 1): a mute button reports 1 while held
 * down. The hook switch is a state; the host's Off-Hook lamp tells the
 * headset which state the phone is in (headsets switch their audio by it), so
 * the lamps are sent whenever the calls change them, and not otherwise.
 *
 * Not tried with a real headset: the layout comes from the descriptor the
 * device reports, and the tests drive a fake HIDDevice with descriptors laid
 * out as HID Usage Tables 1.4 describes.
 */
import type { CallSnapshot } from '../api/types.ts';
import { readTelephonyInput, telephonyLayout, telephonyOutputReports, USAGE, type HidCollectionLike, type TelephonyLayout } from './hid-reports.ts';

export interface HidDeviceLike {
  readonly productName: string;
  readonly vendorId: number;
  readonly productId: number;
  readonly opened: boolean;
  readonly collections: readonly HidCollectionLike[];
  open(): Promise<void>;
  close(): Promise<void>;
  sendReport(reportId: number, data: BufferSource): Promise<void>;
  addEventListener(type: 'inputreport', listener: (event: { reportId: number; data: DataView }) => void): void;
  removeEventListener(type: 'inputreport', listener: (event: { reportId: number; data: DataView }) => void): void;
  forget?(): Promise<void>;
}

export type HidIntent =
  | { kind: 'answer' | 'decline' | 'hangup' | 'hold' | 'resume'; callId: string }
  | { kind: 'mute'; callId: string; muted: boolean }
  | { kind: 'redial' };

/** The call in progress (the focused one first), the ringing one, the held one. */
function roles(calls: readonly CallSnapshot[], focusedId: string | undefined) {
  const ringing = calls.find((c) => c.direction === 'in' && c.state === 'incoming');
  const up = calls.filter((c) => c.state !== 'ended' && c.state !== 'incoming' && c.state !== 'ending');
  const talking = up.find((c) => c.id === focusedId && c.state !== 'held') ?? up.find((c) => c.state === 'active') ?? up.find((c) => c.state !== 'held');
  const held = up.find((c) => c.state === 'held');
  return { ringing, talking, held };
}

/** What the change from `before` to `after` (usage → 0/1) asks for, with these calls. */
export function hidIntents(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>, calls: readonly CallSnapshot[], focusedId?: string): HidIntent[] {
  const { ringing, talking, held } = roles(calls, focusedId);
  const rose = (u: number) => after.get(u) === 1 && (before.get(u) ?? 0) === 0;
  const fell = (u: number) => after.get(u) === 0 && before.get(u) === 1;
  const out: HidIntent[] = [];
  const current = talking ?? held;
  if (rose(USAGE.hookSwitch) && ringing) out.push({ kind: 'answer', callId: ringing.id });
  if (fell(USAGE.hookSwitch)) {
    if (current) out.push({ kind: 'hangup', callId: current.id });
    else if (ringing) out.push({ kind: 'decline', callId: ringing.id });
  }
  if (rose(USAGE.phoneMute) && talking) out.push({ kind: 'mute', callId: talking.id, muted: !talking.muted });
  if (rose(USAGE.flash)) {
    if (ringing && current) out.push({ kind: 'answer', callId: ringing.id });
    else if (talking) out.push({ kind: 'hold', callId: talking.id });
    else if (held) out.push({ kind: 'resume', callId: held.id });
  }
  if (rose(USAGE.hold)) {
    if (talking) out.push({ kind: 'hold', callId: talking.id });
    else if (held) out.push({ kind: 'resume', callId: held.id });
  }
  if (rose(USAGE.drop)) {
    if (current) out.push({ kind: 'hangup', callId: current.id });
    else if (ringing) out.push({ kind: 'decline', callId: ringing.id });
  }
  if (rose(USAGE.lineBusyTone) && ringing && !out.some((i) => 'callId' in i && i.callId === ringing.id)) out.push({ kind: 'decline', callId: ringing.id });
  if (rose(USAGE.redial) && !current && !ringing) out.push({ kind: 'redial' });
  return out;
}

/** The lamps for these calls: usage → on. */
export function hidLamps(calls: readonly CallSnapshot[], focusedId?: string): Map<number, boolean> {
  const { ringing, talking, held } = roles(calls, focusedId);
  const offHook = talking !== undefined || held !== undefined;
  return new Map([
    [USAGE.ledOffHook, offHook],
    [USAGE.ledRing, ringing !== undefined],
    [USAGE.ringer, ringing !== undefined],
    [USAGE.ledMute, talking?.muted === true],
    [USAGE.ledHold, held !== undefined && talking === undefined],
  ]);
}

/** One paired headset: its reports in, intents out; lamps out when the calls change them. */
export class HidTelephony {
  readonly device: HidDeviceLike;
  readonly layout: TelephonyLayout;
  #last = new Map<number, number>();
  #lamps = '';
  #calls: readonly CallSnapshot[] = [];
  #focusedId: string | undefined;
  readonly #onIntent: (intent: HidIntent) => void;
  readonly #onError: (message: string) => void;
  readonly #listener = (event: { reportId: number; data: DataView }) => this.#input(event.reportId, event.data);

  /** Throws when the device has no telephony buttons or lamps (telephonyLayout). */
  constructor(device: HidDeviceLike, onIntent: (intent: HidIntent) => void, onError: (message: string) => void) {
    const layout = telephonyLayout(device.collections);
    if (!layout) throw new Error(`${device.productName || 'This device'} has no telephony buttons or lamps`);
    this.device = device;
    this.layout = layout;
    this.#onIntent = onIntent;
    this.#onError = onError;
  }

  async start(): Promise<void> {
    if (!this.device.opened) await this.device.open();
    this.device.addEventListener('inputreport', this.#listener);
    this.#lamps = '';
    await this.update(this.#calls, this.#focusedId);
  }

  async stop(): Promise<void> {
    this.device.removeEventListener('inputreport', this.#listener);
    if (this.device.opened) await this.device.close().catch(() => undefined);
  }

  /** The calls changed: remember them for the buttons, and send the lamps if they changed. */
  async update(calls: readonly CallSnapshot[], focusedId?: string): Promise<void> {
    this.#calls = calls;
    this.#focusedId = focusedId;
    if (!this.device.opened) return;
    const lamps = hidLamps(calls, focusedId);
    const key = [...lamps].map(([u, on]) => `${u}:${on ? 1 : 0}`).join(',');
    if (key === this.#lamps) return;
    this.#lamps = key;
    for (const report of telephonyOutputReports(this.layout, lamps)) {
      try {
        await this.device.sendReport(report.reportId, report.data);
      } catch (e) {
        this.#lamps = '';
        this.#onError(`The headset’s lamps could not be set: ${(e as Error).message}`);
      }
    }
  }

  #input(reportId: number, data: DataView): void {
    const values = readTelephonyInput(this.layout, reportId, data);
    if (values.size === 0) return;
    const before = this.#last;
    this.#last = new Map([...before, ...values]);
    for (const intent of hidIntents(before, this.#last, this.#calls, this.#focusedId)) this.#onIntent(intent);
  }
}

/** The on-screen actions an intent uses (PhoneActions). */
export interface HidCallControls {
  answer(callId: string): void;
  decline(callId: string): void;
  hangup(callId: string): void;
  setMute(callId: string, muted: boolean): void;
  setHold(callId: string, hold: boolean): void;
  /** Dial the last outgoing call's address again, as the one presented then. */
  redial(): void;
}

export function runHidIntent(intent: HidIntent, controls: HidCallControls): void {
  switch (intent.kind) {
    case 'answer':
      return controls.answer(intent.callId);
    case 'decline':
      return controls.decline(intent.callId);
    case 'hangup':
      return controls.hangup(intent.callId);
    case 'mute':
      return controls.setMute(intent.callId, intent.muted);
    case 'hold':
    case 'resume':
      return controls.setHold(intent.callId, intent.kind === 'hold');
    case 'redial':
      return controls.redial();
  }
}
