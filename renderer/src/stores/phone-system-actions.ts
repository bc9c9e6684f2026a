/**
 * What the "Host a phone system on this computer" pane's buttons do: one
 * phoneSystem.* command each, the snapshot folded into the store, a refusal
 * naming fields returned as FieldErrors for the form (no toast over it),
 * anything else said in a toast.
 */
import type { ApiResult, PhoneSystemPatch, PhoneSystemSnapshot, PhoneSystemUserInput, PhoneSystemUserPatch } from '../api/types.ts';
import { fieldErrorsOf, type FieldErrors, type PhoneActions } from './actions.ts';

export class PhoneSystemActions {
  readonly #a: PhoneActions;

  constructor(actions: PhoneActions) {
    this.#a = actions;
  }

  async load(): Promise<void> {
    const r = await this.#a.client.call('phoneSystem.get', {});
    if (r.ok) this.#a.store.phoneSystem = r.result;
  }

  update(patch: PhoneSystemPatch, what = 'Could not change the phone system'): Promise<PhoneSystemSnapshot | FieldErrors | undefined> {
    return this.#settle(what, this.#a.client.call('phoneSystem.update', patch));
  }

  addUser(input: PhoneSystemUserInput): Promise<PhoneSystemSnapshot | FieldErrors | undefined> {
    return this.#settle(`Could not add ${input.username}`, this.#a.client.call('phoneSystem.users.add', input));
  }

  updateUser(patch: PhoneSystemUserPatch): Promise<PhoneSystemSnapshot | FieldErrors | undefined> {
    return this.#settle(`Could not change ${patch.username}`, this.#a.client.call('phoneSystem.users.update', patch));
  }

  removeUser(username: string): Promise<PhoneSystemSnapshot | FieldErrors | undefined> {
    return this.#settle(`Could not remove ${username}`, this.#a.client.call('phoneSystem.users.remove', { username }));
  }

  async #settle(what: string, pending: Promise<ApiResult<PhoneSystemSnapshot>>): Promise<PhoneSystemSnapshot | FieldErrors | undefined> {
    const r = await pending;
    if (!r.ok) {
      const fieldErrors = fieldErrorsOf(r);
      if (fieldErrors) return { fieldErrors };
      this.#a.ui.toast('error', `${what}: ${r.message}`);
      return undefined;
    }
    this.#a.store.phoneSystem = r.result;
    return r.result;
  }
}
