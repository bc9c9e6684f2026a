/**
 * Hands the engine the "woke up / network may have changed" signal (API
 * command network.changed): after a sleep the registrar may have dropped our
 * binding and a NAT has forgotten our mapping, so without it calls are missed
 * until the next scheduled refresh. powerMonitor's 'resume' (from sleep) and
 * 'unlock-screen' (some systems suspend the network while locked) map to the
 * command's reasons.
 *
 * Structural types (no 'electron' import): Electron's powerMonitor fits.
 */
import type { NetworkChangeReason } from '../api/contract.ts';

export interface PowerEventsLike {
  on(event: 'resume' | 'unlock-screen', listener: () => void): unknown;
  removeListener(event: 'resume' | 'unlock-screen', listener: () => void): unknown;
}

export function watchPowerEvents(power: PowerEventsLike, networkChanged: (reason: NetworkChangeReason) => void): () => void {
  const onResume = () => networkChanged('resume');
  const onUnlock = () => networkChanged('unlock-screen');
  power.on('resume', onResume);
  power.on('unlock-screen', onUnlock);
  return () => {
    power.removeListener('resume', onResume);
    power.removeListener('unlock-screen', onUnlock);
  };
}
