/**
 * The contact editor's checks, with the engine's own rules for addresses and
 * numbers (electron/api/sip-address-syntax.ts): a field the phone would
 * refuse is marked before anything is sent. Paths are the form's rows
 * ("addresses.1.uri"), blank rows included (they are left out on save).
 */
import type { ContactAddress, ContactNumber } from '../api/types.ts';
import { phoneNumberProblem, sipAddressProblem } from '../../../electron/api/sip-address-syntax.ts';

function sentence(problem: string): string {
  return `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.`;
}

export function contactFieldErrors(name: string, addresses: readonly ContactAddress[], numbers: readonly ContactNumber[]): Record<string, string> {
  const errors: Record<string, string> = {};
  if (name.trim() === '') errors.name = 'A contact needs a name.';
  addresses.forEach((a, i) => {
    const t = a.uri.trim();
    if (t === '') return;
    const problem = sipAddressProblem(/^sips?:/i.test(t) ? t : `sip:${t}`, true);
    if (problem) errors[`addresses.${i}.uri`] = problem === 'needs a user part (user@host)' ? 'Write the address as user@domain.' : sentence(problem);
  });
  numbers.forEach((n, i) => {
    if (n.number.trim() === '') return;
    const problem = phoneNumberProblem(n.number);
    if (problem) errors[`numbers.${i}.number`] = sentence(problem);
  });
  return errors;
}
