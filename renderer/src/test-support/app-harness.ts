/** Builds the app's context around a FakeTransport, for rendering views in tests. */
import { ApiClient } from '../api/client.ts';
import type { AppSnapshot } from '../api/types.ts';
import { APP_CONTEXT, type AppContext } from '../app-context.ts';
import { PhoneActions } from '../stores/actions.ts';
import { PhoneState } from '../stores/phone-state.svelte.ts';
import { UiStore } from '../stores/ui-store.svelte.ts';
import { FakeTransport } from './fake-transport.ts';
import { snapshot } from './fixtures.ts';

export interface Harness extends AppContext {
  transport: FakeTransport;
  client: ApiClient;
  /** For @testing-library/svelte's render(…, { context }). */
  context: Map<symbol, AppContext>;
}

export function harness(initial: AppSnapshot = snapshot()): Harness {
  const transport = new FakeTransport();
  const client = new ApiClient(transport);
  const store = new PhoneState({ schedule: () => {} });
  store.loadSnapshot(initial);
  store.connection = transport.status;
  const ui = new UiStore();
  const actions = new PhoneActions(client, store, ui);
  const app: AppContext = { store, ui, actions };
  return { ...app, transport, client, context: new Map([[APP_CONTEXT, app]]) };
}
