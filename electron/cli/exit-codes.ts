/** Exit codes of the `parley` command, one per kind of outcome a script can act on. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  authFailed: 3,
  noAnswer: 4,
  busyOrDeclined: 5,
  network: 6,
  rejected: 7,
  /** Stopped by Ctrl-C / SIGTERM before the outcome was known (the shell convention 128 + SIGINT). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code for a call or registration that ended with a SIP final status. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status >= 200 && status < 300) return ExitCode.ok;
  if (status === 401 || status === 407 || status === 403) return ExitCode.authFailed;
  if (status === 408 || status === 480 || status === 487) return ExitCode.noAnswer;
  if (status === 486 || status === 600 || status === 603) return ExitCode.busyOrDeclined;
  if (status === 503) return ExitCode.network;
  return ExitCode.rejected;
}
