import { afterEach, describe, expect, it, vi } from 'vitest';
import { TITLE_SETTLE_MS, WindowTitle } from './window-title.ts';

describe('the window title during calls', () => {
  afterEach(() => vi.useRealTimers());

  it('a ringing call is in the title at once; a dialled call only once its set-up is over', () => {
    vi.useFakeTimers();
    const target = { title: 'Parley' };
    const title = new WindowTitle(target);
    // Dialled: 'dialing', 'ringing', 'active' follow each other within milliseconds; the title waits for them.
    title.want('Bob · Parley', false);
    vi.advanceTimersByTime(TITLE_SETTLE_MS - 1);
    title.want('Bob · Parley', false);
    vi.advanceTimersByTime(TITLE_SETTLE_MS - 1);
    expect(target.title).toBe('Parley');
    vi.advanceTimersByTime(1);
    expect(target.title).toBe('Bob · Parley');
    // A call rings: now, and a pending change does not overwrite it later.
    title.want('Parley', false);
    title.want('Incoming: Carol · Parley', true);
    expect(target.title).toBe('Incoming: Carol · Parley');
    vi.advanceTimersByTime(TITLE_SETTLE_MS * 2);
    expect(target.title).toBe('Incoming: Carol · Parley');
  });

  it('sets nothing when the title is already the one asked for, and nothing after dispose', () => {
    vi.useFakeTimers();
    let writes = 0;
    let current = 'Parley';
    const target = {
      get title() {
        return current;
      },
      set title(t: string) {
        writes++;
        current = t;
      },
    };
    const title = new WindowTitle(target);
    title.want('Parley', false);
    title.want('Parley', true);
    vi.advanceTimersByTime(TITLE_SETTLE_MS);
    expect(writes).toBe(0);
    title.want('Bob · Parley', false);
    title.dispose();
    vi.advanceTimersByTime(TITLE_SETTLE_MS);
    expect(writes).toBe(0);
    expect(current).toBe('Parley');
  });
});
