/**
 * Where a telephony headset keeps its buttons and lamps, read from the report
 * descriptor WebHID hands us (`HIDDevice.collections`), so that no vendor's
 * layout is written in here (HID Usage Tables 1.4: §14 Telephony Device page
 * 0x0B, §11 LED page 0x08; Device Class Definition for HID 1.11 §6.2.2 for
 * how report items are laid out).
 *
 *   collections (usagePage 0x0B Headset/Phone, and its children)
 *     inputReports[reportId].items ──▶ fields: bit offset, size, usage     (buttons in)
 *     outputReports[reportId].items ─▶ fields: bit offset, size, usage     (lamps out)
 *
 * A report's bits are its items in order, each `reportSize × reportCount`
 * bits, least significant bit first; the report ID byte is not part of the
 * data WebHID gives (`inputreport.data`) or takes (`sendReport(id, data)`).
 * A Variable item has one field per count, each with its own usage (the
 * last usage repeats when the list is shorter; a usage range counts up). An
 * Array item's fields hold indexes into its usages: a usage is "on" while its
 * index is in one of them.
 */

/** The WebHID types this file reads (lib.dom does not have WebHID). */
export interface HidReportItemLike {
  isAbsolute?: boolean;
  isArray?: boolean;
  isConstant?: boolean;
  isRange?: boolean;
  usages?: number[];
  usageMinimum?: number;
  usageMaximum?: number;
  reportSize?: number;
  reportCount?: number;
  logicalMinimum?: number;
  logicalMaximum?: number;
}
export interface HidReportInfoLike {
  reportId?: number;
  items?: HidReportItemLike[];
}
export interface HidCollectionLike {
  usagePage?: number;
  usage?: number;
  children?: HidCollectionLike[];
  inputReports?: HidReportInfoLike[];
  outputReports?: HidReportInfoLike[];
}

/** Extended usages (page << 16 | id). */
export const USAGE = Object.freeze({
  hookSwitch: 0x0b_0020,
  flash: 0x0b_0021,
  hold: 0x0b_0023,
  redial: 0x0b_0024,
  drop: 0x0b_0026,
  phoneMute: 0x0b_002f,
  lineBusyTone: 0x0b_0097,
  ringer: 0x0b_009e,
  ledMute: 0x08_0009,
  ledOffHook: 0x08_0017,
  ledRing: 0x08_0018,
  ledHold: 0x08_0020,
});

export const TELEPHONY_PAGE = 0x0b;

/** One value in a report: `bitSize` bits at `bitOffset` of report `reportId`'s data. */
export interface HidField {
  reportId: number;
  bitOffset: number;
  bitSize: number;
  /** The usage of a Variable field; for an Array field, the usages its index may name. */
  usage: number;
  isArray: boolean;
  /** Array fields: usage = usages[value - logicalMinimum]. */
  arrayUsages?: number[];
  logicalMinimum: number;
  logicalMaximum: number;
}

export interface TelephonyLayout {
  inputs: HidField[];
  outputs: HidField[];
  /** Each output report's length in bytes (without the ID byte). */
  outputBytes: Map<number, number>;
}

/** Bounds against a malicious or broken descriptor (WebHID has parsed it, but its numbers are the device's). */
const MAX_REPORT_BITS = 8 * 1024;
const MAX_FIELDS = 512;

function usagesOf(item: HidReportItemLike, count: number): number[] {
  if (item.isRange && item.usageMinimum !== undefined && item.usageMaximum !== undefined) {
    const n = Math.min(Math.max(item.usageMaximum - item.usageMinimum + 1, 0), MAX_FIELDS);
    return Array.from({ length: n }, (_, i) => item.usageMinimum! + i);
  }
  return (item.usages ?? []).slice(0, Math.max(count, 0) + MAX_FIELDS);
}

/**
 * A report ID's items from every collection that lists some of them, in the tree's order (the collection,
 * then its children): WebHID lists a nested collection's items under that collection, and a report may
 * hold items of both.
 */
function itemsByReport(reports: readonly HidReportInfoLike[]): Map<number, HidReportItemLike[]> {
  const out = new Map<number, HidReportItemLike[]>();
  for (const r of reports) out.set(r.reportId ?? 0, [...(out.get(r.reportId ?? 0) ?? []), ...(r.items ?? [])]);
  return out;
}

