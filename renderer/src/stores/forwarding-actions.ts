/**
 * What the Settings forwarding pane's Save and "Use the rule for all
 * accounts" do: forwarding.set, the snapshot folded into the store, a
 * refusal naming fields (a target that does not dial, one of our own
 * addresses) returned as FieldErrors for the form, anything else a toast.
 */
import type { ForwardingRule, ForwardingSnapshot } from '../api/types.ts';
import { fieldErrorsOf, type FieldErrors, type PhoneActions } from './actions.ts';

export async function setForwarding(a: PhoneActions, accountId: string | undefined, rule: ForwardingRule | null): Promise<ForwardingSnapshot | FieldErrors | undefined> {
  const r = await a.client.call('forwarding.set', accountId === undefined ? { rule } : { accountId, rule });
  if (!r.ok) {
    const fieldErrors = fieldErrorsOf(r);
    if (fieldErrors) return { fieldErrors };
    a.ui.toast('error', `Could not change call forwarding: ${r.message}`);
    return undefined;
  }
  a.store.forwarding = r.result;
  return r.result;
}
