/**
 * Draws Parley's icons from shapes and writes them as PNG (committed; run
 * again after changing a shape):
 *
 *   node build/scripts/make-icons.ts
 *
 *   build/icons/NxN.png             the app icon (electron-builder: Linux sizes
 *                                   from the folder, macOS from 1024, Windows from 256)
 *   resources/icons/parley.png      the window and notification icon (256 px)
 *   resources/icons/tray-STATE[-dnd].png and @2x
 *                                   the tray, one per registration state, with a
 *                                   "do not disturb" badge variant
 *
 * The glyph is a speech bubble with three dots (Parley: a conversation). Each
 * pixel is 4×4 supersampled against signed distance functions, so edges are
 * smooth at 16 px too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from './png.ts';

type Rgba = readonly [number, number, number, number];
/** Signed distance (in units of the icon's side) from a point to a shape: < 0 inside. */
type Sdf = (x: number, y: number) => number;
interface Layer {
  shape: Sdf;
  color: (x: number, y: number) => Rgba;
}

const roundedRect = (x0: number, y0: number, x1: number, y1: number, r: number): Sdf => (x, y) => {
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const qx = Math.abs(x - cx) - ((x1 - x0) / 2 - r);
  const qy = Math.abs(y - cy) - ((y1 - y0) / 2 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};

const circle = (cx: number, cy: number, r: number): Sdf => (x, y) => Math.hypot(x - cx, y - cy) - r;

/** Inside when on the inner side of all three edges (counter-clockwise or clockwise alike). */
const triangle = (a: [number, number], b: [number, number], c: [number, number]): Sdf => (x, y) => {
  const edge = (p: [number, number], q: [number, number]) => {
    const len = Math.hypot(q[0] - p[0], q[1] - p[1]);
    return ((q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])) / len;
  };
  const d = [edge(a, b), edge(b, c), edge(c, a)];
  const sign = Math.sign(d[0]! + d[1]! + d[2]!) || 1;
  return Math.max(...d.map((v) => -v * sign));
};

const union = (...shapes: Sdf[]): Sdf => (x, y) => Math.min(...shapes.map((s) => s(x, y)));
const solid = (c: Rgba) => () => c;
const hex = (h: string, a = 255): Rgba => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16), a];

function render(size: number, layers: Layer[]): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) / size;
          const y = (py + (sy + 0.5) / n) / size;
          // Composite the layers at this sample ("over", premultiplied).
          let sr = 0;
          let sg = 0;
          let sb = 0;
          let sa = 0;
          for (const layer of layers) {
            if (layer.shape(x, y) > 0) continue;
            const c = layer.color(x, y);
            const la = c[3] / 255;
            sr = c[0] * la + sr * (1 - la);
            sg = c[1] * la + sg * (1 - la);
            sb = c[2] * la + sb * (1 - la);
            sa = la + sa * (1 - la);
          }
          r += sr;
          g += sg;
          b += sb;
          a += sa;
        }
      }
      const i = (py * size + px) * 4;
      const k = n * n;
      out[i + 3] = Math.round((a / k) * 255);
      // Store straight (not premultiplied) colour, as PNG wants.
      out[i] = a > 0 ? Math.round(r / a) : 0;
      out[i + 1] = a > 0 ? Math.round(g / a) : 0;
      out[i + 2] = a > 0 ? Math.round(b / a) : 0;
    }
  }
  return out;
}

const bubble = union(roundedRect(0.2, 0.24, 0.8, 0.68, 0.12), triangle([0.3, 0.62], [0.46, 0.66], [0.26, 0.82]));
const dots = union(circle(0.36, 0.46, 0.05), circle(0.5, 0.46, 0.05), circle(0.64, 0.46, 0.05));

function appIcon(): Layer[] {
  const top = hex('#3b82f6');
  const bottom = hex('#1d4ed8');
  const gradient = (_x: number, y: number): Rgba => [0, 1, 2, 3].map((i) => top[i]! + (bottom[i]! - top[i]!) * y) as unknown as Rgba;
  return [
    { shape: roundedRect(0.06, 0.06, 0.94, 0.94, 0.22), color: gradient },
    { shape: bubble, color: solid(hex('#ffffff')) },
    { shape: dots, color: solid(hex('#1d4ed8')) },
  ];
}

export const TRAY_STATES = { registered: '#16a34a', registering: '#d97706', failed: '#dc2626', offline: '#6b7280' } as const;

/** The tray glyph fills the whole square: a bubble in the state's colour; DND adds a red "no entry" badge. */
function trayIcon(color: string, dnd: boolean): Layer[] {
  const k = 0.62; // the bubble spans 0.2–0.8 × 0.24–0.82 of the app icon: make it fill the tray square
  const scale = (s: Sdf): Sdf => (x, y) => s(0.5 + (x - 0.5) * k, 0.53 + (y - 0.5) * k) / k;
  const layers: Layer[] = [
    { shape: scale(bubble), color: solid(hex(color)) },
    { shape: scale(dots), color: solid(hex('#ffffff')) },
  ];
  if (dnd) {
    layers.push({ shape: circle(0.74, 0.74, 0.26), color: solid(hex('#ffffff')) });
    layers.push({ shape: circle(0.74, 0.74, 0.21), color: solid(hex('#b91c1c')) });
    layers.push({ shape: roundedRect(0.62, 0.70, 0.86, 0.78, 0.03), color: solid(hex('#ffffff')) });
  }
  return layers;
}

export const APP_ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;

export function writeIcons(root: string): string[] {
  const written: string[] = [];
  const write = (rel: string, size: number, layers: Layer[]) => {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, encodePng(size, size, render(size, layers)));
    written.push(rel);
  };
  for (const size of APP_ICON_SIZES) write(`build/icons/${size}x${size}.png`, size, appIcon());
  write('resources/icons/parley.png', 256, appIcon());
  for (const [state, color] of Object.entries(TRAY_STATES)) {
    for (const dnd of [false, true]) {
      const name = `resources/icons/tray-${state}${dnd ? '-dnd' : ''}`;
      write(`${name}.png`, 16, trayIcon(color, dnd));
      write(`${name}@2x.png`, 32, trayIcon(color, dnd));
    }
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const files = writeIcons(root);
  process.stdout.write(`wrote ${files.length} icons\n`);
}
