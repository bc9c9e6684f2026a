/**
 * A libopus WebAssembly module driven through libopus's own C API, for the
 * codecs bench to time candidate builds beside the one Parley ships: our own
 * (scripts/build-opus-wasm.sh) or @evan/opus's wasm/opus.wasm and
 * wasm/simd.wasm, which export the same functions (opus_encoder_get_size,
 * opus_encoder_init, opus_encode, opus_encoder_ctl_set, the decoder's
 * counterparts, malloc, free). The encoder gets the settings Parley's Opus
 * encoder uses; PCM and packets are copied in and out of the module's memory
 * on every call, as a codec would.
 */
import { readFileSync } from 'node:fs';

/** The part of the WebAssembly global used here (the project's TypeScript libs do not declare it). */
interface WasmModule {
  readonly brand: 'WebAssembly.Module';
}
interface WasmApi {
  Module: { new (bytes: Uint8Array): WasmModule; imports(m: WasmModule): { module: string; name: string; kind: string }[] };
  Instance: new (m: WasmModule, imports: Record<string, Record<string, () => number>>) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface RawOpusExports {
  memory: { buffer: ArrayBuffer };
  _initialize?: () => void;
  malloc(bytes: number): number;
  opus_encoder_get_size(channels: number): number;
  opus_encoder_init(st: number, rate: number, channels: number, application: number): number;
  opus_encode(st: number, pcm: number, frame: number, data: number, max: number): number;
  opus_encoder_ctl_set(st: number, request: number, value: number): number;
  opus_decoder_get_size(channels: number): number;
  opus_decoder_init(st: number, rate: number, channels: number): number;
  opus_decode(st: number, data: number, len: number, pcm: number, frame: number, fec: number): number;
}

/** One encoder and one decoder, 48 kHz mono. */
export interface RawOpusPair {
  encode(pcm: Int16Array): Uint8Array;
  decode(packet: Uint8Array): Int16Array;
}

const modules = new Map<string, WasmModule>();

/** Compiled once per file, so a second pair of the same build runs the code already tiered up. */
function moduleOf(file: string): WasmModule {
  let m = modules.get(file);
  if (!m) {
    m = new wasm.Module(readFileSync(file));
    modules.set(file, m);
  }
  return m;
}

/** Each import the module names answers 0: the codec calls none of them (they are libc's I/O and exit, and emscripten's growth notice). */
function stubImports(m: WasmModule): Record<string, Record<string, () => number>> {
  const imports: Record<string, Record<string, () => number>> = {};
  for (const i of wasm.Module.imports(m)) {
    if (i.kind !== 'function') throw new Error(`${i.module}.${i.name}: a ${i.kind} import is not supported`);
    (imports[i.module] ??= {})[i.name] = () => 0;
  }
  return imports;
}

/** `settings` are [ctl request, value] pairs applied to the encoder (opus_defines.h numbers). */
export function rawOpusPair(file: string, settings: readonly (readonly [number, number])[]): RawOpusPair {
  const m = moduleOf(file);
  const x = new wasm.Instance(m, stubImports(m)).exports as RawOpusExports;
  x._initialize?.();
  const enc = x.malloc(x.opus_encoder_get_size(1));
  const dec = x.malloc(x.opus_decoder_get_size(1));
  const check = (what: string, rc: number): number => {
    if (rc < 0) throw new Error(`${file}: ${what} failed (${rc})`);
    return rc;
  };
  check('opus_encoder_init', x.opus_encoder_init(enc, 48000, 1, 2048));
  check('opus_decoder_init', x.opus_decoder_init(dec, 48000, 1));
  for (const [request, value] of settings) check(`encoder ctl ${request}`, x.opus_encoder_ctl_set(enc, request, value));
  const pcmPtr = x.malloc(5760 * 2);
  const packetPtr = x.malloc(4000);
  return {
    encode(pcm) {
      new Int16Array(x.memory.buffer, pcmPtr, pcm.length).set(pcm);
      const n = check('opus_encode', x.opus_encode(enc, pcmPtr, pcm.length, packetPtr, 4000));
      return new Uint8Array(x.memory.buffer, packetPtr, n).slice();
    },
    decode(packet) {
      new Uint8Array(x.memory.buffer, packetPtr, packet.length).set(packet);
      const n = check('opus_decode', x.opus_decode(dec, packetPtr, packet.length, pcmPtr, 5760, 0));
      return new Int16Array(x.memory.buffer, pcmPtr, n).slice();
    },
  };
}
