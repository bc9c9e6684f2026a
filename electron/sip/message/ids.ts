import { randomFillSync } from 'node:crypto';

/**
 * Identifiers with enough randomness to be unique across space and time:
 * branch (RFC 3261 §8.1.1.7, with the z9hG4bK magic cookie), tag (§19.3, at
 * least 32 random bits) and Call-ID (§8.1.1.4). Random bytes are drawn in
 * blocks so an identifier costs no system call.
 */
const POOL = Buffer.alloc(4096);
let poolPos = POOL.length;

function randomHex(bytes: number): string {
  if (poolPos + bytes > POOL.length) {
    randomFillSync(POOL);
    poolPos = 0;
  }
  const s = POOL.toString('hex', poolPos, poolPos + bytes);
  poolPos += bytes;
  return s;
}

export function newBranch(): string {
  return 'z9hG4bK' + randomHex(12);
}

export function newTag(): string {
  return randomHex(8);
}

export function newCallId(host?: string): string {
  const id = randomHex(16);
  return host ? `${id}@${host}` : id;
}
