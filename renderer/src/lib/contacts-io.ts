/**
 * Contacts in and out: vCard 3.0 (RFC 2426) and 4.0 (RFC 6350), and the CSV
 * MicroSIP reads and writes (a header row naming the columns, of which it
 * uses Name and Number; Presence and Directory are its flags). Imports are
 * matched against the contacts we have by address and number, so that a
 * preview can say what would be added and what merged before anything is
 * saved.
 *
 * A Parley contact in vCard: FN (and N, required by 3.0), one TEL per number
 * (TYPE = its label), one IMPP per SIP address (RFC 4770 for 3.0) plus an
 * X-SIP copy that older phones read, CATEGORIES:favorite for a favourite.
 */
import type { ContactAddress, ContactFields, ContactNumber, ContactSnapshot } from '../api/types.ts';
import { displayAddress } from './party.ts';

export type VCardVersion = '3.0' | '4.0';

// ---- vCard writing ----

function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/,/g, '\\,').replace(/;/g, '\\;');
}

/** RFC 6350 §3.2: lines longer than 75 octets are folded (CRLF and one space). */
function fold(line: string): string {
  const bytes = new TextEncoder().encode(line);
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let current = '';
  let size = 0;
  for (const ch of line) {
    const n = new TextEncoder().encode(ch).length;
    if (size + n > (parts.length === 0 ? 75 : 74)) {
      parts.push(current);
      current = '';
      size = 0;
    }
    current += ch;
    size += n;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

function typeParam(label: string | undefined): string {
  const t = label?.trim();
  return t ? `;TYPE=${t.replace(/[;:,"]/g, ' ').trim()}` : '';
}

function sipUri(uri: string): string {
  return /^sips?:/i.test(uri) ? uri : `sip:${uri}`;
}

export function toVCard(contact: ContactFields, version: VCardVersion): string {
  const name = contact.name.trim();
  const words = name.split(/\s+/);
  const family = words.length > 1 ? words.at(-1)! : '';
  const given = words.length > 1 ? words.slice(0, -1).join(' ') : name;
  const lines = ['BEGIN:VCARD', `VERSION:${version}`, `FN:${escapeText(name)}`, `N:${escapeText(family)};${escapeText(given)};;;`];
  for (const n of contact.numbers) {
    const number = n.number.trim();
    // RFC 6350 §6.4.1 lets TEL stay free text (VALUE=text) in 4.0: the number keeps the user's spacing and comes back unchanged.
    lines.push(version === '4.0' ? `TEL;VALUE=text${typeParam(n.label)}:${escapeText(number)}` : `TEL${typeParam(n.label)}:${escapeText(number)}`);
  }
  for (const a of contact.addresses) {
    lines.push(`IMPP${typeParam(a.label)}:${sipUri(a.uri)}`);
    lines.push(`X-SIP${typeParam(a.label)}:${displayAddress(a.uri)}`);
  }
  if (contact.favorite) lines.push('CATEGORIES:favorite');
  lines.push('END:VCARD');
  return lines.map(fold).join('\r\n');
}

export function exportVCards(contacts: readonly ContactFields[], version: VCardVersion): string {
  return contacts.map((c) => toVCard(c, version)).join('\r\n') + '\r\n';
}

// ---- vCard reading ----

interface Property {
  name: string;
  params: Record<string, string[]>;
  value: string;
}

function unescapeText(value: string): string {
  return value.replace(/\\([\\,;nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** Splits on `sep` outside of double quotes. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

function parseLine(line: string): Property | undefined {
  const colon = (() => {
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      if (line[i] === '"') quoted = !quoted;
      if (line[i] === ':' && !quoted) return i;
    }
    return -1;
  })();
  if (colon < 0) return undefined;
  const [rawName, ...rawParams] = splitOutsideQuotes(line.slice(0, colon), ';');
  const name = (rawName ?? '').replace(/^[^.]*\./, '').toUpperCase(); // "item1.TEL" → "TEL"
  const params: Record<string, string[]> = {};
  for (const p of rawParams) {
    const eq = p.indexOf('=');
    // vCard 2.1 style bare types ("TEL;CELL:") count as TYPE values.
    const key = eq < 0 ? 'TYPE' : p.slice(0, eq).toUpperCase();
    const values = (eq < 0 ? p : p.slice(eq + 1)).split(',').map((v) => v.replace(/^"|"$/g, '').trim()).filter(Boolean);
    params[key] = [...(params[key] ?? []), ...values];
  }
  return { name, params, value: line.slice(colon + 1) };
}

const GENERIC_TYPES = new Set(['voice', 'pref', 'internet', 'x-sip', 'sip', 'text', 'uri']);

function labelOf(p: Property): string | undefined {
  const types = (p.params.TYPE ?? []).map((t) => t.toLowerCase()).filter((t) => !GENERIC_TYPES.has(t));
  return types[0];
}

function withLabel<T extends object>(value: T, label: string | undefined): T & { label?: string } {
  return label ? { ...value, label } : value;
}

/** Every contact in a .vcf text (3.0, 4.0 and the common 2.1 habits); unknown properties are skipped. */
export function parseVCards(text: string): ContactFields[] {
  const unfolded = text.replace(/\r\n/g, '\n').replace(/\n[ \t]/g, '');
  const contacts: ContactFields[] = [];
  let card: { fn?: string; n?: string; numbers: ContactNumber[]; addresses: ContactAddress[]; favorite: boolean } | undefined;
  for (const line of unfolded.split('\n')) {
    const p = parseLine(line.trim());
    if (!p) continue;
    if (p.name === 'BEGIN' && p.value.toUpperCase() === 'VCARD') {
      card = { numbers: [], addresses: [], favorite: false };
      continue;
    }
    if (!card) continue;
    switch (p.name) {
      case 'FN':
        card.fn = unescapeText(p.value).trim();
        break;
      case 'N': {
        const [family = '', given = ''] = splitOutsideQuotes(p.value, ';').map(unescapeText);
        card.n = `${given} ${family}`.trim();
        break;
      }
      case 'TEL': {
        const value = unescapeText(p.value).replace(/^tel:/i, '').split(';')[0]!.trim();
        if (value && !card.numbers.some((n) => digits(n.number) === digits(value))) card.numbers.push(withLabel({ number: value }, labelOf(p)));
        break;
      }
      case 'IMPP':
      case 'X-SIP':
      case 'X-SIPURI': {
        const value = unescapeText(p.value).trim();
        if (p.name === 'IMPP' && !/^sips?:/i.test(value)) break; // xmpp:, skype: … are not for a SIP phone
        const uri = sipUri(value.replace(/^x-sip:/i, ''));
        if (!card.addresses.some((a) => sameAddress(a.uri, uri))) card.addresses.push(withLabel({ uri }, labelOf(p)));
        break;
      }
      case 'CATEGORIES':
        if (splitOutsideQuotes(p.value, ',').some((c) => /^(favorite|favourite|starred)$/i.test(c.trim()))) card.favorite = true;
        break;
      case 'END': {
        const name = card.fn || card.n || card.numbers[0]?.number || (card.addresses[0] ? displayAddress(card.addresses[0].uri) : '');
        if (name && (card.numbers.length > 0 || card.addresses.length > 0)) contacts.push({ name, numbers: card.numbers, addresses: card.addresses, favorite: card.favorite });
        card = undefined;
        break;
      }
    }
  }
  return contacts;
}

// ---- MicroSIP CSV ----

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** RFC 4180 rows: quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const input = text.replace(/^\ufeff/, '');
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (quoted) {
      if (ch === '"' && input[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',' || ch === ';') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && input[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

/** MicroSIP's columns: Name, Number, Presence, Directory (it keeps one number or address per contact). */
export function exportMicroSipCsv(contacts: readonly ContactFields[]): string {
  const lines = ['Name,Number,Presence,Directory'];
  for (const c of contacts) {
    for (const n of c.numbers) lines.push([c.name, n.number, '0', '0'].map(csvField).join(','));
    for (const a of c.addresses) lines.push([c.name, displayAddress(a.uri), '0', '0'].map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** Contacts from a MicroSIP CSV (columns found by their header, as MicroSIP does); rows of one name are one contact. */
export function parseMicroSipCsv(text: string): ContactFields[] | { error: string } {
  const [header, ...rows] = parseCsv(text);
  if (!header) return { error: 'The file is empty.' };
  const col = (name: string) => header.findIndex((h) => h.trim().toLowerCase() === name);
  const nameAt = col('name');
  const numberAt = col('number');
  if (nameAt < 0 || numberAt < 0) return { error: 'This CSV has no Name and Number columns (MicroSIP’s format).' };
  const byName = new Map<string, ContactFields>();
  for (const row of rows) {
    const value = (row[numberAt] ?? '').trim();
    const name = (row[nameAt] ?? '').trim() || value;
    if (!value) continue;
    const contact = byName.get(name) ?? { name, numbers: [], addresses: [], favorite: false };
    if (/^\+?[\d\s\-.()*#]+$/.test(value)) contact.numbers.push({ number: value });
    else contact.addresses.push({ uri: sipUri(value) });
    byName.set(name, contact);
  }
  return [...byName.values()];
}

// ---- merging ----

function digits(text: string): string {
  return text.replace(/[^\d+*#]/g, '');
}

function sameAddress(a: string, b: string): boolean {
  return displayAddress(a).replace(/^sips:/i, '').toLowerCase() === displayAddress(b).replace(/^sips:/i, '').toLowerCase();
}

export interface ImportPlanItem {
  incoming: ContactFields;
  /** The contact it merges into (same address or number), or undefined for a new contact. */
  into?: ContactSnapshot;
  /** What the merge adds to it (nothing new: the import is a duplicate). */
  adds: { numbers: ContactNumber[]; addresses: ContactAddress[] };
}

/** What importing `incoming` would do: each card matched by address or number to one of `existing`. */
export function planImport(incoming: readonly ContactFields[], existing: readonly ContactSnapshot[]): ImportPlanItem[] {
  return incoming.map((c) => {
    const into = existing.find(
      (e) =>
        c.addresses.some((a) => e.addresses.some((b) => sameAddress(a.uri, b.uri))) ||
        c.numbers.some((n) => digits(n.number).length > 0 && e.numbers.some((m) => digits(m.number) === digits(n.number))),
    );
    if (!into) return { incoming: c, adds: { numbers: c.numbers, addresses: c.addresses } };
    return {
      incoming: c,
      into,
      adds: {
        numbers: c.numbers.filter((n) => !into.numbers.some((m) => digits(m.number) === digits(n.number))),
        addresses: c.addresses.filter((a) => !into.addresses.some((b) => sameAddress(a.uri, b.uri))),
      },
    };
  });
}
