/**
 * The last records the engine logged, for `diagnostics.logs` (the
 * diagnostics bundle): info and above, at most `max` (the oldest go first),
 * each redacted when it is taken in — the data is JSON-encoded and passes
 * through `redactSecrets`, and any key that names a password, secret or
 * authorization is replaced — so nothing kept here can leak a credential.
 */
import type { EngineLogEntry } from '../api/diagnostics-api.ts';
import { redactSecrets, type Logger, type LogRecord } from '../common/logger.ts';

const SECRET_KEY = /pass(word)?|secret|authorization|token|ha1|nonce|cnonce/i;

export class LogRing {
  readonly #entries: EngineLogEntry[] = [];
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: { now: () => number; max?: number }) {
    this.#now = options.now;
    this.#max = options.max ?? 2000;
  }

  add(record: LogRecord): void {
    if (record.level === 'debug') return;
    const entry: EngineLogEntry = { time: this.#now(), level: record.level, category: record.category, message: redactSecrets(record.message) };
    if (record.data && Object.keys(record.data).length > 0) entry.data = redactData(record.data);
    this.#entries.push(entry);
    if (this.#entries.length > this.#max) this.#entries.splice(0, this.#entries.length - this.#max);
  }

  list(minutes?: number): EngineLogEntry[] {
    if (minutes === undefined) return [...this.#entries];
    const since = this.#now() - minutes * 60_000;
    return this.#entries.filter((e) => e.time >= since);
  }

  /** `base`, with every record it emits also kept here (children included). */
  tee(base: Logger): Logger {
    const wrap = (l: Logger): Logger => {
      const at = (level: LogRecord['level']) => (message: string, data?: Record<string, unknown>) => {
        this.add({ level, category: l.category, message, ...(data ? { data } : {}) });
        l[level](message, data);
      };
      return { category: l.category, debug: (m, d) => l.debug(m, d), info: at('info'), warn: at('warn'), error: at('error'), child: (c) => wrap(l.child(c)) };
    };
    return wrap(base);
  }
}

function redactData(data: Record<string, unknown>): string {
  let text: string;
  try {
    text = JSON.stringify(data);
    // Most records (a call ended, a dialog's id) name nothing secret anywhere, keys or values: kept as written, unscanned.
    if (!SECRET_KEY.test(text) && !/response=/i.test(text)) return text.slice(0, 4000);
    text = JSON.stringify(data, (key, value: unknown) => (key !== '' && SECRET_KEY.test(key) ? '<redacted>' : value));
  } catch {
    text = '"(unserialisable)"';
  }
  return redactSecrets(text)
    .replace(/((?:Proxy-)?Authorization\s*:\s*\S+\s)[^"\\]*/gi, '$1<redacted>')
    .replace(/(response|nonce|cnonce)=\\?"[^"\\]*\\?"/gi, '$1="<redacted>"')
    .slice(0, 4000);
}
