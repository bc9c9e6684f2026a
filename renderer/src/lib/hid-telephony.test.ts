import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { CallSnapshot } from '../api/types.ts';
import HeadsetPairing from '../components/HeadsetPairing.svelte';
import { harness } from '../test-support/app-harness.ts';
import { call } from '../test-support/fixtures.ts';
import { HidHeadset, type HidLike } from './hid-headset.svelte.ts';
import { readTelephonyInput, telephonyLayout, telephonyOutputReports, USAGE, type HidCollectionLike } from './hid-reports.ts';
import { HidTelephony, hidIntents, runHidIntent, type HidDeviceLike, type HidIntent } from './hid-telephony.ts';

const tick = () => new Promise((r) => setTimeout(r, 0));
const bit = (usages: number[], count = usages.length, more: object = {}) => ({ usages, reportSize: 1, reportCount: count, logicalMinimum: 0, logicalMaximum: 1, isAbsolute: true, ...more });
const pad = (bits: number) => ({ isConstant: true, reportSize: 1, reportCount: bits });

/**
 * A headset laid out as many USB headsets are (one telephony collection, report 2 both ways): Hook Switch and
 * Line Busy Tone absolute, Phone Mute relative, Flash, padding; lamps Off-Hook, Mute, Ring, Hold in report 2,
 * the Ringer alone in report 3.
 */
const HEADSET_A: HidCollectionLike[] = [
  { usagePage: 0x0c, usage: 0x01, inputReports: [{ reportId: 1, items: [bit([0x0c00e9, 0x0c00ea]), pad(6)] }] }, // consumer controls: not ours
  {
    usagePage: 0x0b,
    usage: 0x05,
    inputReports: [{ reportId: 2, items: [bit([USAGE.hookSwitch, USAGE.lineBusyTone]), bit([USAGE.phoneMute], 1, { isAbsolute: false }), bit([USAGE.flash]), pad(4)] }],
    outputReports: [
      { reportId: 2, items: [bit([USAGE.ledOffHook, USAGE.ledMute, USAGE.ledRing, USAGE.ledHold]), pad(4)] },
      { reportId: 3, items: [bit([USAGE.ringer]), pad(7)] },
    ],
  },
];

/**
 * Another maker's: the buttons in report 5 behind a byte of vendor data, Drop and Hold as an Array item
 * (a 4-bit index, 0 = nothing), the hook switch in a nested collection sharing report 5, the lamps in
 * report 9 after a volume byte, Mute first.
 */
const HEADSET_B: HidCollectionLike[] = [
  {
    usagePage: 0x0b,
    usage: 0x01,
    inputReports: [{ reportId: 5, items: [{ usages: [0xff000001], reportSize: 8, reportCount: 1 }, { usages: [USAGE.drop, USAGE.hold, USAGE.redial], isArray: true, reportSize: 4, reportCount: 1, logicalMinimum: 1, logicalMaximum: 3 }, pad(4)] }],
    outputReports: [{ reportId: 9, items: [{ usages: [0x0b0066], reportSize: 8, reportCount: 1, logicalMinimum: 0, logicalMaximum: 255 }, bit([USAGE.ledMute, USAGE.ledOffHook, USAGE.ledRing]), pad(5)] }],
    children: [{ usagePage: 0x0b, usage: 0x20, inputReports: [{ reportId: 5, items: [bit([USAGE.hookSwitch, USAGE.phoneMute]), pad(6)] }] }],
  },
];

class FakeHidDevice implements HidDeviceLike {
  opened = false;
  readonly sent: { reportId: number; bytes: number[] }[] = [];
  readonly listeners = new Set<(e: { reportId: number; data: DataView }) => void>();
  forgotten = false;
  readonly collections: HidCollectionLike[];
  readonly productName: string;
  readonly vendorId = 0x1234;
  readonly productId = 0x5678;
  constructor(collections: HidCollectionLike[], productName = 'Fake Headset') {
    this.collections = collections;
    this.productName = productName;
  }
  async open() {
    this.opened = true;
  }
  async close() {
    this.opened = false;
  }
  async sendReport(reportId: number, data: BufferSource) {
    if (!this.opened) throw new Error('device not open');
    this.sent.push({ reportId, bytes: [...new Uint8Array(data as ArrayBuffer)] });
  }
  addEventListener(_t: 'inputreport', l: (e: { reportId: number; data: DataView }) => void) {
    this.listeners.add(l);
  }
  removeEventListener(_t: 'inputreport', l: (e: { reportId: number; data: DataView }) => void) {
    this.listeners.delete(l);
  }
  async forget() {
    this.forgotten = true;
  }
  /** The headset sends an input report (bytes without the report ID, as WebHID gives them). */
  press(reportId: number, bytes: number[]) {
    const data = new DataView(new Uint8Array(bytes).buffer);
    for (const l of this.listeners) l({ reportId, data });
  }
}

