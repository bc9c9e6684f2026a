/**
 * Reading a REGISTER 2xx (RFC 3261 §10.2.4): the registrar lists every
 * binding of the address of record. Ours is found by its +sip.instance
 * (RFC 5626 §4.2) or by its URI; its ;expires (else the Expires header) is
 * the lifetime granted. The others are other devices on the same AOR, kept
 * so the UI can say "also registered from …".
 */
import { contactExpires, contactsOf, formatUri } from '../message/index.ts';
import type { NameAddr, SipResponse, SipUri } from '../message/index.ts';

export interface Binding {
  /** The contact URI as the registrar lists it. */
  uri: string;
  /** Seconds left, when the registrar says. */
  expires?: number;
  instance?: string;
}

export interface BindingReport {
  /** Seconds granted to our contact (its ;expires, else Expires), if the response says. */
  granted: number | undefined;
  /** Our contact is in the list. */
  listed: boolean;
  others: Binding[];
}

export function readBindings(response: SipResponse, ours: SipUri, instanceId?: string): BindingReport {
  let contacts: NameAddr[] = [];
  try {
    const list = contactsOf(response);
    if (list !== '*') contacts = list;
  } catch {
    contacts = [];
  }
  const header = response.headers.get('Expires');
  const headerExpires = header !== undefined && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
  let granted: number | undefined;
  let listed = false;
  const others: Binding[] = [];
  for (const c of contacts) {
    const instance = unquote(c.params.get('+sip.instance'));
    const mine = instanceId !== undefined && instance !== undefined ? instance === instanceId : sameContact(c.uri, ours);
    const expires = contactExpires(c) ?? headerExpires;
    if (mine && !listed) {
      listed = true;
      granted = expires;
      continue;
    }
    const b: Binding = { uri: formatUri(c.uri) };
    if (expires !== undefined) b.expires = expires;
    if (instance !== undefined) b.instance = instance;
    others.push(b);
  }
  return { granted: listed ? granted : headerExpires, listed, others };
}

/** User, host and port compare; URI parameters (transport, ob...) may be echoed differently. */
function sameContact(a: SipUri, b: SipUri): boolean {
  return (a.user ?? '') === (b.user ?? '') && a.host.toLowerCase() === b.host.toLowerCase() && (a.port ?? 5060) === (b.port ?? 5060);
}

function unquote(v: string | null | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  return v.replace(/^"(.*)"$/, '$1').replace(/^<(.*)>$/, '$1');
}
