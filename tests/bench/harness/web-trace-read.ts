/**
 * Reads one call's Chromium trace from web-trace.ts: the page's main-thread
 * tasks from Enter (the `wt-dial` mark) to the card saying Connected
 * (`wt-connected`), each with its wall and CPU (thread) time and what it spent
 * them in (script, style, layout, paint, GC…), forced style/layout inside
 * script with its stack, the page's other threads (the socket Worker, the
 * audio worklet), and where the V8 samples of each long task went.
 *
 *   node tests/bench/harness/web-trace-read.ts FILE [--detail] [--functions] [--thread TID] [--summary]
 *
 * --summary: one line (to stderr) — Enter → Connected, the main thread's CPU
 * and busy time in that window, and every Chromium process's CPU in it (a
 * tab title change, for one, costs Chromium's own top-chrome renderer 20–70
 * ms). --functions: self and inclusive sample time per function over the
 * window. --thread TID: the samples of another thread of the page's process.
 */
import { readFileSync } from 'node:fs';

interface Ev {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  tdur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown> & { data?: Record<string, unknown>; name?: string };
}

const file = process.argv[2] as string;
const detail = process.argv.includes('--detail');
const { traceEvents } = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: Ev[] };
const dialMark = traceEvents.find((e) => e.name === 'wt-dial');
const connMark = traceEvents.find((e) => e.name === 'wt-connected');
if (!dialMark) throw new Error('no dial mark');
const pid = dialMark.pid;
const tid = dialMark.tid;
const t0 = dialMark.ts;
const t1 = connMark?.ts ?? t0 + 200_000;
const ms = (us: number) => (us / 1000).toFixed(2);
const threadNames = new Map<string, string>();
for (const e of traceEvents) if (e.ph === 'M' && e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, String(e.args?.name));
console.log(`main thread ${threadNames.get(`${pid}:${tid}`)}; dial → connected ${ms(t1 - t0)} ms`);

