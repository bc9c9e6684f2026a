/**
 * The paired telephony headset of this window (WebHID, where the browser has
 * `navigator.hid`): pairing needs a click (requestDevice asks the user to
 * pick the device), a device paired before comes back at start and when it
 * is plugged in again (getDevices, `connect`), and unplugging it lets go.
 * hid-telephony.ts turns its buttons into intents and the calls into lamps.
 */
import type { CallSnapshot } from '../api/types.ts';
import { TELEPHONY_PAGE } from './hid-reports.ts';
import { HidTelephony, type HidDeviceLike, type HidIntent } from './hid-telephony.ts';

/** The part of `navigator.hid` used here. */
export interface HidLike {
  requestDevice(options: { filters: { usagePage?: number; usage?: number }[] }): Promise<HidDeviceLike[]>;
  getDevices(): Promise<HidDeviceLike[]>;
  addEventListener(type: 'connect' | 'disconnect', listener: (event: { device: HidDeviceLike }) => void): void;
  removeEventListener(type: 'connect' | 'disconnect', listener: (event: { device: HidDeviceLike }) => void): void;
}

/** requestDevice filter: any device with a telephony collection (a headset, a handset, a speakerphone). */
export const HID_FILTERS = [{ usagePage: TELEPHONY_PAGE }];

export class HidHeadset {
  /** The paired headset's name while it is connected and working. */
  name = $state<string | undefined>(undefined);
  /** The last problem, in words. */
  error = $state<string | undefined>(undefined);
  readonly #hid: HidLike;
  readonly #onIntent: (intent: HidIntent) => void;
  #phone: HidTelephony | undefined;
  #calls: readonly CallSnapshot[] = [];
  #focusedId: string | undefined;
  readonly #onConnect = (e: { device: HidDeviceLike }) => void this.#attach(e.device, false);
  readonly #onDisconnect = (e: { device: HidDeviceLike }) => {
    if (e.device === this.#phone?.device) this.#detach();
  };

  constructor(hid: HidLike, onIntent: (intent: HidIntent) => void) {
    this.#hid = hid;
    this.#onIntent = onIntent;
    hid.addEventListener('connect', this.#onConnect);
    hid.addEventListener('disconnect', this.#onDisconnect);
  }

  /** A headset paired in an earlier session, if one is connected. */
  async restore(): Promise<void> {
    try {
      for (const device of await this.#hid.getDevices()) if (!this.#phone && (await this.#attach(device, false))) break;
    } catch (e) {
      this.error = `Headsets could not be listed: ${(e as Error).message}`;
    }
  }

  /** From a click: the browser asks which device; the first with telephony controls is used. */
  async pair(): Promise<void> {
    this.error = undefined;
    let devices: HidDeviceLike[];
    try {
      devices = await this.#hid.requestDevice({ filters: HID_FILTERS });
    } catch (e) {
      this.error = `No headset was paired: ${(e as Error).message}`;
      return;
    }
    if (devices.length === 0) return; // the user closed the chooser
    for (const device of devices) if (await this.#attach(device, true)) return;
  }

  async forget(): Promise<void> {
    const device = this.#phone?.device;
    this.#detach();
    await device?.forget?.().catch(() => undefined);
  }

  /** The calls changed (App.svelte): the lamps follow. */
  update(calls: readonly CallSnapshot[], focusedId: string | undefined): void {
    this.#calls = calls;
    this.#focusedId = focusedId;
    void this.#phone?.update(calls, focusedId);
  }

  dispose(): void {
    this.#hid.removeEventListener('connect', this.#onConnect);
    this.#hid.removeEventListener('disconnect', this.#onDisconnect);
    this.#detach();
  }

  async #attach(device: HidDeviceLike, chosen: boolean): Promise<boolean> {
    if (this.#phone) return this.#phone.device === device;
    let phone: HidTelephony;
    try {
      phone = new HidTelephony(device, (i) => this.#onIntent(i), (message) => (this.error = message));
    } catch (e) {
      if (chosen) this.error = `${(e as Error).message}: choose a headset or handset.`;
      return false;
    }
    this.#phone = phone;
    try {
      await phone.update(this.#calls, this.#focusedId);
      await phone.start();
      this.name = device.productName || 'Headset';
      this.error = undefined;
      return true;
    } catch (e) {
      this.#phone = undefined;
      this.error = `${device.productName || 'The headset'} could not be opened: ${(e as Error).message}`;
      return false;
    }
  }

  #detach(): void {
    const phone = this.#phone;
    this.#phone = undefined;
    this.name = undefined;
    void phone?.stop();
  }
}
