/**
 * The built-in echo service behind the "Echo test" contact (issue "The phone"
 * §4): a user agent of its own on 127.0.0.1 (any free port) with one
 * identity, `sip:echo@127.0.0.1:<port>`, that answers every call at once and
 * sends back what it hears. The audio goes the real way — SIP over UDP, RTP,
 * the codecs, both jitter buffers — over loopback, so a new user who hears
 * their own voice knows their microphone, speaker and the phone's media path
 * all work.
 *
 * Each call's media session has an EchoDevice as both its speaker and its
 * microphone: what the session decodes in one tick is what it encodes in the
 * next. Calls are limited in number and length; it is a test, not a service.
 */
import type { MediaEngine } from '../media/session/media-engine.ts';
import type { MediaSession } from '../media/session/media-session.ts';
import { MediaClock } from '../media/session/media-clock.ts';
import { EchoDevice } from '../media/devices/echo-device.ts';
import { UserAgent, type IncomingCall } from '../sip/ua/index.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import { mediaHookFor, startIfNegotiated } from './call-media.ts';

export const ECHO_USER = 'echo';
const MAX_CALLS = 4;
const MAX_CALL_MS = 10 * 60_000;

export class EchoService {
  readonly #ua: UserAgent;
  readonly #media: MediaEngine;
  readonly #ticker: MediaClock;
  readonly #log: Logger;
  readonly #pending = new Map<string, MediaSession>();
  readonly #active = new Set<IncomingCall>();
  #uri: string | undefined;

  private constructor(media: MediaEngine, clock: Clock, logger: Logger) {
    this.#media = media;
    this.#log = logger.child('echo');
    this.#ticker = new MediaClock({ clock, onListenerError: (e) => this.#log.warn('echo tick failed', { error: String(e) }) });
    this.#ua = new UserAgent({
      listen: [{ protocol: 'udp', address: '127.0.0.1', port: 0 }],
      media: (info) => {
        const session = this.#media.createSession({ bindAddress: '127.0.0.1', srtp: 'optional', statsIntervalMs: 0, ticker: this.#ticker });
        this.#pending.set(info.callId, session);
        return mediaHookFor(session, () => {
          if (this.#pending.get(info.callId) === session) this.#pending.delete(info.callId);
        });
      },
      fallbackAccountId: ECHO_USER,
      userAgent: 'Parley echo',
      trace: false,
      clock,
      logger: this.#log,
    });
    this.#ua.on('incomingCall', (call) => this.#answer(call));
  }

  static async start(opts: { media: MediaEngine; clock: Clock; logger: Logger }): Promise<EchoService> {
    const service = new EchoService(opts.media, opts.clock, opts.logger);
    const [endpoint] = await service.#ua.start();
    if (!endpoint) throw new Error('the echo service could not listen');
    service.#uri = `sip:${ECHO_USER}@127.0.0.1:${endpoint.port}`;
    service.#ua.addAccount({ id: ECHO_USER, aor: service.#uri, displayName: 'Echo test', registerExpires: 0 });
    return service;
  }

  /** The address to call: `sip:echo@127.0.0.1:<port>`. */
  get uri(): string {
    return this.#uri!;
  }

  get activeCalls(): number {
    return this.#active.size;
  }

  async close(): Promise<void> {
    const calls = [...this.#active];
    await Promise.all(calls.map((c) => Promise.race([c.hangup(), new Promise((r) => setTimeout(r, 1000).unref())])));
    for (const s of this.#pending.values()) await s.stop();
    this.#ticker.stop();
    await this.#ua.close();
  }

  #answer(call: IncomingCall): void {
    const session = this.#pending.get(call.id);
    this.#pending.delete(call.id);
    if (!session || this.#active.size >= MAX_CALLS) {
      call.decline(486, 'Busy Here');
      void session?.stop();
      return;
    }
    const echo = new EchoDevice({ delayMs: 0 });
    session.setDevices({ source: echo.source, sink: echo.sink });
    this.#active.add(call);
    const limit = setTimeout(() => void call.hangup().catch(() => undefined), MAX_CALL_MS);
    limit.unref();
    call.on('ended', () => {
      clearTimeout(limit);
      this.#active.delete(call);
      void session.stop();
    });
    call
      .accept()
      .then(() => startIfNegotiated(session))
      .catch((e: unknown) => this.#log.warn('echo call not answered', { error: String(e) }));
  }
}
