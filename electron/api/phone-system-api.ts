/**
 * The API of "Host a phone system on this computer": Parley's own registrar
 * and proxy (docs/server.md) run inside the phone for the other phones of an
 * office or a family, managed from Settings, the CLI (`parley users`) and any
 * API client. Its commands and its event live here, in their own block, and
 * join `Commands` / `Events` from commands.ts and events.ts.
 *
 * Off by default. It listens on 127.0.0.1 only ("this computer") unless the
 * user chooses `exposure: 'network'` explicitly.
 *
 * Imports nothing: the renderer compiles this file with DOM types and no Node.
 */

/** Where the phone system listens: this computer only (127.0.0.1), or every address of it (0.0.0.0). */
export const PHONE_SYSTEM_EXPOSURES = ['loopback', 'network'] as const;
export type PhoneSystemExposure = (typeof PHONE_SYSTEM_EXPOSURES)[number];

export const PHONE_SYSTEM_STATES = ['off', 'starting', 'running', 'failed'] as const;
export type PhoneSystemState = (typeof PHONE_SYSTEM_STATES)[number];

/** What the user chooses; kept in the phone system's own database (server.db in the data folder). */
export interface PhoneSystemSettings {
  enabled: boolean;
  /** The SIP domain the users belong to (their addresses are user@domain); default home.arpa (RFC 8375). */
  domain: string;
  exposure: PhoneSystemExposure;
  /** UDP and TCP port (default 5070: 5060/5061 are the phone's own). */
  port: number;
  /** Redirect server: answer calls with 302 and the callee's contacts instead of forwarding them. */
  redirect: boolean;
}

export type PhoneSystemPatch = Partial<PhoneSystemSettings>;

export interface PhoneSystemUser {
  username: string;
  displayName?: string;
  /** More user parts reaching the same phones: numbers (+554845678901, 45678901) or names. */
  aliases: string[];
  /** sip:username@domain */
  address: string;
  /** Phones registered for this user now. */
  registered: number;
  /** This Parley registers as this user (an account made for it). */
  thisComputer: boolean;
}

/** One registered phone (a binding of the location table, RFC 3261 §10). */
export interface PhoneSystemBinding {
  username: string;
  contact: string;
  /** Where its REGISTER came from: "udp 192.0.2.7:5062". */
  source: string;
  userAgent?: string;
  /** ms since epoch. */
  expiresAt: number;
}

/** A call going through the phone system's proxy. */
export interface PhoneSystemCall {
  /** The SIP Call-ID. */
  id: string;
  from: string;
  to: string;
  state: 'ringing' | 'talking';
  /** ms since epoch: when it started ringing, then when it was answered. */
  since: number;
}

export interface PhoneSystemSnapshot {
  settings: PhoneSystemSettings;
  state: PhoneSystemState;
  /** Why it is 'failed', in words (the port is taken…). */
  error?: string;
  /** "udp 127.0.0.1:5070", … while running. */
  listening: string[];
  users: PhoneSystemUser[];
  bindings: PhoneSystemBinding[];
  calls: PhoneSystemCall[];
  stats: { registrations: number; forwarded: number; redirects: number; authFailures: number; malformed: number };
}

export interface PhoneSystemUserInput {
  /** The user part of the address: letters, digits and - . _ ~ + (RFC 3261 "user" without escapes). */
  username: string;
  password: string;
  displayName?: string;
  aliases?: string[];
  /** Also make an account so that this Parley registers as this user (default false). */
  thisComputer?: boolean;
}

export interface PhoneSystemUserPatch {
  username: string;
  password?: string;
  /** null removes it. */
  displayName?: string | null;
  aliases?: string[];
}

export interface PhoneSystemUsernameParams {
  username: string;
}

type NoParams = Record<string, never>;

/** The phone system's commands (joined into `Commands`). */
export interface PhoneSystemCommands {
  'phoneSystem.get': { params: NoParams; result: PhoneSystemSnapshot };
  /** Turns it on or off, or changes domain, exposure, port, mode; restarts it when running. */
  'phoneSystem.update': { params: PhoneSystemPatch; result: PhoneSystemSnapshot };
  'phoneSystem.users.add': { params: PhoneSystemUserInput; result: PhoneSystemSnapshot };
  'phoneSystem.users.update': { params: PhoneSystemUserPatch; result: PhoneSystemSnapshot };
  /** Removes the user, their registrations, and this Parley's account for them. */
  'phoneSystem.users.remove': { params: PhoneSystemUsernameParams; result: PhoneSystemSnapshot };
}

export const PHONE_SYSTEM_COMMAND_NAMES = [
  'phoneSystem.get',
  'phoneSystem.update',
  'phoneSystem.users.add',
  'phoneSystem.users.update',
  'phoneSystem.users.remove',
] as const satisfies readonly (keyof PhoneSystemCommands)[];

const allListed: Exclude<keyof PhoneSystemCommands, (typeof PHONE_SYSTEM_COMMAND_NAMES)[number]> extends never ? true : false = true;
void allListed;

/** The phone system's event (joined into `Events`): the whole snapshot on every change (at most a few per second). */
export interface PhoneSystemEvents {
  phoneSystem: PhoneSystemSnapshot;
}
