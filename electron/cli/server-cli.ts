/**
 * `parley serve` and `parley users`: Parley as the phone system of a small
 * office or a family — registrar, proxy (or redirect server) for one domain —
 * and the subscribers it serves. The server keeps its own database
 * (server.db in the data dir: users with their aliases and digest H(A1)s,
 * and the location table, so a restart keeps the registrations).
 *
 *   parley serve --domain office.example [--bind 0.0.0.0:5060] [--tls-cert C --tls-key K] [--redirect] [--users FILE.json] [--json]
 *   parley users add johndoe --alias +554845678901 --alias 45678901 --password-prompt
 *   parley users list | remove johndoe
 *
 * Binds 127.0.0.1:5060 unless told otherwise: serving the network is a choice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { createLogger } from '../common/logger.ts';
import { ServerStore, ServerStoreError, SipServer, hashSecrets, type Binding, type ServerListen, type SubscriberRecord } from '../server/index.ts';
import { UsageError } from './args.ts';
import { CliError } from './cli-error.ts';
import { defaultDataDir } from './data-dir.ts';
import { ExitCode } from './exit-codes.ts';
import { parseServe, parseUsers, type ServeOptions, type UsersOptions } from './server-args.ts';
import { serverHelp } from './server-help.ts';
import { listenForStop } from './stop-signal.ts';

const out = (line: string) => void process.stdout.write(`${line}\n`);
const err = (line: string) => void process.stderr.write(`parley: ${line}\n`);

export async function runServerCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  let json = rest.includes('--json');
  if (rest.includes('--help') || rest.includes('-h')) {
    out(serverHelp[command === 'serve' ? 'serve' : 'users']);
    return ExitCode.ok;
  }
  try {
    if (command === 'serve') {
      const opts = parseServe(rest);
      json = opts.json;
      return await serve(opts, env);
    }
    const opts = parseUsers(rest, env);
    json = opts.json;
    return await users(opts, env);
  } catch (e) {
    const code = e instanceof UsageError ? ExitCode.usage : e instanceof CliError ? e.exitCode : e instanceof ServerStoreError ? ExitCode.failure : undefined;
    if (code === undefined) throw e;
    err(`${(e as Error).message}${code === ExitCode.usage ? `\nTry "parley help ${command}".` : ''}`);
    if (json) out(JSON.stringify({ event: 'error', data: { message: (e as Error).message, exitCode: code } }));
    return code;
  }
}

function openStore(dataDir: string | undefined, env: NodeJS.ProcessEnv): ServerStore {
  return new ServerStore(join(dataDir ?? defaultDataDir(env), 'server.db'));
}

// ── parley users ─────────────────────────────────────────────────────────────

async function users(opts: UsersOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const store = openStore(opts.dataDir, env);
  try {
    if (opts.action === 'list') {
      const list = store.subscribers();
      if (opts.json) out(JSON.stringify({ event: 'users', data: list.map((s) => ({ username: s.username, aliases: s.aliases, displayName: s.displayName, realm: s.realm })) }));
      else if (list.length === 0) out('no users yet: parley users add NAME --password-prompt');
      else for (const s of list) out(`${s.username}@${s.realm}${s.aliases.length ? `  aliases: ${s.aliases.join(', ')}` : ''}${s.displayName ? `  (${s.displayName})` : ''}`);
      return ExitCode.ok;
    }
    const username = opts.username as string;
    if (opts.action === 'remove') {
      if (!store.removeSubscriber(username)) throw new CliError(`no user "${username}"`, ExitCode.rejected);
      out(opts.json ? JSON.stringify({ event: 'user.removed', data: { username } }) : `removed ${username}`);
      return ExitCode.ok;
    }
    const domain = opts.domain ?? store.domain;
    if (domain === undefined) throw new UsageError('which domain are the users of? give --domain (it is remembered), e.g. --domain office.example');
    if (store.domain === undefined) store.domain = domain;
    const password = opts.passwordPrompt ? await promptPassword(`password for ${username}@${domain}: `) : opts.password;
    if (password === undefined || password === '') throw new UsageError('a password is needed: --password-prompt (or --password, or PARLEY_PASSWORD)');
    store.putSubscriber({ username, realm: domain, password, aliases: opts.aliases, displayName: opts.displayName });
    out(opts.json
      ? JSON.stringify({ event: 'user.added', data: { username, aliases: opts.aliases, realm: domain } })
      : `added ${username}@${domain}${opts.aliases.length ? ` (also ${opts.aliases.map((a) => `${a}@${domain}`).join(', ')})` : ''}`);
    return ExitCode.ok;
  } finally {
    store.close();
  }
}

/** Reads a password without echo on a terminal; from a pipe, the first line. */
async function promptPassword(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const rl = createInterface({ input: stdin });
    const line = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    rl.close();
    return line;
  }
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          stdin.off('data', onData);
          stdin.setRawMode(false);
          stdin.pause();
          process.stderr.write('\n');
          resolve(text);
          return;
        }
        if (ch === '\u0003') process.exit(ExitCode.interrupted);
        text = ch === '\u007f' ? text.slice(0, -1) : text + ch;
      }
    };
    stdin.on('data', onData);
  });
}