const ringing = (id = 'r') => call({ id, direction: 'in', state: 'incoming' });
const talking = (id = 't', over: Partial<CallSnapshot> = {}) => call({ id, state: 'active', ...over });

describe('the report descriptor (HIDDevice.collections)', () => {
  it('finds the telephony buttons and lamps, wherever a maker put them', () => {
    const a = telephonyLayout(HEADSET_A)!;
    expect(a.inputs.map((f) => [f.reportId, f.bitOffset, f.usage])).toEqual([
      [2, 0, USAGE.hookSwitch],
      [2, 1, USAGE.lineBusyTone],
      [2, 2, USAGE.phoneMute],
      [2, 3, USAGE.flash],
    ]);
    expect(a.outputs.map((f) => [f.reportId, f.bitOffset, f.usage])).toEqual([
      [2, 0, USAGE.ledOffHook],
      [2, 1, USAGE.ledMute],
      [2, 2, USAGE.ledRing],
      [2, 3, USAGE.ledHold],
      [3, 0, USAGE.ringer],
    ]);
    const b = telephonyLayout(HEADSET_B)!;
    expect(b.inputs.map((f) => [f.reportId, f.bitOffset, f.usage, f.isArray])).toEqual([
      [5, 8, USAGE.drop, true],
      [5, 16, USAGE.hookSwitch, false],
      [5, 17, USAGE.phoneMute, false],
    ]);
    expect(b.outputBytes).toEqual(new Map([[9, 2]]));
    expect(telephonyLayout([{ usagePage: 0x01, usage: 0x06, inputReports: [{ reportId: 0, items: [bit([0x070004], 1)] }] }])).toBeUndefined();
  });

  it('reads buttons from input reports and writes lamps into output reports', () => {
    const a = telephonyLayout(HEADSET_A)!;
    const input = (id: number, bytes: number[]) => Object.fromEntries([...readTelephonyInput(a, id, new DataView(new Uint8Array(bytes).buffer))].map(([u, v]) => [u.toString(16), v]));
    expect(input(2, [0b0101])).toEqual({ b0020: 1, b0097: 0, b002f: 1, b0021: 0 });
    expect(input(1, [0b11]), 'the consumer-control report is not ours').toEqual({});
    const b = telephonyLayout(HEADSET_B)!;
    const inputB = (bytes: number[]) => Object.fromEntries([...readTelephonyInput(b, 5, new DataView(new Uint8Array(bytes).buffer))].map(([u, v]) => [u.toString(16), v]));
    expect(inputB([0x7f, 0x02, 0b01]), 'array index 2 is Hold; vendor byte skipped').toEqual({ b0026: 0, b0023: 1, b0024: 0, b0020: 1, b002f: 0 });
    expect(inputB([0x00, 0x01, 0b10])).toEqual({ b0026: 1, b0023: 0, b0024: 0, b0020: 0, b002f: 1 });
    const lamps = (on: number[]) => telephonyOutputReports(b, new Map(on.map((u) => [u, true]))).map((r) => [r.reportId, ...r.data]);
    expect(lamps([USAGE.ledOffHook, USAGE.ledMute]), 'the volume byte left at 0, Mute bit 0, Off-Hook bit 1').toEqual([[9, 0, 0b011]]);
    expect(lamps([USAGE.ledRing])).toEqual([[9, 0, 0b100]]);
  });

  it('stays bounded with a nonsense descriptor', () => {
    const huge = [{ usagePage: 0x0b, usage: 0x05, inputReports: [{ reportId: 1, items: [{ usages: [USAGE.hookSwitch], reportSize: 1, reportCount: 1e9 }, bit([USAGE.phoneMute])] }], outputReports: [{ reportId: 1, items: [{ isRange: true, usageMinimum: 0x080000, usageMaximum: 0x08ffff, reportSize: 32, reportCount: 1e6 }] }] }];
    const layout = telephonyLayout(huge);
    expect(layout?.inputs.length ?? 0).toBeLessThanOrEqual(512);
    expect([...(layout?.outputBytes.values() ?? [])].every((n) => n <= 1024)).toBe(true);
  });
});

