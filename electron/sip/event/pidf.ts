/**
 * Presence documents (RFC 3863 PIDF, RFC 4479 data model, RFC 4480 RPID
 * activities) read into one of the statuses a person understands, and ours
 * written. What peers send varies: basic open/closed per tuple, RPID
 * activities on the person (baresip, Linphone, Kamailio's merged documents),
 * notes on the tuple or the person; the reading below takes all of them.
 *
 *   basic closed everywhere (or no tuple)          → offline
 *   open + activity busy/on-the-phone/meeting/…     → busy
 *   open + activity other "dnd"/"do not disturb"    → dnd
 *   open + activity away/vacation/sleeping/…        → away
 *   open                                            → available
 */
import { childOf, childrenOf, escapeXml, parseXml } from './xml-reader.ts';
import type { XmlElement } from './xml-reader.ts';

export const PIDF_TYPE = 'application/pidf+xml';
export const NS_PIDF = 'urn:ietf:params:xml:ns:pidf';
export const NS_DM = 'urn:ietf:params:xml:ns:pidf:data-model';
export const NS_RPID = 'urn:ietf:params:xml:ns:pidf:rpid';

export type PersonStatus = 'available' | 'away' | 'busy' | 'dnd' | 'offline';

export interface PresenceDocument {
  entity?: string;
  status: PersonStatus;
  /** The first note, at most MAX_NOTE characters, without control or bidi characters. */
  note?: string;
  /** RFC 4480 activity names (and 'other' texts), at most 8. */
  activities: string[];
}

const BUSY = new Set(['busy', 'on-the-phone', 'meeting', 'appointment', 'performance', 'presentation', 'worship']);
const AWAY = new Set(['away', 'vacation', 'sleeping', 'holiday', 'travel', 'steering', 'permanent-absence', 'lunch', 'breakfast', 'dinner', 'meal']);
const DND = /^(dnd|do[\s-]*not[\s-]*disturb)$/i;
const MAX_NOTE = 200;
const MAX_ACTIVITIES = 8;

/** Text a peer wrote, made safe to show: controls and invisible format characters removed, bounded. */
export function cleanText(text: string, max = MAX_NOTE): string {
  return text.replace(/[\p{Cc}\p{Cf}]/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, max);
}

export function parsePidf(body: string | Buffer): PresenceDocument {
  const root = parseXml(body);
  if (root.ns !== NS_PIDF || root.local !== 'presence') throw new Error('not a PIDF document');
  const tuples = childrenOf(root, NS_PIDF, 'tuple');
  const open = tuples.some((t) => childOf(childOf(t, NS_PIDF, 'status') ?? emptyEl, NS_PIDF, 'basic')?.text.trim().toLowerCase() === 'open');
  const activities: string[] = [];
  const notes: string[] = [];
  const collect = (el: XmlElement) => {
    for (const c of el.children) {
      if (c.ns === NS_RPID && c.local === 'activities') {
        for (const a of c.children) {
          if (activities.length >= MAX_ACTIVITIES) break;
          const name = a.local === 'other' && a.text.trim() !== '' ? cleanText(a.text, 40) : a.local;
          activities.push(name);
        }
      }
      if (c.local === 'note' && (c.ns === NS_PIDF || c.ns === NS_DM) && c.text.trim() !== '') notes.push(cleanText(c.text));
    }
  };
  for (const t of tuples) collect(t);
  for (const p of childrenOf(root, NS_DM, 'person')) collect(p);
  collect(root);
  const doc: PresenceDocument = { status: statusOf(open, activities), activities };
  const entity = root.attrs.get('entity');
  if (entity !== undefined) doc.entity = cleanText(entity, 512);
  if (notes[0]) doc.note = notes[0];
  return doc;
}

const emptyEl: XmlElement = { ns: '', local: '', attrs: new Map(), children: [], text: '' };

function statusOf(open: boolean, activities: readonly string[]): PersonStatus {
  if (!open) return 'offline';
  if (activities.some((a) => DND.test(a))) return 'dnd';
  if (activities.some((a) => BUSY.has(a.toLowerCase()))) return 'busy';
  if (activities.some((a) => AWAY.has(a.toLowerCase()))) return 'away';
  return 'available';
}

export interface OwnPresence {
  /** Our AOR, the presentity (RFC 3863 §4.1.1 entity). */
  entity: string;
  status: PersonStatus;
  note?: string;
  /** In a call: the RPID activity on-the-phone (RFC 4480 §3.2) rather than plain busy. */
  onThePhone?: boolean;
  /** Tuple id; stable across publications of one phone. */
  tupleId: string;
  /** Our contact address for the tuple (RFC 3863 §4.1.5). */
  contact?: string;
}

/**
 * Our presence document: one tuple (basic open/closed), one person with RPID
 * activities. The prefixes are the customary ones ("rpid", "dm", none for
 * PIDF): baresip 1.0's presence module matches the text "<rpid:away" and
 * "<basic>" literally, whatever the namespaces say.
 */
export function buildPidf(p: OwnPresence): string {
  const basic = p.status === 'offline' ? 'closed' : 'open';
  const acts: string[] = [];
  if (p.status === 'away') acts.push('<rpid:away/>');
  if (p.status === 'busy') acts.push(p.onThePhone ? '<rpid:on-the-phone/>' : '<rpid:busy/>');
  if (p.status === 'dnd') acts.push('<rpid:busy/>', '<rpid:other>dnd</rpid:other>');
  const note = p.note ? `<note>${escapeXml(p.note)}</note>` : '';
  const dmNote = p.note ? `<dm:note>${escapeXml(p.note)}</dm:note>` : '';
  const contact = p.contact ? `<contact>${escapeXml(p.contact)}</contact>` : '';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
    `<presence xmlns="${NS_PIDF}" xmlns:dm="${NS_DM}" xmlns:rpid="${NS_RPID}" entity="${escapeXml(p.entity)}">\r\n` +
    `<tuple id="${escapeXml(p.tupleId)}"><status><basic>${basic}</basic></status>${contact}${note}</tuple>\r\n` +
    `<dm:person id="p-${escapeXml(p.tupleId)}">${acts.length > 0 ? `<rpid:activities>${acts.join('')}</rpid:activities>` : ''}${dmNote}</dm:person>\r\n` +
    '</presence>\r\n'
  );
}
