/**
 * Line icons on a 24×24 grid, stroked with currentColor (drawn after the
 * Feather set's geometry). Each icon is a list of SVG path strings; the
 * helpers turn lines, polylines, circles and rectangles into paths so one
 * <path> element renders them all.
 */
const line = (x1: number, y1: number, x2: number, y2: number) => `M${x1} ${y1}L${x2} ${y2}`;
const poly = (...p: number[]) => p.reduce((d, v, i) => d + (i % 2 === 0 ? `${i === 0 ? 'M' : 'L'}${v}` : ` ${v}`), '');
const polygon = (...p: number[]) => `${poly(...p)}Z`;
const circle = (cx: number, cy: number, r: number) => `M${cx - r} ${cy}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0`;
const rect = (x: number, y: number, w: number, h: number, r = 0) =>
  r === 0
    ? `M${x} ${y}h${w}v${h}h${-w}Z`
    : `M${x + r} ${y}h${w - 2 * r}a${r} ${r} 0 0 1 ${r} ${r}v${h - 2 * r}a${r} ${r} 0 0 1 ${-r} ${r}h${-(w - 2 * r)}a${r} ${r} 0 0 1 ${-r} ${-r}v${-(h - 2 * r)}a${r} ${r} 0 0 1 ${r} ${-r}Z`;

const handset =
  'M22 16.92v3a2 2 0 0 1-2.18 2 19.79 19.79 0 0 1-8.63-3.07 19.5 19.5 0 0 1-6-6 19.79 19.79 0 0 1-3.07-8.67A2 2 0 0 1 4.11 2h3a2 2 0 0 1 2 1.72 12.84 12.84 0 0 0 .7 2.81 2 2 0 0 1-.45 2.11L8.09 9.91a16 16 0 0 0 6 6l1.27-1.27a2 2 0 0 1 2.11-.45 12.84 12.84 0 0 0 2.81.7A2 2 0 0 1 22 16.92z';