describe('buttons → intents, calls → lamps (a fake HIDDevice)', () => {
  it('hook switch answers and hangs up, mute toggles, flash answers the waiting call; the lamps follow', async () => {
    const device = new FakeHidDevice(HEADSET_A);
    const intents: HidIntent[] = [];
    const phone = new HidTelephony(device, (i) => intents.push(i), () => {});
    await phone.start();
    expect(device.sent).toEqual([
      { reportId: 2, bytes: [0] },
      { reportId: 3, bytes: [0] },
    ]);
    await phone.update([ringing()]);
    expect(device.sent.slice(2)).toEqual([
      { reportId: 2, bytes: [0b0100] },
      { reportId: 3, bytes: [1] },
    ]);
    device.press(2, [0b0001]); // off hook
    expect(intents).toEqual([{ kind: 'answer', callId: 'r' }]);
    await phone.update([talking('r')]);
    expect(device.sent.at(-2)).toEqual({ reportId: 2, bytes: [0b0001] });
    const count = device.sent.length;
    await phone.update([talking('r')]);
    expect(device.sent.length, 'nothing changed: nothing sent').toBe(count);
    device.press(2, [0b0101]); // mute pressed (still off hook)
    device.press(2, [0b0001]); // released
    expect(intents.at(-1)).toEqual({ kind: 'mute', callId: 'r', muted: true });
    expect(intents).toHaveLength(2);
    await phone.update([talking('r', { muted: true })]);
    expect(device.sent.at(-2)).toEqual({ reportId: 2, bytes: [0b0011] });
    await phone.update([talking('r', { muted: true }), ringing('w')]);
    device.press(2, [0b1001]); // flash: answer the waiting call
    expect(intents.at(-1)).toEqual({ kind: 'answer', callId: 'w' });
    device.press(2, [0b0000]); // on hook
    expect(intents.at(-1)).toEqual({ kind: 'hangup', callId: 'r' });
    await phone.stop();
    device.press(2, [0b0001]);
    expect(intents, 'stopped: reports are not listened to').toHaveLength(4);
  });

  it('the other layout: Drop and Hold from an array, the hook switch in a nested collection', async () => {
    const device = new FakeHidDevice(HEADSET_B);
    const intents: HidIntent[] = [];
    const phone = new HidTelephony(device, (i) => intents.push(i), () => {});
    await phone.update([talking('t')]);
    await phone.start();
    expect(device.sent).toEqual([{ reportId: 9, bytes: [0, 0b010] }]);
    device.press(5, [0, 0x02, 0b01]); // Hold
    expect(intents).toEqual([{ kind: 'hold', callId: 't' }]);
    await phone.update([talking('t', { state: 'held', held: true })]);
    device.press(5, [0, 0x00, 0b01]);
    device.press(5, [0, 0x02, 0b01]); // Hold again: resume
    expect(intents.at(-1)).toEqual({ kind: 'resume', callId: 't' });
    await phone.update([talking('t')]);
    device.press(5, [0, 0x01, 0b01]); // Drop
    expect(intents.at(-1)).toEqual({ kind: 'hangup', callId: 't' });
    device.press(5, [0, 0x00, 0b01]);
    device.press(5, [0, 0x03, 0b01]); // Redial during a call: nothing
    expect(intents).toHaveLength(3);
    await phone.update([]);
    device.press(5, [0, 0x00, 0b01]);
    device.press(5, [0, 0x03, 0b01]); // Redial with no call: dial again
    expect(intents.at(-1)).toEqual({ kind: 'redial' });
  });

  it('line busy declines a ringing call; a mute press without a call does nothing', () => {
    expect(hidIntents(new Map(), new Map([[USAGE.lineBusyTone, 1]]), [ringing()])).toEqual([{ kind: 'decline', callId: 'r' }]);
    expect(hidIntents(new Map(), new Map([[USAGE.phoneMute, 1]]), [])).toEqual([]);
    expect(hidIntents(new Map([[USAGE.hookSwitch, 1]]), new Map([[USAGE.hookSwitch, 1]]), [ringing()]), 'no edge, no intent').toEqual([]);
    const done: string[] = [];
    const controls = { answer: (id: string) => done.push(`answer ${id}`), decline: (id: string) => done.push(`decline ${id}`), hangup: (id: string) => done.push(`hangup ${id}`), setMute: (id: string, m: boolean) => done.push(`mute ${id} ${m}`), setHold: (id: string, h: boolean) => done.push(`hold ${id} ${h}`), redial: () => done.push('redial') };
    for (const i of [{ kind: 'resume', callId: 'a' }, { kind: 'mute', callId: 'a', muted: false }, { kind: 'redial' }] as HidIntent[]) runHidIntent(i, controls);
    expect(done).toEqual(['hold a false', 'mute a false', 'redial']);
  });

  it('a lamp report that fails is said in words, and sent again next time', async () => {
    const device = new FakeHidDevice(HEADSET_A);
    const errors: string[] = [];
    const phone = new HidTelephony(device, () => {}, (m) => errors.push(m));
    await phone.start();
    device.opened = false;
    await phone.update([ringing()]);
    expect(device.sent).toHaveLength(2);
    device.opened = true;
    await phone.update([ringing()]);
    expect(device.sent.at(-1)).toEqual({ reportId: 3, bytes: [1] });
  });
});

