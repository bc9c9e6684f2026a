/**
 * The `parley` command, testable without a process: parse the command
 * line, run one command, exit with a code a script can act on
 * (exit-codes.ts). Each command lives in its own module, loaded only when
 * asked for, so `parley help` and usage errors answer at once without
 * loading the engine.
 *
 *   args ─▶ UsageError ─────────────────────────────▶ exit 2 + one line and a hint
 *        ─▶ help ───────────────────────────────────▶ exit 0
 *        ─▶ <command>.run(opts, output, stop) ─▶ code ▶ exit code
 *                                     CliError ─────▶ its message, its code
 *                                     anything else ─▶ exit 1 (a bug)
 */
import { commands, parseCli, UsageError, type CliOptions, type CommandName } from './args.ts';
import { CliError } from './cli-error.ts';
import { ExitCode } from './exit-codes.ts';
import { helpText } from './help.ts';
import { Output } from './output.ts';
import { listenForStop, type StopSignal } from './stop-signal.ts';

export type CommandRunner = (opts: CliOptions, output: Output, stop: StopSignal) => Promise<ExitCode>;

const modules: Record<Exclude<CommandName, 'help'>, () => Promise<{ run: CommandRunner }>> = {
  register: () => import('./register-command.ts'),
  call: () => import('./call-command.ts'),
  message: () => import('./message-command.ts'),
  listen: () => import('./listen-command.ts'),
  watch: () => import('./watch-command.ts'),
  status: () => import('./status-command.ts'),
  echo: () => import('./echo-command.ts'),
  accounts: () => import('./accounts-command.ts'),
  forward: () => import('./forward-command.ts'),
  web: () => import('./web-command.ts'),
};

/** `parley call x --help` → "call"; `parley help listen` → "listen". */
function helpTopic(argv: readonly string[], opts: CliOptions): string | undefined {
  const named = argv.find((a) => (commands as readonly string[]).includes(a) && a !== 'help');
  return named ?? opts.positionals[0];
}

export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  hidePasswordFromProcessList(argv); // again, with the command's name (run-cli may be called without main.ts)
  // The SIP server's commands have their own flags (server-args.ts).
  if (argv[0] === 'serve' || argv[0] === 'users') {
    return (await import('./server-cli.ts')).runServerCli(argv, env);
  }
  let opts: CliOptions;
  try {
    opts = parseCli([...argv], env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`parley: ${e.message}\nTry "parley help" for the commands and options.\n`);
    return ExitCode.usage;
  }
  if (opts.command === 'help') {
    process.stdout.write(`${helpText(helpTopic(argv, opts))}\n`);
    return ExitCode.ok;
  }
  const output = new Output({ json: opts.json, verbose: opts.verbose });
  if (passwordOnCommandLine(argv)) {
    // The title hides it from `ps` once we run, but not before (nor from the shell's history).
    output.warn('--password on the command line can be read by other users of this machine while parley starts, and stays in your shell history; set PARLEY_PASSWORD instead');
  }
  const stop = listenForStop();
  let code: ExitCode;
  try {
    const { run } = await modules[opts.command]();
    code = await run(opts, output, stop);
  } catch (e) {
    if (e instanceof UsageError) {
      output.error(`${e.message}\nTry "parley help ${opts.command}".`, ExitCode.usage);
      code = ExitCode.usage;
    } else if (e instanceof CliError) {
      output.error(e.message, e.exitCode);
      code = e.exitCode;
    } else {
      output.error(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, ExitCode.failure);
      code = ExitCode.failure;
    }
  } finally {
    stop.dispose();
  }
  if (opts.json) output.event({ event: 'exit', data: { code } });
  return code;
}

/**
 * `--password X` on the command line is readable by every user of the machine
 * in the process list (/proc/PID/cmdline, `ps`). Setting the title rewrites
 * that memory on Linux and macOS (libuv's uv_set_process_title), so the list
 * shows `parley <command>` instead. PARLEY_PASSWORD in the environment is the
 * better way; `parley help` says so.
 */
function passwordOnCommandLine(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--password' || a.startsWith('--password='));
}

function hidePasswordFromProcessList(argv: readonly string[]): void {
  if (!passwordOnCommandLine(argv)) return;
  const command = argv.find((a) => (commands as readonly string[]).includes(a)) ?? '';
  process.title = `parley ${command}`.trim();
}
