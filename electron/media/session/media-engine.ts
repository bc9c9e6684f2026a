/**
 * The media engine of a process: holds the codec registry, the RTP port
 * range and the one 20 ms MediaClock every headless call ticks on, and makes
 * a MediaSession per call. The phone layer asks it for a session when a call
 * starts and hands that session to the SIP user agent as the call's
 * offer/answer hook (MediaOfferAnswer: createOffer / answerOffer / setAnswer).
 *
 * The media WASM (the resampler; libopus, ≈ 10 MB resident, only for a call
 * that negotiates Opus) is loaded with the first call, not at start-up: an
 * idle phone never needs it. createSession()
 * starts the load, and the engine's sessions wait for it before they apply
 * the peer's answer or answer its offer — the only ways to reach start(),
 * where the pipelines that use it are built — so no frame ever waits for it
 * (init-media.ts). A session's ports come from the engine's SparePortPair:
 * bound once the call that took the previous pair has its media started (or
 * stopped), a second after at the latest, so a call's offer or answer does
 * not bind sockets on its set-up path. Our own offer does not wait: it names codecs only, and the
 * INVITE goes out while the WASM compiles (the answer comes a round trip
 * later). Once loaded, nothing waits at all: the answer is applied in the
 * same turn it arrives.
 */
import type { Clock } from '../../common/clock.ts';
import { systemClock } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import { nullLogger } from '../../common/logger.ts';
import { initMedia, mediaLoaded, preloadOpus } from '../audio/init-media.ts';
import type { CodecRegistry } from '../codecs/codec-registry.ts';
import { defaultCodecRegistry } from '../codecs/codec-registry.ts';
import type { PortRange } from '../rtp/port-allocator.ts';
import { DEFAULT_RTP_PORT_RANGE, SparePortPair } from '../rtp/port-allocator.ts';
import type { FrameTicker } from './media-clock.ts';
import { MediaClock } from './media-clock.ts';
import type { MediaSessionOptions } from './media-session-options.ts';
import type { AnswerResult } from './media-session-options.ts';
import { MediaSession } from './media-session.ts';

export interface MediaEngineOptions {
  /** Where RTP sockets bind (default '0.0.0.0'). */
  bindAddress?: string;
  /** The address peers reach us at, for SDP; required with a wildcard bindAddress unless each session gives one. */
  advertisedAddress?: string;
  portRange?: PortRange;
  codecRegistry?: CodecRegistry;
  clock?: Clock;
  logger?: Logger;
  /** What paces headless audio; a MediaClock of its own by default. */
  ticker?: FrameTicker;
  /** Defaults for every session (codec order, SRTP policy, ptime, devices…). */
  sessionDefaults?: Partial<MediaSessionOptions>;
}

export class MediaEngine {
  readonly codecs: CodecRegistry;
  readonly ticker: FrameTicker;
  readonly portRange: Readonly<PortRange>;
  readonly #options: MediaEngineOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #sessions = new Set<MediaSession>();
  /** Sessions made ahead of a call (createSpare) until a call adopts them or they stop: not live, but closed with the engine. */
  readonly #spares = new Set<MediaSession>();
  readonly #ports: SparePortPair;

