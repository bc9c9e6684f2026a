/**
 * Netstrings (`<len>:<bytes>,`), the framing of baresip's ctrl_tcp module.
 */

export function encodeNetstring(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]);
}

/** Incremental decoder: push TCP chunks, get complete payloads. */
export class NetstringDecoder {
  #buf = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    const out: string[] = [];
    for (;;) {
      const colon = this.#buf.indexOf(0x3a);
      if (colon < 0) {
        if (this.#buf.length > 10) throw new Error('netstring: length prefix too long');
        break;
      }
      const lenText = this.#buf.subarray(0, colon).toString('ascii');
      if (!/^\d{1,9}$/.test(lenText)) throw new Error(`netstring: bad length "${lenText}"`);
      const len = Number(lenText);
      const end = colon + 1 + len;
      if (this.#buf.length < end + 1) break;
      if (this.#buf[end] !== 0x2c) throw new Error('netstring: missing trailing comma');
      out.push(this.#buf.subarray(colon + 1, end).toString('utf8'));
      this.#buf = this.#buf.subarray(end + 1);
    }
    return out;
  }
}
