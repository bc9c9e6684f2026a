import { describe, expect, it } from 'vitest';
import { REPORT_MS, watchActivity, type ActivityTarget } from './activity.ts';
import { conversationRequest } from './message-notice.ts';

class Target implements ActivityTarget {
  visibilityState = 'visible';
  readonly listeners = new Map<string, Set<() => void>>();
  addEventListener(type: string, l: () => void): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(l);
  }
  removeEventListener(type: string, l: () => void): void {
    this.listeners.get(type)?.delete(l);
  }
  fire(type: string): void {
    for (const l of this.listeners.get(type) ?? []) l();
  }
  get count(): number {
    return [...this.listeners.values()].reduce((n, s) => n + s.size, 0);
  }
}

describe('use of the page (away after idle)', () => {
  it('reports at start, then at most once per half-minute of input; a page coming back into view counts; stop removes every listener', () => {
    const win = new Target();
    const doc = new Target();
    let t = 0;
    let reports = 0;
    const stop = watchActivity(win, doc, () => reports++, () => t);
    expect(reports).toBe(1);
    win.fire('pointermove');
    win.fire('keydown');
    expect(reports).toBe(1);
    t += REPORT_MS;
    win.fire('keydown');
    expect(reports).toBe(2);
    t += REPORT_MS;
    doc.visibilityState = 'hidden';
    doc.fire('visibilitychange');
    expect(reports).toBe(2);
    doc.visibilityState = 'visible';
    doc.fire('visibilitychange');
    expect(reports).toBe(3);
    stop();
    expect(win.count + doc.count).toBe(0);
  });
});

describe('conversation.open from the desktop (a message notification clicked)', () => {
  it('takes a SIP or tel address of bounded length, nothing else', () => {
    expect(conversationRequest({ event: 'conversation.open', data: { peer: 'sip:bob@example.com' } })).toBe('sip:bob@example.com');
    expect(conversationRequest({ event: 'conversation.open', data: { peer: 'tel:+15550100' } })).toBe('tel:+15550100');
    expect(conversationRequest({ event: 'conversation.open', data: { peer: 'javascript:alert(1)' } })).toBeUndefined();
    expect(conversationRequest({ event: 'conversation.open', data: { peer: `sip:${'a'.repeat(2000)}@x` } })).toBeUndefined();
    expect(conversationRequest({ event: 'conversation.open', data: { peer: 'sip:a b@x' } })).toBeUndefined();
    expect(conversationRequest({ event: 'link.open', data: { peer: 'sip:bob@example.com' } })).toBeUndefined();
    expect(conversationRequest(null)).toBeUndefined();
  });
});
