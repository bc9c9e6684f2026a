/** Light, dark or the system's choice, applied as `data-theme` on <html> (app.css keys its colours on it). */
import type { Theme } from '../api/types.ts';

export type EffectiveTheme = 'light' | 'dark';

export function effectiveTheme(theme: Theme, prefersDark: boolean): EffectiveTheme {
  if (theme === 'light' || theme === 'dark') return theme;
  return prefersDark ? 'dark' : 'light';
}

/** Applies the theme now and whenever the system's preference changes; returns the stop function. */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): () => void {
  const query = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
  const set = () => {
    root.dataset.theme = effectiveTheme(theme, query?.matches ?? false);
  };
  set();
  if (theme !== 'system' || !query) return () => {};
  query.addEventListener('change', set);
  return () => query.removeEventListener('change', set);
}