function fieldsOf(reports: readonly HidReportInfoLike[], wanted: (usage: number) => boolean): { fields: HidField[]; bytes: Map<number, number> } {
  const fields: HidField[] = [];
  const bytes = new Map<number, number>();
  for (const [reportId, items] of itemsByReport(reports)) {
    let bit = 0;
    for (const item of items) {
      const size = Math.max(0, Math.min(item.reportSize ?? 0, 32));
      const count = Math.max(0, Math.min(item.reportCount ?? 0, MAX_FIELDS));
      if (bit + size * count > MAX_REPORT_BITS) break;
      const logicalMinimum = item.logicalMinimum ?? 0;
      const logicalMaximum = item.logicalMaximum ?? 1;
      const usages = item.isConstant ? [] : usagesOf(item, count);
      if (item.isArray) {
        const named = usages.filter(wanted);
        if (named.length > 0) for (let i = 0; i < count && fields.length < MAX_FIELDS; i++) fields.push({ reportId, bitOffset: bit + i * size, bitSize: size, usage: named[0]!, isArray: true, arrayUsages: usages, logicalMinimum, logicalMaximum });
      } else {
        for (let i = 0; i < count && usages.length > 0 && fields.length < MAX_FIELDS; i++) {
          const usage = usages[Math.min(i, usages.length - 1)]!;
          if (wanted(usage)) fields.push({ reportId, bitOffset: bit + i * size, bitSize: size, usage, isArray: false, logicalMinimum, logicalMaximum });
        }
      }
      bit += size * count;
    }
    bytes.set(reportId, Math.max(bytes.get(reportId) ?? 0, Math.ceil(bit / 8)));
  }
  return { fields, bytes };
}

function telephonyCollections(collections: readonly HidCollectionLike[]): HidCollectionLike[] {
  const out: HidCollectionLike[] = [];
  const walk = (c: HidCollectionLike, inside: boolean) => {
    const here = inside || c.usagePage === TELEPHONY_PAGE;
    if (here) out.push(c);
    for (const child of c.children ?? []) walk(child, here);
  };
  for (const c of collections) walk(c, false);
  return out;
}

const INPUT_USAGES = new Set<number>([USAGE.hookSwitch, USAGE.flash, USAGE.hold, USAGE.redial, USAGE.drop, USAGE.phoneMute, USAGE.lineBusyTone]);
const OUTPUT_USAGES = new Set<number>([USAGE.ledMute, USAGE.ledOffHook, USAGE.ledRing, USAGE.ledHold, USAGE.ringer]);

/** The telephony buttons and lamps of a device; undefined when it has no telephony collection with any of them. */
export function telephonyLayout(collections: readonly HidCollectionLike[]): TelephonyLayout | undefined {
  const tel = telephonyCollections(collections);
  if (tel.length === 0) return undefined;
  const inputs = fieldsOf(tel.flatMap((c) => c.inputReports ?? []), (u) => INPUT_USAGES.has(u));
  const outputs = fieldsOf(tel.flatMap((c) => c.outputReports ?? []), (u) => OUTPUT_USAGES.has(u));
  const outputFields = outputs.fields.filter((f) => !f.isArray);
  if (inputs.fields.length === 0 && outputFields.length === 0) return undefined;
  const used = new Set(outputFields.map((f) => f.reportId));
  return { inputs: inputs.fields, outputs: outputFields, outputBytes: new Map([...outputs.bytes].filter(([id]) => used.has(id))) };
}

function readBits(data: DataView, offset: number, size: number): number {
  let value = 0;
  for (let i = 0; i < size; i++) {
    const bit = offset + i;
    const byte = bit >> 3;
    if (byte >= data.byteLength) break;
    if ((data.getUint8(byte) >> (bit & 7)) & 1) value += 2 ** i;
  }
  return value;
}

function writeBits(bytes: Uint8Array, offset: number, size: number, value: number): void {
  for (let i = 0; i < size; i++) {
    const bit = offset + i;
    const byte = bit >> 3;
    if (byte >= bytes.length) return;
    if (Math.floor(value / 2 ** i) % 2 === 1) bytes[byte]! |= 1 << (bit & 7);
    else bytes[byte]! &= ~(1 << (bit & 7));
  }
}

/** What one input report says about each telephony usage it carries: usage → 1 (on) or 0 (off). */
export function readTelephonyInput(layout: TelephonyLayout, reportId: number, data: DataView): Map<number, number> {
  const out = new Map<number, number>();
  for (const f of layout.inputs) {
    if (f.reportId !== reportId) continue;
    const raw = readBits(data, f.bitOffset, f.bitSize);
    if (!f.isArray) {
      // 0 is "off" for an absolute on/off control (0..1) and a relative one (-1..1) alike.
      out.set(f.usage, raw !== 0 ? 1 : 0);
      continue;
    }
    for (const u of f.arrayUsages ?? []) if (INPUT_USAGES.has(u) && !out.get(u)) out.set(u, 0);
    const named = f.arrayUsages?.[raw - f.logicalMinimum];
    if (named !== undefined && raw >= f.logicalMinimum && raw <= f.logicalMaximum && INPUT_USAGES.has(named)) out.set(named, 1);
  }
  return out;
}

/** The output reports that set each lamp the device has to `on` (usage → boolean; a usage not given is off). */
export function telephonyOutputReports(layout: TelephonyLayout, on: ReadonlyMap<number, boolean>): { reportId: number; data: Uint8Array<ArrayBuffer> }[] {
  const reports: { reportId: number; data: Uint8Array<ArrayBuffer> }[] = [];
  for (const [reportId, length] of layout.outputBytes) {
    const data = new Uint8Array(length);
    for (const f of layout.outputs) if (f.reportId === reportId) writeBits(data, f.bitOffset, f.bitSize, on.get(f.usage) ? Math.max(f.logicalMaximum, 1) : Math.max(f.logicalMinimum, 0));
    reports.push({ reportId, data });
  }
  return reports;
}