// ── parley serve ─────────────────────────────────────────────────────────────

interface UsersFileEntry {
  username: string;
  password: string;
  aliases?: string[];
  displayName?: string;
}

function readUsersFile(path: string, realm: string): SubscriberRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--users ${path}: ${(e as Error).message}`);
  }
  const list = Array.isArray(data) ? data : (data as { users?: unknown }).users;
  if (!Array.isArray(list)) throw new UsageError(`--users ${path}: expected [{"username": …, "password": …, "aliases": [...]}]`);
  return list.map((u: UsersFileEntry, i) => {
    if (typeof u?.username !== 'string' || typeof u.password !== 'string' || (u.aliases !== undefined && !Array.isArray(u.aliases))) {
      throw new UsageError(`--users ${path}: entry ${i + 1} needs "username" and "password" strings (and "aliases" as a list)`);
    }
    return { username: u.username, realm, ...hashSecrets(u.username, realm, u.password), aliases: (u.aliases ?? []).map(String), ...(u.displayName ? { displayName: u.displayName } : {}) };
  });
}

/**
 * The binding lines of one turn of the event loop, written in one go: under
 * load (hundreds of REGISTERs a second) a write per line was an eighth of
 * the server's CPU time (measured by tests/bench/server.bench.ts --cpu-prof).
 */
class LineBatch {
  #lines: string[] = [];
  #scheduled = false;

  add(line: string): void {
    this.#lines.push(line);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#lines.length === 0) return;
    const text = `${this.#lines.join('\n')}\n`;
    this.#lines = [];
    process.stdout.write(text);
  }
}

function bindingJson(b: Binding, now: number): Record<string, unknown> {
  return {
    contact: b.contact, q: b.q, expires: Math.max(0, Math.round((b.expiresAt - now) / 1000)),
    source: `${b.source.protocol}:${b.source.address}:${b.source.port}`,
    ...(b.instance ? { instance: b.instance } : {}), ...(b.userAgent ? { userAgent: b.userAgent } : {}),
  };
}

