/**
 * The engine's own log for the diagnostics bundle: the last records the
 * phone logged (info and above), already redacted, so a bug report carries
 * what the engine saw beside the SIP trace; and the SIP trace the engine
 * keeps (the last half hour), so a ladder opened after a call still shows
 * it although `trace` events reach only the clients that follow them.
 * Its own block of the contract, joined into `Commands` by commands.ts.
 *
 * Imports only types from snapshots.ts: the renderer compiles this file
 * with DOM types and no Node.
 */
import type { TraceEntry } from './snapshots.ts';


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

export interface DiagnosticsTraceParams {
  /** Only messages of the last N minutes (default: all kept — the last 30 minutes, at most 2,000 messages). */
  minutes?: number;
  /** Only the messages of this SIP Call-ID. */
  callId?: string;
}

type Cmd<P, R> = { params: P; result: R };

export interface DiagnosticsCommands {
  'diagnostics.logs': Cmd<DiagnosticsLogsParams, EngineLogEntry[]>;
  /** The SIP messages the engine kept, oldest first (redacted as the `trace` events are). */
  'diagnostics.trace': Cmd<DiagnosticsTraceParams, TraceEntry[]>;
}

export const DIAGNOSTICS_COMMAND_NAMES = ['diagnostics.logs', 'diagnostics.trace'] as const satisfies readonly (keyof DiagnosticsCommands)[];
