/**
 * The committed icons: valid PNGs of the sizes electron-builder and the tray
 * expect, drawn by build/scripts/make-icons.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { decodeSimplePng, encodePng } from '../../../build/scripts/png.ts';
import { APP_ICON_SIZES, TRAY_STATES } from '../../../build/scripts/make-icons.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (rel: string) => decodeSimplePng(readFileSync(join(root, rel)), inflateSync);

function opaqueShare(rgba: Uint8Array): number {
  let n = 0;
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i]! > 128) n++;
  return n / (rgba.length / 4);
}

function meanColor(rgba: Uint8Array): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i + 3]! < 200) continue;
    sum[0]! += rgba[i]!;
    sum[1]! += rgba[i + 1]!;
    sum[2]! += rgba[i + 2]!;
    n++;
  }
  return sum.map((s) => s / n) as [number, number, number];
}

test('the PNG encoder round-trips and checks its input', () => {
  const rgba = new Uint8Array(3 * 2 * 4).map((_, i) => (i * 37) & 255);
  const back = decodeSimplePng(encodePng(3, 2, rgba), inflateSync);
  assert.equal(back.width, 3);
  assert.equal(back.height, 2);
  assert.deepEqual([...back.rgba], [...rgba]);
  assert.throws(() => encodePng(3, 2, new Uint8Array(5)), RangeError);
  const corrupt = encodePng(3, 2, rgba);
  corrupt[20] ^= 0xff;
  assert.throws(() => decodeSimplePng(corrupt, inflateSync), /CRC/);
});

test('app icons exist in every size electron-builder uses, square, mostly opaque', () => {
  for (const size of APP_ICON_SIZES) {
    const png = read(`build/icons/${size}x${size}.png`);
    assert.equal(png.width, size);
    assert.equal(png.height, size);
    assert.ok(opaqueShare(png.rgba) > 0.6, `${size}px icon is mostly opaque`);
  }
  assert.equal(read('resources/icons/parley.png').width, 256);
});

test('tray icons: one per state, with DND variants and @2x, colours that tell states apart', () => {
  const colours = new Map<string, [number, number, number]>();
  for (const state of Object.keys(TRAY_STATES)) {
    for (const suffix of ['', '-dnd']) {
      const one = read(`resources/icons/tray-${state}${suffix}.png`);
      const two = read(`resources/icons/tray-${state}${suffix}@2x.png`);
      assert.equal(one.width, 16);
      assert.equal(two.width, 32);
      assert.ok(opaqueShare(two.rgba) > 0.3 && opaqueShare(two.rgba) < 0.95, `${state}${suffix} has a shape, not a filled square`);
    }
    colours.set(state, meanColor(read(`resources/icons/tray-${state}@2x.png`).rgba));
  }
  const [g, a, r] = [colours.get('registered')!, colours.get('registering')!, colours.get('failed')!];
  assert.ok(g[1] > g[0], 'registered is green');
  assert.ok(r[0] > r[1] + 60, 'failed is red');
  assert.ok(a[0] > a[2] + 60, 'registering is amber');
});