describe('pairing (Settings › Audio devices)', () => {
  function fakeHid(devices: FakeHidDevice[], granted: FakeHidDevice[] = []) {
    const listeners = new Map<string, Set<(e: { device: HidDeviceLike }) => void>>();
    const hid: HidLike & { asked: unknown[]; fire(type: string, device: HidDeviceLike): void } = {
      asked: [],
      requestDevice: async (o) => (hid.asked.push(o), devices),
      getDevices: async () => granted,
      addEventListener: (t, l) => void (listeners.get(t) ?? listeners.set(t, new Set()).get(t)!).add(l),
      removeEventListener: (t, l) => void listeners.get(t)?.delete(l),
      fire: (t, device) => listeners.get(t)?.forEach((l) => l({ device })),
    };
    return hid;
  }

  it('the button asks the browser for a telephony device, then says which is paired; Forget lets it go', async () => {
    const device = new FakeHidDevice(HEADSET_A, 'Desk Headset 5');
    const hid = fakeHid([device]);
    const h = harness();
    const intents: HidIntent[] = [];
    const headset = new HidHeadset(hid, (i) => intents.push(i));
    const context = new Map(h.context);
    const key = [...h.context.keys()][0]!;
    context.set(key, { ...h.context.get(key)!, headset });
    render(HeadsetPairing, { context });
    await fireEvent.click(screen.getByRole('button', { name: /Pair a headset/ }));
    await tick();
    expect(hid.asked).toEqual([{ filters: [{ usagePage: 0x0b }] }]);
    expect(screen.getByTestId('headset-name').textContent).toContain('Desk Headset 5');
    headset.update([ringing()], undefined);
    device.press(2, [1]);
    expect(intents).toEqual([{ kind: 'answer', callId: 'r' }]);
    await fireEvent.click(screen.getByRole('button', { name: 'Forget' }));
    await tick();
    expect(device.forgotten).toBe(true);
    expect(device.opened).toBe(false);
    expect(screen.getByRole('button', { name: /Pair a headset/ })).toBeTruthy();
  });

  it('a device without telephony controls is refused in words; a paired one comes back at start and goes when unplugged', async () => {
    const keyboard = new FakeHidDevice([{ usagePage: 0x01, usage: 0x06, inputReports: [{ reportId: 0, items: [bit([0x070004], 1)] }] }], 'Keyboard');
    const headset = new HidHeadset(fakeHid([keyboard]), () => {});
    await headset.pair();
    expect(headset.error).toMatch(/Keyboard has no telephony buttons or lamps/);
    const device = new FakeHidDevice(HEADSET_B, 'Handset');
    const hid = fakeHid([], [keyboard, device]);
    const restored = new HidHeadset(hid, () => {});
    await restored.restore();
    expect(restored.name).toBe('Handset');
    expect(device.opened).toBe(true);
    hid.fire('disconnect', device);
    expect(restored.name).toBeUndefined();
    hid.fire('connect', device);
    await tick();
    expect(restored.name).toBe('Handset');
    restored.dispose();
  });

  it('without WebHID the card says what still works', () => {
    render(HeadsetPairing, { context: harness().context });
    expect(screen.getByTestId('headset-pairing').textContent).toMatch(/media keys/);
  });
});
