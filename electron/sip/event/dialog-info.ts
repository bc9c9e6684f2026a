/**
 * Dialog state documents (RFC 4235, the "dialog" event package behind busy
 * lamps): full and partial notifications merged by dialog id, older versions
 * ignored (§4.1.2: version grows by one per NOTIFY of a subscription), and
 * ours written for the peers that watch this phone.
 */
import { cleanText } from './pidf.ts';
import { childOf, childrenOf, escapeXml, parseXml } from './xml-reader.ts';
import type { XmlElement } from './xml-reader.ts';

export const DIALOG_INFO_TYPE = 'application/dialog-info+xml';
export const NS_DIALOG_INFO = 'urn:ietf:params:xml:ns:dialog-info';

export type DialogInfoState = 'trying' | 'proceeding' | 'early' | 'confirmed' | 'terminated';
const STATES: readonly DialogInfoState[] = ['trying', 'proceeding', 'early', 'confirmed', 'terminated'];

/** At most this many dialogs are kept per watched line: a notifier cannot make us hold more. */
export const MAX_LINE_DIALOGS = 16;

export interface DialogInfoDialog {
  id: string;
  state: DialogInfoState;
  direction?: 'initiator' | 'recipient';
  callId?: string;
  localTag?: string;
  remoteTag?: string;
  remote?: { uri: string; displayName?: string };
  local?: { uri: string; displayName?: string };
}

export interface DialogInfoDocument {
  version: number;
  full: boolean;
  entity?: string;
  dialogs: DialogInfoDialog[];
}

export function parseDialogInfo(body: string | Buffer): DialogInfoDocument {
  const root = parseXml(body);
  if (root.ns !== NS_DIALOG_INFO || root.local !== 'dialog-info') throw new Error('not a dialog-info document');
  const version = Number(root.attrs.get('version') ?? '0');
  if (!Number.isSafeInteger(version) || version < 0) throw new Error('dialog-info without a valid version');
  // Every <dialog> is read (the XML reader bounds the document): a server that aggregates publications
  // (Kamailio's presence_dialoginfo) lists the calls that ended before the one ringing now, so the
  // live dialogs may come after dozens of terminated ones.
  const byId = new Map<string, DialogInfoDialog>();
  for (const d of childrenOf(root, NS_DIALOG_INFO, 'dialog')) {
    const id = d.attrs.get('id');
    const stateText = childOf(d, NS_DIALOG_INFO, 'state')?.text.trim().toLowerCase();
    const state = STATES.find((s) => s === stateText);
    if (!id || !state) continue;
    const dialog: DialogInfoDialog = { id: cleanText(id, 128), state };
    const dir = d.attrs.get('direction');
    if (dir === 'initiator' || dir === 'recipient') dialog.direction = dir;
    const callId = d.attrs.get('call-id');
    if (callId) dialog.callId = cleanText(callId, 256);
    const lt = d.attrs.get('local-tag');
    if (lt) dialog.localTag = cleanText(lt, 128);
    const rt = d.attrs.get('remote-tag');
    if (rt) dialog.remoteTag = cleanText(rt, 128);
    const remote = party(childOf(d, NS_DIALOG_INFO, 'remote'));
    if (remote) dialog.remote = remote;
    const local = party(childOf(d, NS_DIALOG_INFO, 'local'));
    if (local) dialog.local = local;
    const seen = byId.get(dialog.id);
    byId.set(dialog.id, seen ? merged(seen, dialog) : dialog);
  }
  const doc: DialogInfoDocument = { version, full: (root.attrs.get('state') ?? 'full') !== 'partial', dialogs: [...byId.values()] };
  const entity = root.attrs.get('entity');
  if (entity) doc.entity = cleanText(entity, 512);
  return doc;
}

/**
 * One dialog listed twice in a document: a server that merges several
 * publications for it (Kamailio's presence_dialoginfo with pua_dialoginfo's
 * callee_trying: a "Trying" one and the call's own) lists both in no
 * particular order. A dialog only moves forward (§3.7.1: trying → proceeding
 * → early → confirmed → terminated), so the furthest state is the present
 * one; what it does not say is taken from the other.
 */
function merged(a: DialogInfoDialog, b: DialogInfoDialog): DialogInfoDialog {
  const [ahead, behind] = STATES.indexOf(b.state) >= STATES.indexOf(a.state) ? [b, a] : [a, b];
  return { ...behind, ...ahead };
}

