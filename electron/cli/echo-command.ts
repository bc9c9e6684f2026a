/**
 * `parley echo`: an echo test line. Registers, answers every call and sends
 * the caller back what it hears (media/devices/echo-device.ts), optionally
 * recording it (--record); runs for --duration seconds or until Ctrl-C.
 */
import type { CliOptions } from './args.ts';
import type { ExitCode } from './exit-codes.ts';
import { listen } from './listen-command.ts';
import type { Output } from './output.ts';
import type { StopSignal } from './stop-signal.ts';

export function run(opts: CliOptions, output: Output, stop: StopSignal): Promise<ExitCode> {
  return listen(opts, output, stop, { echo: true, autoAnswer: true });
}
