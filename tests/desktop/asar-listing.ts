/**
 * Lists the files in an Electron .asar archive, for the packaging check.
 *
 * Format (electron/asar): a Chromium Pickle holding the header size, then a
 * Pickle holding the header, a JSON tree of { files: { name: { files | size,
 * offset | link } } }, then the file contents. Concretely the first 16 bytes
 * are four little-endian u32: 4 (payload size of the first pickle), the
 * header pickle's size, its payload size, and the JSON string's length; the
 * JSON starts at byte 16. Read here directly, so the check does not depend on
 * a transitive package's API.
 */
import { closeSync, openSync, readSync } from 'node:fs';

interface AsarNode {
  files?: Record<string, AsarNode>;
  size?: number;
  offset?: string;
  link?: string;
  unpacked?: boolean;
}

export interface AsarEntry {
  /** '/out/main/main.js' style, as `asar list` prints. */
  path: string;
  size: number;
  unpacked: boolean;
}

export function readAsarHeader(file: string): AsarNode {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    if (readSync(fd, head, 0, 16, 0) !== 16) throw new Error(`${file}: too short for an asar archive`);
    if (head.readUInt32LE(0) !== 4) throw new Error(`${file}: not an asar archive`);
    const jsonLength = head.readUInt32LE(12);
    if (jsonLength > 64 * 1024 * 1024) throw new Error(`${file}: asar header of ${jsonLength} bytes is implausible`);
    const json = Buffer.alloc(jsonLength);
    readSync(fd, json, 0, jsonLength, 16);
    return JSON.parse(json.toString('utf8')) as AsarNode;
  } finally {
    closeSync(fd);
  }
}

export function listAsar(file: string): AsarEntry[] {
  const out: AsarEntry[] = [];
  const walk = (node: AsarNode, prefix: string) => {
    for (const [name, child] of Object.entries(node.files ?? {})) {
      const path = `${prefix}/${name}`;
      if (child.files) walk(child, path);
      else out.push({ path, size: child.size ?? 0, unpacked: child.unpacked === true });
    }
  };
  walk(readAsarHeader(file), '');
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}
