/**
 * The engine's own log for the diagnostics bundle: the last records the
 * phone logged (info and above), already redacted, so a bug report carries
 * what the engine saw beside the SIP trace. Its own block of the contract,
 * joined into `Commands` by commands.ts.
 *
 * Imports nothing: the renderer compiles this file with DOM types and no Node.
 */

export interface EngineLogEntry {
  /** ms since epoch. */
  time: number;
  level: 'info' | 'warn' | 'error';
  /** Dotted category: "phone.sip.ua", "phone.media"… */
  category: string;
  message: string;
  /** The record's data as JSON, passwords and Authorization values redacted. */
  data?: string;
}

export interface DiagnosticsLogsParams {
  /** Only records of the last N minutes (default: all kept, at most the last 2,000). */
  minutes?: number;
}

type Cmd<P, R> = { params: P; result: R };

export interface DiagnosticsCommands {
  'diagnostics.logs': Cmd<DiagnosticsLogsParams, EngineLogEntry[]>;
}

export const DIAGNOSTICS_COMMAND_NAMES = ['diagnostics.logs'] as const satisfies readonly (keyof DiagnosticsCommands)[];
