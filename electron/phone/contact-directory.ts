/**
 * Contacts as the phone uses them: the stored address book plus the built-in
 * "Echo test" contact (issue "The phone" §4: a new user calls it and hears
 * their own voice). The echo contact is not stored — its address carries the
 * echo service's port, which changes from run to run — and cannot be edited.
 *
 * Caller ID (caller-id.ts) is resolved against the stored contacts with the
 * user's numbering plan; the resolver is rebuilt lazily after any change.
 */
import type { ContactInput as ApiContactInput, ContactPatch as ApiContactPatch } from '../api/commands.ts';
import { ApiError } from '../api/errors.ts';
import type { ContactSnapshot } from '../api/snapshots.ts';
import { CallerIdResolver } from './caller-id.ts';
import type { Contact } from './contact.ts';
import { hostKey, parseSipAddress, sameAddress, type SipAddress } from './sip-address.ts';
import { fromContactInput, fromContactPatch, toContactSnapshot } from './snapshot-mappers.ts';
import type { PhoneStore } from './store/phone-store.ts';

export const ECHO_CONTACT_ID = 'echo';
export const ECHO_CONTACT_NAME = 'Echo test';

export interface ResolvedCaller {
  /** Absent for built-in contacts (the history may only reference stored ones). */
  contactId?: string;
  name: string;
  contact: ContactSnapshot;
}

export class ContactDirectory {
  readonly #store: PhoneStore;
  #resolver: CallerIdResolver | undefined;
  #echoUri: string | undefined;
  /** The echo service's address, parsed once: every call's caller or target is compared with it. */
  #echoAddress: SipAddress | undefined;

  constructor(store: PhoneStore) {
    this.#store = store;
  }

  setEchoUri(uri: string | undefined): void {
    this.#echoUri = uri;
    const parsed = uri === undefined ? undefined : parseSipAddress(uri);
    this.#echoAddress = parsed?.ok ? parsed.value : undefined;
  }

  get echoUri(): string | undefined {
    return this.#echoUri;
  }

  echoContact(): Contact | undefined {
    if (!this.#echoUri) return undefined;
    return { id: ECHO_CONTACT_ID, name: ECHO_CONTACT_NAME, favorite: false, addresses: [{ label: 'echo service', uri: this.#echoUri }], numbers: [] };
  }

  list(query?: string): ContactSnapshot[] {
    const q = query?.trim() ?? '';
    const stored = this.#store.contacts.list(q === '' ? {} : { search: q });
    const echo = this.echoContact();
    const showEcho = echo && (q === '' || `${echo.name} ${echo.addresses[0]!.uri}`.toLowerCase().includes(q.toLowerCase()));
    return [...(showEcho ? [echo] : []), ...stored].map(toContactSnapshot);
  }

  add(input: ApiContactInput): ContactSnapshot {
    const c = this.#store.contacts.add(fromContactInput(input));
    this.#resolver = undefined;
    return toContactSnapshot(c);
  }

  update(id: string, patch: ApiContactPatch): ContactSnapshot {
    this.#refuseBuiltIn(id);
    const c = this.#store.contacts.update(id, fromContactPatch(patch));
    this.#resolver = undefined;
    return toContactSnapshot(c);
  }

  remove(id: string): void {
    this.#refuseBuiltIn(id);
    this.#store.contacts.remove(id);
    this.#resolver = undefined;
  }

  /** Call after the numbering plan changes. */
  invalidate(): void {
    this.#resolver = undefined;
  }

  /** Who is `remote` (a From URI, a target)? */
  resolve(remote: string): ResolvedCaller | undefined {
    const echo = this.#echoAddress && isSame(remote, this.#echoAddress) ? this.echoContact() : undefined;
    if (echo) return { name: echo.name, contact: toContactSnapshot(echo) };
    this.#resolver ??= new CallerIdResolver(this.#store.contacts.list(), this.#store.settings.get('numberingPlan'));
    const match = this.#resolver.resolve(remote);
    if (!match) return undefined;
    const contact = this.#store.contacts.get(match.contactId);
    if (!contact) return undefined;
    return { contactId: contact.id, name: contact.name, contact: toContactSnapshot(contact) };
  }

  #refuseBuiltIn(id: string): void {
    if (id === ECHO_CONTACT_ID) throw new ApiError('not-allowed', 'the built-in Echo test contact cannot be changed');
  }
}

function isSame(a: string, b: SipAddress): boolean {
  // The same address names the same host (compared ignoring case): most never do, and are not parsed.
  if (!a.toLowerCase().includes(hostKey(b.host))) return false;
  const pa = parseSipAddress(a.replace(/^.*<([^<>]*)>.*$/, '$1'));
  return pa.ok && sameAddress(pa.value, b);
}
