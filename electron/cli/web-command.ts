/**
 * `parley web`: the web host (docs/architecture.md §2). The engine, the API over one
 * WebSocket on 127.0.0.1 (api/ws-server.ts: Host/Origin checks, per-run
 * token), the built renderer served from the same port, and the browser as
 * the sound card (web-audio-bridge.ts). Prints
 *
 *   http://127.0.0.1:PORT/#token=…   (the fragment never reaches a server log)
 *
 * and opens it unless --no-open. --port 0 (the default) takes any free port,
 * so several runs never collide; a fixed --port makes the URL bookmarkable
 * (the token still changes every run). Accounts given by flags, or stored in
 * the data dir, are registered in the background: a refusal is reported but
 * the UI keeps running so the user can fix the account there.
 *
 * The page comes first: the server is up and the URL printed (and the browser
 * opened) before the engine starts. The engine then starts at once, while the
 * browser loads and runs the page (another process, another core): the two
 * take about as long, so waiting for the page to ask first (as before) made
 * the user wait for both in turn. Node has one thread, so the start runs in
 * slices (openInSlices) with a turn of the event loop between them, and the
 * page's files are answered in one step each (api/static-files.ts): a file
 * asked for during the start waits for one slice at most. Until the engine is
 * up the page says "Starting the phone…" and its commands wait for it
 * (starting-phone.ts). Measured by tests/bench/web-interactive.bench.ts.
 */
import { startApiServer, type ApiServer } from '../api/ws-server.ts';
import { initResampler } from '../media/audio/resampler.ts';
import { UsageError, type CliOptions } from './args.ts';
import { openBrowser } from './browser-open.ts';
import { CliError } from './cli-error.ts';
import { ExitCode } from './exit-codes.ts';
import type { Output } from './output.ts';
import type { PhoneSession } from './phone-session.ts';
import { findOrBuildRenderer } from './renderer-build.ts';
import type { StopSignal } from './stop-signal.ts';
import { startingPhone } from './starting-phone.ts';
import { createWebAudioBridge, type WebAudioBridge } from './web-audio-bridge.ts';

/**
 * Between two steps of the start: one turn of Node's event loop, so that the
 * page's requests that came in meanwhile are answered, and then, while the
 * page is asking for files, more turns until it has been quiet for
 * PAGE_QUIET_MS (at most PAGE_WAIT_MS). A page asks for its files in a burst
 * (the UI's chunks and style sheets, on up to six new connections: accept,
 * then read, then answer, each a turn of the loop); with one step of the
 * start (tens of milliseconds, a module load) between two turns, the last
 * file of the burst came several steps late.
 */
const PAGE_QUIET_MS = 4;
const PAGE_WAIT_MS = 30;
const letPageIn = async (server: ApiServer) => {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await server.whenQuiet(PAGE_QUIET_MS, PAGE_WAIT_MS);
};

/**
 * Opens the phone in slices: each module load (compile and top-level run of a
 * bundle chunk: the longest single steps of the start) is one slice, and the
 * session's open then finds them loaded. Loaded only now: the session brings
 * the API's validation and the engine.
 */
async function openInSlices(opts: CliOptions, output: Output, server: ApiServer): Promise<PhoneSession> {
  await letPageIn(server);
  const { PhoneSession } = await import('./phone-session.ts');
  for (const load of [() => import('../phone/map-phone-error.ts'), () => import('../phone/engine.ts'), () => import('../server-host/local-phone-system.ts')]) {
    await letPageIn(server);
    await load();
  }
  await letPageIn(server);
  return PhoneSession.open(opts, output, { phoneSystem: true, keepTrace: true });
}

export async function run(opts: CliOptions, output: Output, stop: StopSignal): Promise<ExitCode> {
  if (opts.positionals.length > 0) throw new UsageError(`parley web takes no arguments ("${opts.positionals[0]}")`);
  if (opts.tone !== undefined || opts.play !== undefined || opts.record !== undefined) {
    throw new UsageError('in parley web the browser is the microphone and speaker; --tone, --play and --record are for call, listen and echo');
  }
  const renderer = await findOrBuildRenderer((t) => process.stderr.write(`parley: ${t}\n`));
  if (!renderer.ok) output.error(`${renderer.reason}. Serving the API only.`, ExitCode.failure);
  // The page first, the phone beside it (starting-phone.ts): the browser loads the UI while the engine starts.
  const phone = startingPhone();
  let server: ApiServer;
  try {
    server = await startApiServer({
      dispatcher: phone.dispatcher,
      events: phone.events,
      host: '127.0.0.1',
      port: opts.port ?? 0,
      ...(renderer.ok ? { staticRoot: renderer.root } : {}),
      audio: phone.audio,
    });
  } catch (e) {
    const inUse = (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw new CliError(inUse ? `port ${opts.port} on 127.0.0.1 is in use: pick another --port, or --port 0 for any free one` : `cannot start the web server: ${(e as Error).message}`, ExitCode.failure);
  }
  let session: PhoneSession | undefined;
  let bridge: WebAudioBridge | undefined;
  let stopPlayback = () => {};
  try {
    const url = `${server.origin}/#token=${server.token}`;
    output.event({ event: 'web', data: { url, apiUrl: server.apiUrl } });
    const opening = renderer.ok && opts.open ? openBrowser(url) : undefined;
    try {
      // The engine starts now, beside the page's loading (see the top of this file); the audio bridge
      // resamples clients' frames synchronously (web-audio-bridge.ts), codecs load with the first call.
      [, session] = await Promise.all([initResampler(), openInSlices(opts, output, server)]);
    } catch (e) {
      phone.failed(e instanceof Error ? e.message : String(e));
      throw e;
    }
    const engineAudio = session.engine.audio;
    if (!engineAudio) throw new Error('the phone engine offers no client audio');
    bridge = createWebAudioBridge(engineAudio);
    const live = server;
    stopPlayback = bridge.startPlayback((frame) => live.sendAudio(frame));
    phone.started({ dispatcher: session.dispatcher, events: session.events, audio: bridge.hook });
    if (opening && !(await opening)) output.note('(no browser could be opened here; open the URL above yourself)');
    for (const account of session.registrable) {
      session.register(account).catch((e: unknown) => output.error((e as Error).message, e instanceof CliError ? e.exitCode : ExitCode.failure));
    }
    await stop.requested;
    return ExitCode.ok;
  } finally {
    phone.failed('the web host is stopping');
    stopPlayback();
    await server.close();
    bridge?.close();
    await session?.close();
  }
}
