/**
 * The machine's audio devices as the settings view lists them. Browsers hide
 * device names until the page has used the microphone once, so a list
 * without labels offers to ask for that permission.
 */
export interface DeviceOption {
  id: string;
  label: string;
}

export interface DeviceLists {
  inputs: DeviceOption[];
  outputs: DeviceOption[];
  /** Labels are hidden until the user allows the microphone. */
  needsPermission: boolean;
}

function options(devices: MediaDeviceInfo[], kind: MediaDeviceKind, fallback: string): DeviceOption[] {
  const list = devices.filter((d) => d.kind === kind && d.deviceId !== '' && d.deviceId !== 'default' && d.deviceId !== 'communications');
  return [{ id: 'default', label: 'System default' }, ...list.map((d, i) => ({ id: d.deviceId, label: d.label || `${fallback} ${i + 1}` }))];
}

export async function listAudioDevices(): Promise<DeviceLists> {
  const media = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  if (!media?.enumerateDevices) return { inputs: [{ id: 'default', label: 'System default' }], outputs: [{ id: 'default', label: 'System default' }], needsPermission: false };
  const devices = await media.enumerateDevices();
  return {
    inputs: options(devices, 'audioinput', 'Microphone'),
    outputs: options(devices, 'audiooutput', 'Speaker'),
    needsPermission: devices.some((d) => d.kind === 'audioinput' && d.label === ''),
  };
}

/** Asks for the microphone once so that device names become visible; true when allowed. */
export async function allowDeviceNames(): Promise<boolean> {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const track of stream.getTracks()) track.stop();
    return true;
  } catch {
    return false;
  }
}

/** Calls `listener` when devices come or go (a headset plugged in). */
export function onDeviceChange(listener: () => void): () => void {
  const media = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  if (!media?.addEventListener) return () => {};
  media.addEventListener('devicechange', listener);
  return () => media.removeEventListener('devicechange', listener);
}
