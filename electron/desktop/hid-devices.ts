/**
 * WebHID in the desktop window: which HID devices the page may open, and
 * which one a pairing picks. Chromium shows its own device chooser; Electron
 * has none and asks the app ('select-hid-device'), and refuses every device
 * unless the session's device permission handler says yes.
 *
 * Only telephony devices (a top-level collection on HID usage page 0x0B: a
 * headset, a handset, a speakerphone) and only for our own page: a keyboard,
 * a security key or a game pad is never handed to the renderer.
 *
 * Pure: the devices are the subset of Electron's HIDDevice that is read here.
 */
import { APP_ORIGIN, originOf } from './app-url.ts';

/** HID usage page "Telephony Device" (HID Usage Tables 1.5 §14). */
export const TELEPHONY_USAGE_PAGE = 0x0b;

export interface HidDeviceInfo {
  deviceId: string;
  name: string;
  collections: readonly { usagePage: number }[];
}

export function isTelephonyDevice(device: { collections?: readonly { usagePage: number }[] }): boolean {
  return Array.isArray(device.collections) && device.collections.some((c) => c.usagePage === TELEPHONY_USAGE_PAGE);
}

/** The session's device permission handler: a telephony HID device, asked for by our page. */
export function decideDevicePermission(details: { deviceType: string; origin: string; device: unknown }, appOrigin = APP_ORIGIN): boolean {
  if (details.deviceType !== 'hid') return false;
  if (!(details.origin === appOrigin || originOf(details.origin) === appOrigin)) return false;
  const device = details.device as { collections?: readonly { usagePage: number }[] } | null;
  return typeof device === 'object' && device !== null && isTelephonyDevice(device);
}

/**
 * The device a pairing gets: none when no telephony device is connected, the
 * only one without asking, else the one the user picks (`ask` gets their
 * names and answers an index, or undefined for Cancel).
 */
export async function chooseHidDevice(list: readonly HidDeviceInfo[], ask: (names: string[]) => Promise<number | undefined>): Promise<string | null> {
  // One physical headset shows one entry per HID interface: offer each device once.
  const candidates = [...new Map(list.filter(isTelephonyDevice).map((d) => [d.deviceId, d])).values()];
  if (candidates.length === 0) return null;
  if (candidates.length === 1) return candidates[0]!.deviceId;
  const i = await ask(candidates.map((d) => d.name || 'Unnamed headset'));
  return i !== undefined && i >= 0 && i < candidates.length ? candidates[i]!.deviceId : null;
}
