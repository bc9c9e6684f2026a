/**
 * Starts the renderer: picks the transport (Electron bridge or the web host's
 * WebSocket), builds the stores, and mounts the app.
 */
import { mount } from 'svelte';
import { createClient } from './api/client.ts';
import { BridgeTransport } from './api/bridge-transport.ts';
import { WsTransport } from './api/ws-transport.ts';
import App from './App.svelte';
import { AudioController } from './audio/audio-controller.svelte.ts';
import Fatal from './Fatal.svelte';
import { afterUserActivation } from './lib/activity.ts';
import { HidHeadset, type HidLike } from './lib/hid-headset.svelte.ts';
import { runHidIntent } from './lib/hid-telephony.ts';
import { applyTheme } from './lib/theme.ts';
import { PhoneActions } from './stores/actions.ts';
import { PhoneState } from './stores/phone-state.svelte.ts';
import { syncStore } from './stores/sync.ts';
import { UiStore } from './stores/ui-store.svelte.ts';
import './styles/app.css';

const target = document.getElementById('app')!;
applyTheme('system');
const choice = createClient();

if (!choice.ok) {
  mount(Fatal, { target, props: { reason: choice.reason } });
} else {
  const { client } = choice;
  const store = new PhoneState();
  const ui = new UiStore();
  const actions = new PhoneActions(client, store, ui);
  const audio = typeof AudioWorkletNode === 'function' && navigator.mediaDevices ? new AudioController(client) : undefined;
  syncStore(store, client, { onError: (message) => ui.toast('error', message) });
  const transport = client.transport;
  const onretry = transport instanceof WsTransport ? () => transport.reconnectNow() : undefined;
  // A telephony headset's buttons and lamps (WebHID; Chromium has it, other browsers do not).
  const hid = (navigator as Navigator & { hid?: HidLike }).hid;
  const headset = hid
    ? new HidHeadset(hid, (intent) =>
        runHidIntent(intent, {
          answer: (id) => void actions.answer(id),
          decline: (id) => void actions.decline(id),
          hangup: (id) => void actions.hangup(id),
          setMute: (id, muted) => void actions.setMute(id, muted),
          setHold: (id, hold) => void actions.setHold(id, hold),
          redial: () => {
            const last = store.history.find((e) => e.direction === 'out');
            if (!last) {
              ui.toast('info', 'Redial: no number dialled yet');
              return;
            }
            const account = last.accountId ? store.accountById(last.accountId) : undefined;
            void actions.dial(last.peer, account?.id, account && last.localAlias ? last.localAlias : undefined);
          },
        }),
      )
    : undefined;
  const host = transport instanceof BridgeTransport ? 'desktop' : 'web';
  mount(App, { target, props: { context: { store, ui, actions, audio, host, ...(headset ? { headset } : {}) }, onretry } });
  // A call's audio context made ahead (audio-controller.svelte.ts): Electron's window may start audio at once, a browser
  // tab after the user's first click or key.
  if (audio) afterUserActivation(window, host === 'desktop' || navigator.userActivation?.hasBeenActive === true, () => audio.prepare());
}
