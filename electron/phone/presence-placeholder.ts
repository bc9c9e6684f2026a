/**
 * The presence, watched-line and voicemail commands of a phone without its
 * network side (`parley accounts`): each answers 'unavailable' in words, so a client
 * built on the contract shows an honest "not available" instead of a fake
 * state. Replaced command by command as the engine lands.
 */
import type { PresenceApi } from '../api/phone-api.ts';
import { ApiError } from '../api/errors.ts';

const notYet = (what: string) => async (): Promise<never> => {
  throw new ApiError('unavailable', `${what} needs a running phone (parley web, listen, watch or status)`);
};

export function presencePlaceholder(): PresenceApi {
  return {
    'presence.set': notYet('publishing presence'),
    'presence.get': notYet('presence'),
    // Nobody is away in a process without a phone: use is noted where a phone runs.
    'presence.activity': notYet('presence'),
    'watch.add': notYet('watching presence and lines'),
    'watch.remove': notYet('watching presence and lines'),
    'watch.list': async () => [],
    'watch.pickup': notYet('call pickup'),
    'watchers.list': async () => [],
    'watchers.decide': notYet('watcher authorization'),
    'mwi.list': async () => [],
    'mwi.dial': notYet('dialling voicemail'),
  };
}