export const ICONS = {
  phone: [handset],
  'phone-incoming': [handset, poly(16, 2, 16, 8, 22, 8), line(23, 1, 16, 8)],
  'phone-outgoing': [handset, poly(23, 7, 23, 1, 17, 1), line(16, 8, 23, 1)],
  'phone-missed': [handset, line(23, 1, 17, 7), line(17, 1, 23, 7)],
  'phone-forwarded': [handset, poly(19, 1, 23, 5, 19, 9), line(15, 5, 23, 5)],
  mic: ['M12 1a3 3 0 0 0-3 3v8a3 3 0 0 0 6 0V4a3 3 0 0 0-3-3z', 'M19 10v2a7 7 0 0 1-14 0v-2', line(12, 19, 12, 23), line(8, 23, 16, 23)],
  'mic-off': [
    line(1, 1, 23, 23),
    'M9 9v3a3 3 0 0 0 5.12 2.12M15 9.34V4a3 3 0 0 0-5.94-.6',
    'M17 16.95A7 7 0 0 1 5 12v-2m14 0v2a7 7 0 0 1-.11 1.23',
    line(12, 19, 12, 23),
    line(8, 23, 16, 23),
  ],
  pause: [rect(6, 4, 4, 16, 1), rect(14, 4, 4, 16, 1)],
  play: [polygon(6, 3, 20, 12, 6, 21)],
  keypad: [circle(6, 5, 1), circle(12, 5, 1), circle(18, 5, 1), circle(6, 11, 1), circle(12, 11, 1), circle(18, 11, 1), circle(6, 17, 1), circle(12, 17, 1), circle(18, 17, 1), circle(12, 22, 0.6)],
  swap: [poly(17, 1, 21, 5, 17, 9), 'M3 11V9a4 4 0 0 1 4-4h14', poly(7, 23, 3, 19, 7, 15), 'M21 13v2a4 4 0 0 1-4 4H3'],
  user: ['M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2', circle(12, 7, 4)],
  users: ['M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2', circle(9, 7, 4), 'M23 21v-2a4 4 0 0 0-3-3.87', 'M16 3.13a4 4 0 0 1 0 7.75'],
  clock: [circle(12, 12, 10), poly(12, 6, 12, 12, 16, 14)],
  sliders: [line(4, 21, 4, 14), line(4, 10, 4, 3), line(12, 21, 12, 12), line(12, 8, 12, 3), line(20, 21, 20, 16), line(20, 12, 20, 3), line(1, 14, 7, 14), line(9, 8, 15, 8), line(17, 16, 23, 16)],
  at: [circle(12, 12, 4), 'M16 8v5a3 3 0 0 0 6 0v-1a10 10 0 1 0-3.92 7.94'],
  search: [circle(11, 11, 8), line(21, 21, 16.65, 16.65)],
  plus: [line(12, 5, 12, 19), line(5, 12, 19, 12)],
  trash: [poly(3, 6, 5, 6, 21, 6), 'M19 6v14a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V6m3 0V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2'],
  edit: ['M17 3a2.83 2.83 0 1 1 4 4L7.5 20.5 2 22l1.5-5.5L17 3z'],
  star: [polygon(12, 2, 15.09, 8.26, 22, 9.27, 17, 14.14, 18.18, 21.02, 12, 17.77, 5.82, 21.02, 7, 14.14, 2, 9.27, 8.91, 8.26)],
  'chevron-up': [poly(18, 15, 12, 9, 6, 15)],
  'chevron-down': [poly(6, 9, 12, 15, 18, 9)],
  'chevron-right': [poly(9, 18, 15, 12, 9, 6)],
  x: [line(18, 6, 6, 18), line(6, 6, 18, 18)],
  check: [poly(20, 6, 9, 17, 4, 12)],
  refresh: [poly(23, 4, 23, 10, 17, 10), 'M20.49 15a9 9 0 1 1-2.12-9.36L23 10'],
  backspace: ['M21 4H8l-7 8 7 8h13a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2z', line(18, 9, 12, 15), line(12, 9, 18, 15)],
  lock: [rect(3, 11, 18, 11, 2), 'M7 11V7a5 5 0 0 1 10 0v4'],
  volume: [polygon(11, 5, 6, 9, 2, 9, 2, 15, 6, 15, 11, 19), 'M19.07 4.93a10 10 0 0 1 0 14.14M15.54 8.46a5 5 0 0 1 0 7.07'],
  bell: ['M18 8A6 6 0 0 0 6 8c0 7-3 9-3 9h18s-3-2-3-9', 'M13.73 21a2 2 0 0 1-3.46 0'],
  'bell-off': ['M13.73 21a2 2 0 0 1-3.46 0', 'M18.63 13A17.89 17.89 0 0 1 18 8', 'M6.26 6.26A5.86 5.86 0 0 0 6 8c0 7-3 9-3 9h14', 'M18 8a6 6 0 0 0-9.33-5', line(1, 1, 23, 23)],
  sun: [circle(12, 12, 5), line(12, 1, 12, 3), line(12, 21, 12, 23), line(4.22, 4.22, 5.64, 5.64), line(18.36, 18.36, 19.78, 19.78), line(1, 12, 3, 12), line(21, 12, 23, 12), line(4.22, 19.78, 5.64, 18.36), line(18.36, 5.64, 19.78, 4.22)],
  moon: ['M21 12.79A9 9 0 1 1 11.21 3 7 7 0 0 0 21 12.79z'],
  monitor: [rect(2, 3, 20, 14, 2), line(8, 21, 16, 21), line(12, 17, 12, 21)],
  alert: [circle(12, 12, 10), line(12, 8, 12, 12), line(12, 16, 12.01, 16)],
  shield: ['M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z'],
  'arrow-left': [line(19, 12, 5, 12), poly(12, 19, 5, 12, 12, 5)],
  globe: [circle(12, 12, 10), line(2, 12, 22, 12), 'M12 2a15.3 15.3 0 0 1 4 10 15.3 15.3 0 0 1-4 10 15.3 15.3 0 0 1-4-10 15.3 15.3 0 0 1 4-10z'],
  hash: [line(4, 9, 20, 9), line(4, 15, 20, 15), line(10, 3, 8, 21), line(16, 3, 14, 21)],
  download: ['M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4', poly(7, 10, 12, 15, 17, 10), line(12, 15, 12, 3)],
  copy: [rect(9, 9, 13, 13, 2), 'M5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1'],
  activity: [poly(22, 12, 18, 12, 15, 21, 9, 3, 6, 12, 2, 12)],
  message: ['M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z'],
  send: [line(22, 2, 11, 13), polygon(22, 2, 15, 22, 11, 13, 2, 9)],
  'user-x': ['M16 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2', circle(8.5, 7, 4), line(18, 8, 23, 13), line(23, 8, 18, 13)],
  voicemail: [circle(5.5, 11.5, 4.5), circle(18.5, 11.5, 4.5), line(5.5, 16, 18.5, 16)],
  record: [circle(12, 12, 9), circle(12, 12, 4)],
  merge: ['M6 3v6a6 6 0 0 0 6 6h6', poly(15, 12, 18, 15, 15, 18), 'M6 21v-6'],
  split: ['M12 3v6', 'M12 9l-6 6v6', 'M12 9l6 6v6'],
} as const satisfies Record<string, readonly string[]>;

export type IconName = keyof typeof ICONS;
