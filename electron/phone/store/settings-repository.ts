/**
 * Settings as key → JSON rows. Reading never fails on account of a stored
 * value: one that no longer passes its schema (written by an older build, or
 * edited by hand) reads as the default, with a warning. Writing validates.
 * All settings are read at once and kept (read-cache.ts) until this process
 * writes or another one commits: calls read several per call. Values are
 * handed out as copies, as before.
 */
import type { z } from 'zod';
import type { Logger } from '../../common/logger.ts';
import { nullLogger } from '../../common/logger.ts';
import { SETTING_KEYS, SETTING_SCHEMAS, SETTINGS_DEFAULTS, isSettingKey, type SettingKey, type Settings } from '../settings.ts';
import { ReadCache } from './read-cache.ts';
import type { Store } from './store.ts';
import { StoreError } from './store-error.ts';
import { plainInput, validate } from './validate.ts';

export class SettingsRepository {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #cache: ReadCache<Settings>;

  constructor(store: Store, logger: Logger = nullLogger) {
    this.#store = store;
    this.#log = logger.child('settings');
    this.#cache = new ReadCache(store, () => this.#read());
  }

  get<K extends SettingKey>(key: K): Settings[K] {
    checkKey(key);
    const value = this.#cache.get()[key];
    return typeof value === 'object' && value !== null ? structuredClone(value) : value;
  }

  /**
   * The value itself, not a copy: frozen (read-cache.ts), for readers on a
   * call's path that only look (the forwarding rule, the numbering plan, the
   * RTP ports) — a copy per INVITE of what did not change is most of what
   * reading a setting costs.
   */
  peek<K extends SettingKey>(key: K): Readonly<Settings[K]> {
    checkKey(key);
    return this.#cache.get()[key];
  }

  getAll(): Settings {
    return structuredClone(this.#cache.get());
  }

  #read(): Settings {
    const stored = new Map(this.#store.all('SELECT key, value FROM settings').map((r) => [String(r.key), r.value]));
    const out: Record<string, unknown> = {};
    for (const key of SETTING_KEYS) out[key] = stored.has(key) ? this.#decode(key, stored.get(key)) : structuredClone(SETTINGS_DEFAULTS[key]);
    return out as Settings;
  }

  set<K extends SettingKey>(key: K, value: Settings[K]): void {
    this.update({ [key]: value } as Partial<Settings>);
  }

  /** Validates every key first, then writes them in one transaction; returns all settings. */
  update(patch: Partial<Settings>): Settings {
    const entries = Object.entries(plainInput(patch, 'settings'));
    const rows = entries.map(([key, value]) => {
      checkKey(key);
      return [key, JSON.stringify(validate(SETTING_SCHEMAS[key] as z.ZodType<unknown>, value, `setting ${key}`))] as const;
    });
    this.#cache.write(() =>
      this.#store.transaction(() => {
        for (const [key, json] of rows) {
          this.#store.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, json);
        }
      }),
    );
    return this.getAll();
  }

  /** Back to the default: one key, or all of them. */
  reset(key?: SettingKey): void {
    if (key === undefined) {
      this.#cache.write(() => this.#store.run('DELETE FROM settings'));
      return;
    }
    checkKey(key);
    this.#cache.write(() => this.#store.run('DELETE FROM settings WHERE key = ?', key));
  }

  #decode<K extends SettingKey>(key: K, text: unknown): Settings[K] {
    let value: unknown;
    try {
      value = JSON.parse(String(text));
    } catch {
      value = undefined;
    }
    const parsed = SETTING_SCHEMAS[key].safeParse(value);
    if (parsed.success) return parsed.data as Settings[K];
    this.#log.warn('stored setting is not valid; using the default', { key });
    return structuredClone(SETTINGS_DEFAULTS[key]);
  }
}

function checkKey(key: unknown): asserts key is SettingKey {
  if (!isSettingKey(key)) {
    throw new StoreError('invalid', `settings: unknown setting ${JSON.stringify(key)}`, { issues: [{ path: String(key), message: 'is not a setting' }] });
  }
}
