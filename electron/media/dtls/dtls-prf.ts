/**
 * The TLS 1.2 pseudo-random function with SHA-256 (RFC 5246 §5) and what
 * DTLS 1.2 (RFC 6347) derives with it for our one cipher suite family
 * (ECDHE_*_WITH_AES_128_GCM_SHA256, RFC 5289):
 *
 *   master secret    PRF(pms, "master secret", client_random + server_random)   RFC 5246 §8.1
 *                    PRF(pms, "extended master secret", session_hash)          RFC 7627 §4
 *   key block        PRF(master, "key expansion", server_random + client_random) RFC 5246 §6.3
 *                    → client key 16, server key 16, client IV 4, server IV 4 (RFC 5288 §3)
 *   Finished         PRF(master, "client finished" | "server finished", SHA-256(transcript))[0..12]
 *   SRTP keys        PRF(master, "EXTRACTOR-dtls_srtp", client_random + server_random)  RFC 5705, RFC 5764 §4.2
 */
import { createHash, createHmac } from 'node:crypto';

/** P_SHA256(secret, label + seed) cut to `length` bytes (RFC 5246 §5). */
export function prf(secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'ascii'), seed]);
  const out: Buffer[] = [];
  let size = 0;
  let a: Buffer = labelSeed;
  while (size < length) {
    a = createHmac('sha256', secret).update(a).digest();
    const chunk = createHmac('sha256', secret).update(a).update(labelSeed).digest();
    out.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

export function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

export function masterSecret(preMaster: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, sessionHash: Uint8Array | undefined): Buffer {
  if (sessionHash) return prf(preMaster, 'extended master secret', sessionHash, 48);
  return prf(preMaster, 'master secret', Buffer.concat([clientRandom, serverRandom]), 48);
}

export interface RecordKeys {
  clientWriteKey: Buffer;
  serverWriteKey: Buffer;
  clientWriteIv: Buffer;
  serverWriteIv: Buffer;
}

export function keyBlock(master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): RecordKeys {
  const block = prf(master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 40);
  return {
    clientWriteKey: block.subarray(0, 16),
    serverWriteKey: block.subarray(16, 32),
    clientWriteIv: block.subarray(32, 36),
    serverWriteIv: block.subarray(36, 40),
  };
}

export function finishedVerifyData(master: Uint8Array, sender: 'client' | 'server', transcriptHash: Uint8Array): Buffer {
  return prf(master, `${sender} finished`, transcriptHash, 12);
}

/** RFC 5705 exporter without a context value, as RFC 5764 §4.2 uses it. */
export function exportKeyingMaterial(master: Uint8Array, label: string, clientRandom: Uint8Array, serverRandom: Uint8Array, length: number): Buffer {
  return prf(master, label, Buffer.concat([clientRandom, serverRandom]), length);
}