async function serve(opts: ServeOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const nursery = serverNursery();
  const store = openStore(opts.dataDir, env);
  const stop = listenForStop();
  let server: SipServer | undefined;
  try {
    const domain = opts.domain ?? store.domain;
    if (domain === undefined) throw new UsageError('which domain does this server serve? give --domain, e.g. --domain office.example');
    if (store.domain !== domain) store.domain = domain;
    const fromFile = opts.usersFile ? readUsersFile(opts.usersFile, domain) : [];
    const stale = store.subscribers().filter((s) => s.realm !== domain).map((s) => s.username);
    if (stale.length > 0) err(`${stale.join(', ')} were added for another domain and cannot log in: add them again (parley users add NAME --password-prompt)`);

    const tls = opts.tlsCert && opts.tlsKey ? { cert: readFileSync(opts.tlsCert), key: readFileSync(opts.tlsKey) } : undefined;
    const logger = createLogger((r) => {
      if (opts.verbose || r.level === 'warn' || r.level === 'error') process.stderr.write(`parley: [${r.category}] ${r.message}${r.data ? ` ${JSON.stringify(r.data)}` : ''}\n`);
    }, 'parley', opts.verbose ? 'debug' : 'warn');

    // UDP and TCP share a port (so Via/Record-Route name one address); port 0 takes UDP's free port for TCP too.
    const listen: ServerListen[] = [];
    server = new SipServer({
      domain, listen, store, users: fromFile, redirect: opts.redirect, logger, digestAlgorithms: opts.digest,
      ...(opts.rateLimit !== undefined ? { guard: { ratePerSecond: opts.rateLimit, burst: Math.max(1, opts.rateLimit * 2) } } : {}),
    });
    const endpoints = [];
    for (const b of opts.binds) {
      const probe = new SipServer({ domain, listen: [{ protocol: 'udp', address: b.host, port: b.port }] });
      const port = b.port === 0 ? (await probe.start())[0]!.port : b.port;
      await probe.close();
      listen.push({ protocol: 'udp', address: b.host, port }, { protocol: 'tcp', address: b.host, port });
      if (tls) listen.push({ protocol: 'tls', address: b.host, port: opts.tlsPort ?? (port === 0 ? 0 : port + 1), tls });
    }
    try {
      endpoints.push(...(await server.start()));
    } catch (e) {
      throw new CliError(`cannot listen: ${(e as Error).message}`, ExitCode.network);
    }
    const mode = opts.redirect ? 'redirect server' : 'registrar and proxy';
    if (opts.json) out(JSON.stringify({ event: 'serving', data: { domain, mode, users: server.directory.size, bindings: server.location.size, endpoints } }));
    else {
      out(`serving ${domain} as ${mode} for ${server.directory.size} user(s) on ${endpoints.map((e) => `${e.protocol}:${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}`).join(', ')}`);
      if (server.location.size > 0) out(`${server.location.size} registration(s) kept from the last run`);
      out('Ctrl-C to stop');
    }
    const changes = new LineBatch();
    server.onBindings((c) => {
      const now = server!.location.now;
      if (opts.json) changes.add(JSON.stringify({ event: 'bindings', data: { aor: c.aor, bindings: c.bindings.map((b) => bindingJson(b, now)) } }));
      else if (c.bindings.length === 0) changes.add(`${c.aor}: not registered`);
      else changes.add(`${c.aor}: ${c.bindings.map((b) => `${b.contact} (${Math.round((b.expiresAt - now) / 1000)} s${b.q !== 1 ? `, q=${b.q}` : ''})`).join(', ')}`);
    });
    await stop.requested;
    changes.flush();
    const stats = server.stats;
    if (opts.json) out(JSON.stringify({ event: 'stats', data: stats }));
    else out(`stopped: ${stats.registrations} registrations, ${stats.forwarded} requests forwarded, ${stats.malformed} malformed, ${stats.rateLimited + stats.blocked} dropped`);
    return ExitCode.ok;
  } finally {
    await server?.close();
    store.close();
    stop.dispose();
    nursery.dispose();
  }
}

/** V8's semi-space size for a server (MB): measured best of 1, 8, 16, 32 (V8's maximum) and 64 (see below). */
const SERVER_SEMI_SPACE_MB = 16;

/**
 * V8's nursery for a server. process-setup.ts keeps it at 1 MB for an idle phone; a server allocating per
 * request then spends a third of its time in scavenges. Left to grow, V8 takes it to its 32 MB
 * maximum, which cost more than 16 MB (CPU per proxied call, server closed-loop on one pinned core:
 * 1 MB ≈ 1.1 ms, 32 MB ≈ 0.9–1.6 ms, 16 MB ≈ 0.7–0.8 ms, 8 MB ≈ 0.85–0.96 ms; the young objects of
 * a few hundred requests in flight fit in 16 MB, and 64 MB of nursery is more than the caches of a
 * shared core hold). `--max-semi-space-size` only works on Node's command line, so the growth is
 * steered instead: allowed while the nursery is smaller than 16 MB semi-spaces, stopped at that size
 * (and allowed again if V8 shrinks it when idle), checked after each garbage collection. A
 * semi-space flag of the user's (NODE_OPTIONS, node …) wins.
 */
function serverNursery(): { dispose(): void } {
  const given = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  // process-setup.ts turns V8's memory saver on for the phone; a server keeps V8's throughput-first heap.
  if (!/memory-saver/.test(given)) v8.setFlagsFromString('--no-memory-saver-mode');
  if (/semi-space/.test(given)) return { dispose: () => {} };
  const target = SERVER_SEMI_SPACE_MB * 2 * 1024 * 1024; // the new space is two semi-spaces
  let growing = true;
  v8.setFlagsFromString('--semi-space-growth-factor=2');
  const observer = new PerformanceObserver(() => {
    const size = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
    const grow = size < target;
    if (grow === growing) return;
    growing = grow;
    v8.setFlagsFromString(`--semi-space-growth-factor=${grow ? 2 : 1}`);
  });
  observer.observe({ entryTypes: ['gc'] });
  return { dispose: () => observer.disconnect() };
}
