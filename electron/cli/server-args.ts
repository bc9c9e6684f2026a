/**
 * Command lines of `parley serve` and `parley users`, parsed apart from the
 * phone's commands (args.ts) because they share none of its account flags.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { UsageError, parseHostPort } from './args.ts';

export interface ServeOptions {
  domain?: string;
  binds: Array<{ host: string; port: number }>;
  tlsCert?: string;
  tlsKey?: string;
  tlsPort?: number;
  redirect: boolean;
  usersFile?: string;
  json: boolean;
  dataDir?: string;
  verbose: boolean;
  /** Requests per second allowed from one address (0: no limit). */
  rateLimit?: number;
  /** Challenge algorithms in order. */
  digest: Array<'SHA-256' | 'MD5'>;
}

export interface UsersOptions {
  action: 'add' | 'list' | 'remove';
  username?: string;
  aliases: string[];
  password?: string;
  passwordPrompt: boolean;
  displayName?: string;
  domain?: string;
  json: boolean;
  dataDir?: string;
}

function parse(argv: string[], options: ParseArgsOptionsConfig): { values: Record<string, string | string[] | boolean | undefined>; positionals: string[] } {
  try {
    const p = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: p.values as Record<string, string | string[] | boolean | undefined>, positionals: p.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

const DOMAIN = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function domainOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!DOMAIN.test(text)) throw new UsageError(`--domain: "${text}" is not a domain name (e.g. office.example)`);
  return text.toLowerCase();
}

export function parseServe(argv: string[]): ServeOptions {
  const p = parse(argv, {
    domain: { type: 'string' }, bind: { type: 'string', multiple: true }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' },
    'tls-port': { type: 'string' }, redirect: { type: 'boolean' }, users: { type: 'string' }, json: { type: 'boolean' },
    'data-dir': { type: 'string' }, verbose: { type: 'boolean', short: 'v' }, 'rate-limit': { type: 'string' }, digest: { type: 'string' },
  });
  const v = p.values;
  if (p.positionals.length > 0) throw new UsageError(`parley serve takes no arguments ("${p.positionals[0]}")`);
  const binds = ((v.bind as string[] | undefined) ?? ['127.0.0.1:5060']).map((b) => {
    const hp = parseHostPort('bind', b);
    return { host: hp.host, port: /:\d+$/.test(b) ? hp.port : 5060 };
  });
  if ((v['tls-cert'] === undefined) !== (v['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const tlsPort = v['tls-port'] !== undefined ? Number(v['tls-port']) : undefined;
  if (tlsPort !== undefined && (!Number.isInteger(tlsPort) || tlsPort < 0 || tlsPort > 65535)) throw new UsageError(`--tls-port: "${String(v['tls-port'])}" is not a port`);
  const rateText = v['rate-limit'] as string | undefined;
  const rateLimit = rateText !== undefined ? Number(rateText) : undefined;
  if (rateLimit !== undefined && (!Number.isFinite(rateLimit) || rateLimit < 0)) throw new UsageError(`--rate-limit wants requests per second (0 = none), not "${rateText}"`);
  const digest = ((v.digest as string | undefined) ?? 'sha-256,md5').split(',').map((a) => a.trim().toUpperCase());
  if (digest.length === 0 || digest.some((a) => a !== 'SHA-256' && a !== 'MD5')) throw new UsageError(`--digest wants sha-256, md5 or both in order (sha-256,md5), not "${String(v.digest)}"`);
  return {
    domain: domainOf(v.domain as string | undefined),
    binds,
    rateLimit,
    digest: digest as Array<'SHA-256' | 'MD5'>,
    tlsCert: v['tls-cert'] as string | undefined,
    tlsKey: v['tls-key'] as string | undefined,
    tlsPort,
    redirect: (v.redirect as boolean | undefined) ?? false,
    usersFile: v.users as string | undefined,
    json: (v.json as boolean | undefined) ?? false,
    dataDir: v['data-dir'] as string | undefined,
    verbose: (v.verbose as boolean | undefined) ?? false,
  };
}

export function parseUsers(argv: string[], env: NodeJS.ProcessEnv): UsersOptions {
  const p = parse(argv, {
    alias: { type: 'string', multiple: true }, password: { type: 'string' }, 'password-prompt': { type: 'boolean' },
    'display-name': { type: 'string' }, domain: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' },
  });
  const v = p.values;
  const [action, username, ...rest] = p.positionals;
  if (action !== 'add' && action !== 'list' && action !== 'remove') throw new UsageError('parley users wants add, list or remove');
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  if (action !== 'list' && (username === undefined || !/^[A-Za-z0-9_.!~*'()&=+$,;?\/-]+$/.test(username))) {
    throw new UsageError(`parley users ${action} wants a user name (letters, digits, - _ . +), e.g. parley users ${action} johndoe`);
  }
  const aliases = (v.alias as string[] | undefined) ?? [];
  for (const a of aliases) if (!/^[A-Za-z0-9_.!~*'()&=+$,;?\/-]+$/.test(a)) throw new UsageError(`--alias "${a}": the user part only (e.g. +554845678901), no sip: or @domain`);
  return {
    action,
    username,
    aliases,
    password: (v.password as string | undefined) ?? env.PARLEY_PASSWORD,
    passwordPrompt: (v['password-prompt'] as boolean | undefined) ?? false,
    displayName: v['display-name'] as string | undefined,
    domain: domainOf(v.domain as string | undefined),
    json: (v.json as boolean | undefined) ?? false,
    dataDir: v['data-dir'] as string | undefined,
  };
}
