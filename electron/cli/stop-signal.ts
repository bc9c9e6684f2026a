/**
 * Ctrl-C and SIGTERM for a `parley` run: the first signal asks the command
 * to stop cleanly (hang up, unregister, close: phone-session.ts bounds each
 * step), a second one, or a clean stop that overruns `graceMs`, exits at
 * once with 130. A script can thus always stop parley within a bounded time.
 */
import { ExitCode } from './exit-codes.ts';

export interface StopSignal {
  /** Resolves with the signal's name when the run is asked to stop. */
  readonly requested: Promise<NodeJS.Signals>;
  readonly stopping: boolean;
  /** Removes the handlers (tests; the end of a run). */
  dispose(): void;
}

export function listenForStop(options: { graceMs?: number; onForcedExit?: () => void } = {}): StopSignal {
  const graceMs = options.graceMs ?? 6000;
  let stopping = false;
  let resolveRequested!: (s: NodeJS.Signals) => void;
  const requested = new Promise<NodeJS.Signals>((r) => (resolveRequested = r));
  const force = () => {
    options.onForcedExit?.();
    process.exit(ExitCode.interrupted);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return force();
    stopping = true;
    setTimeout(force, graceMs).unref();
    resolveRequested(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // "Until Ctrl-C" must hold even when nothing else (a socket, a timer) keeps the event loop alive.
  const keepAlive = setInterval(() => {}, 1 << 30);
  return {
    requested,
    get stopping() {
      return stopping;
    },
    dispose() {
      clearInterval(keepAlive);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