function party(el: XmlElement | undefined): { uri: string; displayName?: string } | undefined {
  if (!el) return undefined;
  const identity = childOf(el, NS_DIALOG_INFO, 'identity');
  const target = childOf(el, NS_DIALOG_INFO, 'target');
  const uri = identity?.text.trim() || target?.attrs.get('uri') || '';
  if (uri === '') return undefined;
  const out: { uri: string; displayName?: string } = { uri: cleanText(uri, 512) };
  const display = identity?.attrs.get('display');
  if (display) out.displayName = cleanText(display, 128);
  return out;
}

/** Ended dialogs remembered from partial documents (full ones bound the list by what they still list). */
const MAX_ENDED = 256;

/**
 * The line as the watcher keeps it: the dialogs of the last full document,
 * changed by partial ones (§4.1.2); terminated dialogs leave the list.
 *
 * A dialog only moves forward (§3.7.1), and a notifier that merges several
 * publications of one call can go on listing a stale copy of it: Kamailio
 * (pua_dialoginfo publishing through its own presence server) sometimes
 * makes two publications of one call — its PUBLISH for "early" leaves
 * before the answer to the one for "Trying" brings the ETag — and the
 * hang-up ends only one of them; the other stays "Trying" or "early" for
 * its 12-hour lifetime after the ended one expires (11 s). So a dialog seen
 * terminated stays ended while the notifier still lists it, and a dialog
 * never goes back to an earlier state (a reordered "early" after
 * "confirmed").
 */
export class LineView {
  #version = -1;
  #dialogs = new Map<string, DialogInfoDialog>();
  /** Ids seen terminated (insertion order: oldest first). */
  #ended = new Set<string>();

  /** Applies a document; false when it is older than what we have (ignored). */
  apply(doc: DialogInfoDocument): boolean {
    if (this.#version >= 0 && doc.version < this.#version && !doc.full) return false;
    this.#version = doc.version;
    const before = this.#dialogs;
    if (doc.full) {
      this.#dialogs = new Map();
      // Forget ended dialogs the notifier no longer lists (this bounds the set by the document).
      const listed = new Set(doc.dialogs.map((d) => d.id));
      for (const id of this.#ended) if (!listed.has(id)) this.#ended.delete(id);
    }
    for (const d of doc.dialogs) {
      if (d.state === 'terminated' || this.#ended.has(d.id)) {
        this.#dialogs.delete(d.id);
        this.#remember(d.id);
        continue;
      }
      const known = before.get(d.id);
      const present = known && STATES.indexOf(known.state) > STATES.indexOf(d.state) ? { ...d, state: known.state } : d;
      if (this.#dialogs.has(d.id) || this.#dialogs.size < MAX_LINE_DIALOGS) this.#dialogs.set(d.id, present);
    }
    return true;
  }

  /** A new subscription starts again from its first (full) document; ended dialogs stay ended. */
  reset(): void {
    this.#version = -1;
    this.#dialogs = new Map();
  }

  get dialogs(): DialogInfoDialog[] {
    return [...this.#dialogs.values()];
  }

  #remember(id: string): void {
    if (this.#ended.has(id)) return;
    this.#ended.add(id);
    if (this.#ended.size > MAX_ENDED) this.#ended.delete(this.#ended.values().next().value as string);
  }
}

/** Our own calls as a full dialog-info document (RFC 4235 §4.1). */
export function buildDialogInfo(entity: string, version: number, dialogs: readonly DialogInfoDialog[]): string {
  const items = dialogs.map((d) => {
    const attrs = [`id="${escapeXml(d.id)}"`];
    if (d.callId) attrs.push(`call-id="${escapeXml(d.callId)}"`);
    if (d.localTag) attrs.push(`local-tag="${escapeXml(d.localTag)}"`);
    if (d.remoteTag) attrs.push(`remote-tag="${escapeXml(d.remoteTag)}"`);
    if (d.direction) attrs.push(`direction="${d.direction}"`);
    const remote = d.remote
      ? `<remote><identity${d.remote.displayName ? ` display="${escapeXml(d.remote.displayName)}"` : ''}>${escapeXml(d.remote.uri)}</identity><target uri="${escapeXml(d.remote.uri)}"/></remote>`
      : '';
    return `<dialog ${attrs.join(' ')}><state>${d.state}</state>${remote}</dialog>`;
  });
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
    `<dialog-info xmlns="${NS_DIALOG_INFO}" version="${version}" state="full" entity="${escapeXml(entity)}">\r\n` +
    items.join('\r\n') +
    (items.length > 0 ? '\r\n' : '') +
    '</dialog-info>\r\n'
  );
}
