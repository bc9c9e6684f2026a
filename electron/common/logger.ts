/**
 * One injected logger with dotted categories (`sip.transaction`, `media.jitter`).
 * Engine code never calls console.*; hosts decide where records go. Secrets
 * (passwords, Authorization values) must be redacted by the caller before
 * logging; `redactSecrets` helps with SIP text.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogRecord {
  level: LogLevel;
  category: string;
  message: string;
  data?: Record<string, unknown>;
}

export interface Logger {
  readonly category: string;
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
  child(category: string): Logger;
}

export type LogSink = (record: LogRecord) => void;

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(sink: LogSink, category = 'parley', minLevel: LogLevel = 'debug'): Logger {
  const min = order[minLevel];
  const emit = (level: LogLevel, message: string, data?: Record<string, unknown>) => {
    if (order[level] >= min) sink({ level, category, message, data });
  };
  return {
    category,
    debug: (m, d) => emit('debug', m, d),
    info: (m, d) => emit('info', m, d),
    warn: (m, d) => emit('warn', m, d),
    error: (m, d) => emit('error', m, d),
    child: (sub) => createLogger(sink, `${category}.${sub}`, minLevel),
  };
}

/** A logger that drops everything; the default where none is injected. */
export const nullLogger: Logger = createLogger(() => {}, 'null', 'error');

/** False when redactSecrets has nothing to redact in `text` (most SIP messages): it comes back as it is, unscanned. */
export function mayHoldSecret(text: string): boolean {
  return /authorization|password/i.test(text);
}

/** Redact credentials from SIP text before it is logged or traced. */
export function redactSecrets(text: string): string {
  if (!mayHoldSecret(text)) return text;
  return text
    .replace(/^((?:Proxy-)?Authorization\s*:\s*\S+\s).*$/gim, '$1<redacted>')
    .replace(/(\bpassword\s*[=:]\s*)("[^"]*"|\S+)/gi, '$1<redacted>');
}