  /** Use MediaEngine.create(). */
  private constructor(options: MediaEngineOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? nullLogger;
    this.codecs = options.codecRegistry ?? defaultCodecRegistry;
    this.ticker = options.ticker ?? new MediaClock({ clock: this.#clock, onListenerError: (err) => this.#log.error('tick listener failed', { message: String(err) }) });
    this.portRange = options.portRange ?? DEFAULT_RTP_PORT_RANGE;
    this.#ports = new SparePortPair(this.#clock);
  }

  /** Loads nothing yet (the media WASM comes with the first call); async so that hosts need not change if that moves. */
  static async create(options: MediaEngineOptions = {}): Promise<MediaEngine> {
    return new MediaEngine(options);
  }

  /** Sessions not yet stopped (a stopped session leaves the engine at once: nothing of a call outlives it here). */
  get sessions(): readonly MediaSession[] {
    return [...this.#sessions];
  }

  /** How many sessions are live (diagnostics). */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** A new call's media. Nothing is bound until its first offer or answer. */
  createSession(options: Partial<MediaSessionOptions> = {}): MediaSession {
    const session = this.#make(options);
    this.#sessions.add(session);
    return session;
  }

  /**
   * A session like createSession's whose ports are bound only once `released` has settled: the session it replaces
   * (a spare made with other options) is still closing its sockets, and in a narrow port range (a firewall's few
   * ports) they may be the only ones.
   */
  createSessionAfter(released: Promise<unknown>, options: Partial<MediaSessionOptions> = {}): MediaSession {
    const allocate = options.allocatePorts ?? this.#ports.allocate;
    const settled = released.then(
      () => undefined,
      () => undefined,
    );
    return this.createSession({ ...options, allocatePorts: (request) => settled.then(() => allocate(request)) });
  }

  /**
   * A session made ahead of a call that may never come (call-service.ts keeps one after a call, so that the next
   * dial finds its sockets bound and its ICE host candidates gathered: MediaSession.prepare()). It is no call's
   * media, and not among the live sessions (a phone without calls has none), until adopt(); stop() it if unused.
   */
  createSpare(options: Partial<MediaSessionOptions> = {}): MediaSession {
    const session = this.#make(options);
    this.#spares.add(session);
    return session;
  }

  /** A spare (createSpare) becomes a call's media: counted among the live sessions from now on. */
  adopt(session: MediaSession): void {
    if (!(session instanceof EngineSession) || !this.#spares.delete(session) || session.state === 'stopped') return;
    this.#sessions.add(session);
  }

  #make(options: Partial<MediaSessionOptions>): EngineSession {
    const o = this.#options;
    const merged: MediaSessionOptions = {
      ...o.sessionDefaults,
      ...options,
      bindAddress: options.bindAddress ?? o.sessionDefaults?.bindAddress ?? o.bindAddress ?? '0.0.0.0',
      portRange: options.portRange ?? o.sessionDefaults?.portRange ?? this.portRange,
      codecRegistry: options.codecRegistry ?? this.codecs,
      allocatePorts: options.allocatePorts ?? this.#ports.allocate,
      ticker: options.ticker ?? this.ticker,
      clock: options.clock ?? this.#clock,
      logger: options.logger ?? this.#log.child('media'),
    };
    const advertised = options.advertisedAddress ?? o.sessionDefaults?.advertisedAddress ?? o.advertisedAddress;
    if (advertised !== undefined) merged.advertisedAddress = advertised;
    const session = new EngineSession(merged, {
      stopped: (stopped) => {
        this.#sessions.delete(stopped);
        this.#spares.delete(stopped);
        this.#ports.settled();
      },
      started: () => this.#ports.settled(),
    });
    // Start loading the media WASM after this turn (its compile is synchronous, init-media.ts): a dial's INVITE goes
    // first, and the answer a round trip later rarely waits for it.
    if (!mediaLoaded()) setImmediate(() => void initMedia().catch((err: unknown) => this.#log.error('media WASM failed to load', { message: String(err) })));
    return session;
  }

  /** Stops every session (RTCP BYE, sockets closed). */
  async close(): Promise<void> {
    this.#ports.close();
    const sessions = [...this.#sessions, ...this.#spares];
    this.#sessions.clear();
    this.#spares.clear();
    await Promise.all(sessions.map((s) => s.stop('engine closed')));
  }
}

/**
 * A MediaSession whose first offer or answer waits for the media WASM (see
 * the file comment) and that leaves the engine's set when it stops.
 */
class EngineSession extends MediaSession {
  readonly #on: { stopped: (session: EngineSession) => void; started: () => void };

  constructor(options: MediaSessionOptions, on: { stopped: (session: EngineSession) => void; started: () => void }) {
    super(options);
    this.#on = on;
  }

  override start(): void {
    super.start();
    this.#on.started();
  }

  override async stop(reason?: string): Promise<void> {
    // Out of the set first: a stop that fails half-way must not keep the call alive either.
    this.#on.stopped(this);
    return super.stop(reason);
  }

  override async setAnswer(answerSdp: string): Promise<void> {
    if (!mediaLoaded()) await initMedia();
    return super.setAnswer(answerSdp);
  }

  override async answerOffer(offerSdp: string): Promise<AnswerResult> {
    if (!mediaLoaded()) {
      try {
        await initMedia();
      } catch (err) {
        // Same contract as MediaSession: never throws for an offer; the caller answers 488.
        return { reject: 488, reason: `the media engine could not load: ${(err as Error).message}` };
      }
    }
    const result = await super.answerOffer(offerSdp);
    // An incoming call rings before its media starts: libopus loads meanwhile, after this turn (init-media.ts).
    if (this.negotiated?.codec.name.toLowerCase() === 'opus') {
      setImmediate(() => {
        if (this.state === 'negotiated') preloadOpus();
      });
    }
    return result;
  }
}
