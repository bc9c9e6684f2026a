/**
 * Commands about the client's own connection, not about the phone: which
 * events this client wants. The host that carries the connection (the web
 * host's WebSocket, the desktop window's IPC) answers them; the phone never
 * sees them. A host without connections of its own (the one-shot CLI, in
 * process) answers `unavailable`: it picks its events where it subscribes
 * to the bus (`parley --verbose` takes the trace).
 *
 *   connect ──▶ no `trace` events ──trace.follow {on:true}──▶ `trace` events
 *                     ▲                                           │
 *                     └────────────trace.follow {on:false}────────┘
 *
 * The SIP trace is opt-in because it is one event per SIP message: a burst
 * of 1,000 presence subscriptions is 3,000 messages to every page. What
 * came before a client followed, it asks the engine for
 * (`diagnostics.trace`, the last half hour the engine keeps).
 *
 * Imports nothing: the renderer compiles this file with DOM types and no Node.
 */

export interface TraceFollowParams {
  /** true: this connection gets every `trace` event from now on; false: none from now on. */
  on: boolean;
}

type Cmd<P, R> = { params: P; result: R };

export interface ConnectionCommands {
  /** Follow the SIP trace on this connection, or stop (off at connect). */
  'trace.follow': Cmd<TraceFollowParams, null>;
}

export const CONNECTION_COMMAND_NAMES = ['trace.follow'] as const satisfies readonly (keyof ConnectionCommands)[];

const allListed: Exclude<keyof ConnectionCommands, (typeof CONNECTION_COMMAND_NAMES)[number]> extends never ? true : false = true;
void allListed;

export type ConnectionCommandName = keyof ConnectionCommands;

export function isConnectionCommand(name: string): name is ConnectionCommandName {
  return (CONNECTION_COMMAND_NAMES as readonly string[]).includes(name);
}

/** What a host gives the dispatcher for one connection (`CommandContext.connection`). */
export interface ConnectionControl {
  'trace.follow'(params: TraceFollowParams): void;
}
