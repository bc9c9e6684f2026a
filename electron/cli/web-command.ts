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
 */
import { startApiServer } from '../api/ws-server.ts';
import { initResampler } from '../media/audio/resampler.ts';
import { UsageError, type CliOptions } from './args.ts';
import { openBrowser } from './browser-open.ts';
import { CliError } from './cli-error.ts';
import { ExitCode } from './exit-codes.ts';
import type { Output } from './output.ts';
import { PhoneSession } from './phone-session.ts';
import { findOrBuildRenderer } from './renderer-build.ts';
import type { StopSignal } from './stop-signal.ts';
import { createWebAudioBridge } from './web-audio-bridge.ts';

export async function run(opts: CliOptions, output: Output, stop: StopSignal): Promise<ExitCode> {
  if (opts.positionals.length > 0) throw new UsageError(`parley web takes no arguments ("${opts.positionals[0]}")`);
  if (opts.tone !== undefined || opts.play !== undefined || opts.record !== undefined) {
    throw new UsageError('in parley web the browser is the microphone and speaker; --tone, --play and --record are for call, listen and echo');
  }
  const renderer = await findOrBuildRenderer((t) => process.stderr.write(`parley: ${t}\n`));
  if (!renderer.ok) output.error(`${renderer.reason}. Serving the API only.`, ExitCode.failure);
  // The audio bridge resamples clients' frames synchronously (web-audio-bridge.ts); codecs load with the first call.
  await initResampler();
  const session = await PhoneSession.open(opts, output, { phoneSystem: true });
  const engineAudio = session.engine.audio;
  if (!engineAudio) throw new Error('the phone engine offers no client audio');
  const bridge = createWebAudioBridge(engineAudio);
  let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
  let stopPlayback = () => {};
  try {
    try {
      server = await startApiServer({
        dispatcher: session.dispatcher,
        events: session.events,
        host: '127.0.0.1',
        port: opts.port ?? 0,
        ...(renderer.ok ? { staticRoot: renderer.root } : {}),
        audio: bridge.hook,
      });
    } catch (e) {
      const inUse = (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
      throw new CliError(inUse ? `port ${opts.port} on 127.0.0.1 is in use: pick another --port, or --port 0 for any free one` : `cannot start the web server: ${(e as Error).message}`, ExitCode.failure);
    }
    const live = server;
    stopPlayback = bridge.startPlayback((frame) => live.sendAudio(frame));
    const url = `${server.origin}/#token=${server.token}`;
    output.event({ event: 'web', data: { url, apiUrl: server.apiUrl } });
    if (opts.open && renderer.ok) {
      if (!(await openBrowser(url))) output.note('(no browser could be opened here; open the URL above yourself)');
    }
    for (const account of session.registrable) {
      session.register(account).catch((e: unknown) => output.error((e as Error).message, e instanceof CliError ? e.exitCode : ExitCode.failure));
    }
    await stop.requested;
    return ExitCode.ok;
  } finally {
    stopPlayback();
    await server?.close();
    bridge.close();
    await session.close();
  }
}