const main = traceEvents.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && e.dur !== undefined).sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
const tops = main.filter((e) => e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask');
// Keep only outermost tasks.
const outer: Ev[] = [];
for (const e of tops) {
  const last = outer.at(-1);
  if (last && e.ts < last.ts + (last.dur ?? 0)) continue;
  outer.push(e);
}
const interesting = new Set([
  'FunctionCall',
  'EvaluateScript',
  'v8.compile',
  'UpdateLayoutTree',
  'Layout',
  'PrePaint',
  'Paint',
  'Layerize',
  'UpdateLayer',
  'MinorGC',
  'MajorGC',
  'V8.GC_SCAVENGER',
  'EventDispatch',
  'TimerFire',
  'FireAnimationFrame',
  'HitTest',
  'ParseHTML',
  'ScheduleStyleRecalculation',
  'InvalidateLayout',
  'Commit',
  'BeginMainThreadFrame',
  'RunMicrotasks',
  'v8.run',
  'ProfileCall',
  'IntersectionObserverController::computeIntersections',
  'UpdateLayoutTree',
  'ParseAuthorStyleSheet',
]);
let busy = 0;
let busyCpu = 0;
const totals = new Map<string, number>();
for (const task of outer) {
  const end = task.ts + (task.dur ?? 0);
  if (end < t0 - 2000 || task.ts > t1 + 2000) continue;
  if ((task.dur ?? 0) < 100 && !detail) continue;
  const kids = main.filter((e) => e !== task && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end && interesting.has(e.name));
  const byName = new Map<string, number>();
  for (const k of kids) {
    // Self-nesting (Layout inside FunctionCall) counted under both; report the names as is.
    byName.set(k.name, (byName.get(k.name) ?? 0) + (k.dur ?? 0));
  }
  if (task.ts >= t0 && task.ts <= t1) {
    busy += task.dur ?? 0;
    busyCpu += task.tdur ?? 0;
    for (const [n, d] of byName) totals.set(n, (totals.get(n) ?? 0) + d);
  }
  const what = kids
    .filter((k) => k.name === 'EventDispatch' || k.name === 'TimerFire' || k.name === 'FunctionCall')
    .slice(0, 3)
    .map((k) => `${k.name}${k.args?.data?.type ? `(${String(k.args.data.type)})` : ''}${k.args?.data?.functionName ? `(${String(k.args.data.functionName)})` : ''}${k.args?.data?.url ? `@${String(k.args.data.url).split('/').pop()}:${String(k.args?.data?.lineNumber)}` : ''}`)
    .join(' ');
  const parts = [...byName].sort((a, b) => b[1] - a[1]).map(([n, d]) => `${n} ${ms(d)}`).join(', ');
  console.log(`  +${ms(task.ts - t0).padStart(7)} ${ms(task.dur ?? 0).padStart(6)} ms (cpu ${ms(task.tdur ?? 0)})  ${what}  [${parts}]`);
}
console.log(`busy between dial and connected: ${ms(busy)} ms (cpu ${ms(busyCpu)}) of ${ms(t1 - t0)}`);
if (process.argv.includes('--summary')) {
  // CPU of every Chromium thread in the window: outermost tasks' thread time.
  const procNames = new Map<number, string>();
  for (const e of traceEvents) if (e.ph === 'M' && e.name === 'process_name') procNames.set(e.pid, String(e.args?.name));
  const cpuBy = new Map<string, number>();
  const lastEnd = new Map<string, number>();
  for (const e of traceEvents.filter((x) => x.ph === 'X' && (x.name === 'ThreadControllerImpl::RunTask' || x.name === 'RunTask') && x.ts >= t0 && x.ts <= t1).sort((a, b) => a.ts - b.ts)) {
    const k = `${e.pid}:${e.tid}`;
    if ((lastEnd.get(k) ?? 0) > e.ts) continue;
    lastEnd.set(k, e.ts + (e.dur ?? 0));
    const name = procNames.get(e.pid) ?? String(e.pid);
    if (name === 'Service: tracing.mojom.TracingService') continue;
    cpuBy.set(name, (cpuBy.get(name) ?? 0) + (e.tdur ?? 0));
  }
  const all = [...cpuBy.values()].reduce((a, b) => a + b, 0);
  console.error(`traced Enter → Connected ${ms(t1 - t0)} ms; page main thread CPU ${ms(busyCpu)} ms (busy ${ms(busy)}); all Chromium CPU ${ms(all)} ms [${[...cpuBy].map(([k, v]) => `${k.replace('Service: ', '')} ${ms(v)}`).join(', ')}]`);
  process.exit(0);
}
console.log(`  ${[...totals].sort((a, b) => b[1] - a[1]).map(([n, d]) => `${n} ${ms(d)}`).join(', ')}`);
// Forced layouts: Layout / UpdateLayoutTree inside a FunctionCall.
const fns = main.filter((e) => e.name === 'FunctionCall' && e.ts >= t0 && e.ts <= t1);
let forced = 0;
for (const l of main.filter((e) => (e.name === 'Layout' || e.name === 'UpdateLayoutTree') && e.ts >= t0 && e.ts <= t1)) {
  if (fns.some((f) => l.ts >= f.ts && l.ts + (l.dur ?? 0) <= f.ts + (f.dur ?? 0))) {
    forced += l.dur ?? 0;
    const stack = (l.args?.beginData as { stackTrace?: Array<{ functionName: string; url: string; lineNumber: number; columnNumber: number }> } | undefined)?.stackTrace ?? (l.args?.data?.stackTrace as never);
    console.log(`  forced ${l.name} +${ms(l.ts - t0)} ${ms(l.dur ?? 0)} ms ${stack ? JSON.stringify(stack.slice(0, 4).map((s) => `${s.functionName}@${s.url.split('/').pop()}:${s.lineNumber}:${s.columnNumber}`)) : ''}`);
  }
}
console.log(`forced style/layout inside JS: ${ms(forced)} ms`);
// Other threads of the page's process (the socket Worker, the audio worklet).
for (const [key, name] of threadNames) {
  const [p, t] = key.split(':').map(Number);
  if (p !== pid || t === tid) continue;
  const evs = traceEvents.filter((e) => e.pid === p && e.tid === t && e.ph === 'X' && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask') && e.ts >= t0 - 1000 && e.ts <= t1);
  if (evs.length === 0) continue;
  console.log(`thread ${name} (${t}): ${evs.length} tasks, ${ms(evs.reduce((s, e) => s + (e.dur ?? 0), 0))} ms`);
  if (detail) for (const e of evs) if ((e.dur ?? 0) > 50) console.log(`    +${ms(e.ts - t0)} ${ms(e.dur ?? 0)} (cpu ${ms(e.tdur ?? 0)})`);
}
// V8 CPU profile samples of the main thread (disabled-by-default-v8.cpu_profiler): self time by function per long task.
interface PNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; parent?: number }
const nodes = new Map<number, PNode>();
const samples: Array<{ ts: number; node: number }> = [];
const threadArg = process.argv.indexOf('--thread');
const profTid = threadArg > 0 ? Number(process.argv[threadArg + 1]) : tid;
const profiles = traceEvents.filter((e) => e.name === 'Profile' && e.pid === pid && e.tid === profTid);
for (const prof of profiles) {
  const id = (prof as unknown as { id: string }).id;
  let t = Number((prof.args?.data as { startTime: number }).startTime);
  for (const c of traceEvents.filter((e) => e.name === 'ProfileChunk' && e.pid === prof.pid && (e as unknown as { id: string }).id === id)) {
    const d = c.args?.data as { cpuProfile?: { nodes?: PNode[]; samples?: number[] }; timeDeltas?: number[] };
    for (const n of d.cpuProfile?.nodes ?? []) nodes.set(n.id, n);
    const s = d.cpuProfile?.samples ?? [];
    const dt = d.timeDeltas ?? [];
    for (let i = 0; i < s.length; i++) {
      t += dt[i] ?? 0;
      samples.push({ ts: t, node: s[i] as number });
    }
  }
}
const frameName = (n: PNode | undefined) => (n ? `${n.callFrame.functionName || '(anon)'}@${(n.callFrame.url ?? "").split("/").pop()}:${n.callFrame.lineNumber + 1}` : '?');
if (samples.length > 0) {
  const taskList = profTid === tid ? outer : traceEvents.filter((e) => e.pid === pid && e.tid === profTid && e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask');
  for (const task of taskList) {
    if (task.ts < t0 - 1000 || task.ts > t1 || (task.dur ?? 0) < 2000) continue;
    const inTask = samples.filter((s) => s.ts >= task.ts && s.ts <= task.ts + (task.dur ?? 0));
    const self = new Map<string, number>();
    const incl = new Map<string, number>();
    for (let i = 0; i < inTask.length; i++) {
      const s = inTask[i] as { ts: number; node: number };
      const w = ((inTask[i + 1]?.ts ?? task.ts + (task.dur ?? 0)) - s.ts) / 1000;
      addSample(self, incl, nodes.get(s.node), w);
    }
    console.log(`task +${ms(task.ts - t0)} (${ms(task.dur ?? 0)} ms), ${inTask.length} samples`);
    console.log(`   self: ${[...self].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(' | ')}`);
    console.log(`   incl: ${[...incl].filter(([k]) => !k.startsWith('(root)') && !k.startsWith('(program)')).sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(' | ')}`);
  }
}
if (process.argv.includes('--functions') && samples.length > 0) {
  const inWin = samples.filter((s) => s.ts >= t0 && s.ts <= t1);
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  for (let i = 0; i < inWin.length; i++) {
    const s = inWin[i] as { ts: number; node: number };
    const w = Math.min(1, ((inWin[i + 1]?.ts ?? t1) - s.ts) / 1000);
    const n = nodes.get(s.node);
    if (n?.callFrame.functionName === '(idle)') continue;
    addSample(self, incl, n, w);
  }
  console.log(`TOTAL self: ${[...self].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => `${k} ${v.toFixed(2)}`).join('\n   ')}`);
  console.log(`TOTAL incl: ${[...incl].sort((a, b) => b[1] - a[1]).slice(0, 60).map(([k, v]) => `${k} ${v.toFixed(2)}`).join('\n   ')}`);
}

/** A sample's weight on its own function (self) and once on each distinct function on its stack (incl). */
function addSample(self: Map<string, number>, incl: Map<string, number>, n: PNode | undefined, w: number): void {
  self.set(frameName(n), (self.get(frameName(n)) ?? 0) + w);
  const seen = new Set<string>();
  for (let p: PNode | undefined = n; p; p = p.parent !== undefined ? nodes.get(p.parent) : undefined) {
    const k = frameName(p);
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + w);
  }
}
