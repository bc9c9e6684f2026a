/** The objects every view needs, handed down through Svelte's context rather than module globals (so tests can supply fakes). */
import { getContext, setContext } from 'svelte';
import type { AudioController } from './audio/audio-controller.svelte.ts';
import type { HidHeadset } from './lib/hid-headset.svelte.ts';
import type { PhoneActions } from './stores/actions.ts';
import type { PhoneState } from './stores/phone-state.svelte.ts';
import type { UiStore } from './stores/ui-store.svelte.ts';

export interface AppContext {
  store: PhoneState;
  ui: UiStore;
  actions: PhoneActions;
  /** Absent in tests and where Web Audio is missing. */
  audio?: AudioController;
  /** Which host runs the page: the desktop app (Electron bridge) or a browser on the web host; absent = web. */
  host?: 'desktop' | 'web';
  /** The WebHID telephony headset, where the browser has navigator.hid. */
  headset?: HidHeadset;
}

export const APP_CONTEXT = Symbol('parley.app');

export function provideApp(context: AppContext): void {
  setContext(APP_CONTEXT, context);
}

export function useApp(): AppContext {
  const context = getContext<AppContext | undefined>(APP_CONTEXT);
  if (!context) throw new Error('useApp() outside the app: provideApp() first');
  return context;
}
