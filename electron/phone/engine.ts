/**
 * The phone engine: the ONE place that joins the SIP user agent, the media
 * engine and the store (docs/architecture.md §2, §4), and
 * implements the API's PhoneApi. Every host (desktop glue, CLI, web host,
 * tests) starts it the same way:
 *
 *   const engine = await createPhoneEngine({ dataDir, secrets });
 *   const dispatcher = createDispatcher(engine.api, { mapError: mapPhoneError });
 *   engine.events.subscribe(...);        // registration, call, media.stats, trace…
 *   engine.audio.onCaptureFrame(frame, client) / onPlaybackFrame(cb)
 *   await engine.close();                // hangs up, unregisters, closes the store
 *
 * Start-up order: store (a damaged or newer database refuses to start, as a
 * StoreError), the SIP listeners (5060, or any free port when it is taken),
 * the direct account on the bound address, media, the echo service on
 * loopback, then the accounts' registrations. The media WASM (resampler,
 * libopus) is not loaded here but with the first call's offer or answer
 * (media-engine.ts): an idle phone is ≈ 10 MB smaller for it.
 */
import type { IceSettings } from '../media/ice/ice-transport.ts';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { createEventBus, type EventBus } from '../api/event-bus.ts';
import type { PhoneApi } from '../api/phone-api.ts';
import type { AudioDevice, TraceEntry } from '../api/snapshots.ts';
import { MediaEngine } from '../media/session/media-engine.ts';
import type { SipUri } from '../sip/message/index.ts';
import { TransportLayer } from '../sip/transport/transport-layer.ts';
import { TlsTrust } from '../sip/transport/tls-trust.ts';
import type { Endpoint, TransportProtocol } from '../sip/transport/transport.ts';
import { UserAgent, type AccountMatch, type SipTraceEntry } from '../sip/ua/index.ts';
import { systemClock, systemIdleTimers, type Clock } from '../common/clock.ts';
import { nullLogger, type Logger } from '../common/logger.ts';
import { IdleTimers } from '../common/idle-timers.ts';
import { AccountService } from './account-service.ts';
import { matchAlias, type AliasMatchAccount } from './alias-match.ts';
import { AudioRouter, type AudioDeviceFactory } from './audio-router.ts';
import { CallAdmission } from './call-admission.ts';
import { MessageAdmission } from './message-admission.ts';
import { CallService } from './call-service.ts';
import { ContactDirectory } from './contact-directory.ts';
import { readDiagnostics } from './diagnostics.ts';
import { TraceRing } from './trace-ring.ts';
import { DIRECT_ACCOUNT_ID, directAccount, hostForUri, reachableHost, type DirectAccountSettings } from './direct-account.ts';
import { applyDirectTrust } from './account-tls.ts';
import { EchoService } from './echo-service.ts';
import { MessageService } from './message-service.ts';
import { handleNetworkChange } from './network-change.ts';
import { DEFAULT_STREAM_KEEPALIVE_MS } from '../sip/ua/index.ts';
import { NetworkMonitor } from './network-monitor.ts';
import { createPhoneApi } from './phone-api.ts';
import { ForwardingService } from './call-forwarding.ts';
import { PhoneSystemService, type PhoneSystemFactory } from './phone-system.ts';
import { LogRing } from './log-ring.ts';
import { createEventServices } from './event-services.ts';
import type { NetworkChangeReason } from '../api/commands.ts';
import { Recordings, type DesktopShell } from './recordings.ts';
import { RegistrationService } from './registration-service.ts';
import { wallTime } from './wall-time.ts';
import { openPhoneStore, type PhoneStore } from './store/phone-store.ts';
import type { SecretStore } from './store/secret-store.ts';
import { StartCompaction } from './start-compaction.ts';
import { listenerCertificate, type ListenerCertificate } from './tls-listener-certificate.ts';

export { mapPhoneError } from './map-phone-error.ts';
export type { AudioDeviceFactory, CallAudioDevices } from './audio-router.ts';

export interface PhoneEngineOptions {
  dataDir: string;
  /**
   * `dataDir` is a temporary folder removed when the run ends (the CLI's account from flags): the database is
   * written without fsync (store.ts: synchronous OFF), as nothing in it outlives the process. Default false.
   */
  throwawayData?: boolean;
  secrets: SecretStore;
  logger?: Logger;
  /**
   * Keep the SIP messages of the last half hour for `diagnostics.trace` (a UI's ladders opened after
   * the call). Default true; the headless CLI commands, which have no ladders, turn it off and then
   * make the trace only while something takes 'trace' events (`--verbose`).
   */
  keepTrace?: boolean;
  clock?: Clock;
  /** SIP listeners: default 0.0.0.0 and :: on 5060 (any free port if taken); tests bind 127.0.0.1 port 0. */
  sip?: {
    bind?: { host: string; port: number }[];
    /** Default udp, tcp and tls (TLS on the SIP port + 1: 5061 beside 5060, RFC 3261 §26.2.2 / §19.1.2). */
    transports?: ('udp' | 'tcp' | 'tls')[];
    /** CAs trusted for every TLS server beside the system's (tests: their own CA). */
    tlsExtraCa?: string[];
    /** SO_RCVBUF of the UDP listeners (the OS default otherwise); a load test raises it so bursts are not dropped. */
    udpReceiveBufferBytes?: number;
    /**
     * NAT keep-alive interval of registered UDP flows without a Flow-Timer; 0 = none. Default: 25 s for the flows
     * that need one — none to a registrar on our own link that saw our own address (sip/ua/registration.ts).
     */
    keepAliveMs?: number;
  };
  /** Poll the machine's addresses and watch for sleep, refreshing registrations on a change (default true). */
  watchNetwork?: boolean;
  /** One memory-reducing GC once the start has settled and no call is up (start-compaction.ts; default true). */
  compactAfterStart?: boolean;
  /** A call whose peer sends no RTP and no RTCP for this long (while it should) is ended (default 30 s; 0 = never). */
  peerTimeoutMs?: number;
  /**
   * ICE for calls (RFC 8445): STUN and TURN servers for the candidates
   * (default: ICE with host candidates and the public address the registrar
   * saw); false = plain RTP only.
   */
  ice?: IceSettings | false;
  /**
   * Answer direct calls for any user at this address, from anyone (`parley
   * listen`/`echo`: that is what they are for). Default off: a call for a
   * user we don't have gets 404, and a direct call from a stranger rings only
   * with the callsFromStrangers setting (call-admission.ts).
   */
  answerAnyUser?: boolean;
  /** How long an unanswered incoming call rings before it ends with 480 (default 120 s). */
  ringTimeoutMs?: number;
  /** RTP port range for this run (`parley --rtp-ports`), instead of the stored setting. */
  rtpPorts?: { min: number; max: number };
  /** The built-in direct account's codecs, SRTP, privacy… for this run (`parley call --codecs PCMU` without --aor). */
  direct?: DirectAccountSettings;
  /** Recordings folder for this run (`parley --recordings-dir`), instead of the stored setting. */
  recordingsDir?: string;
  /** The desktop app's shell: opens and shows recordings from the history (recordings.ts). */
  shell?: DesktopShell;
  /** Headless devices per call (CLI, tests); without it the calls use the client frames of `audio`. */
  audio?: AudioDeviceFactory;
  /** Answer every incoming call on arrival, whatever its account says (`parley listen --auto-answer`). */
  autoAnswer?: boolean;
  /** "Host a phone system on this computer" (phone-system.ts); hosts that offer it pass electron/server-host's. */
  phoneSystem?: PhoneSystemFactory;
}

export interface EngineAudio {
  /** A 20 ms, 48 kHz mono capture frame from a client (renderer, WebSocket). */
  onCaptureFrame(frame: Int16Array, client: string): void;
  /** Mixed playback frames (20 ms, 48 kHz) of every call; returns the unsubscribe function. */
  onPlaybackFrame(cb: (frame: Int16Array) => void): () => void;
}

export interface PhoneEngine {
  api: PhoneApi;
  events: EventBus;
  audio: EngineAudio;
  close(): Promise<void>;
}

const DEFAULT_BIND = [
  { host: '0.0.0.0', port: 5060 },
  { host: '::', port: 5060 },
];

/**
 * Binds every (address, transport) pair; a busy port falls back to a free one, an unusable address is skipped.
 * TLS listens on the SIP port + 1 (5061) with the certificate of tls-listener-certificate.ts.
 */
async function listen(ua: UserAgent, opts: PhoneEngineOptions, log: Logger, tlsCert: () => { cert: string; key: string }): Promise<Endpoint[]> {
  const binds = opts.sip?.bind ?? DEFAULT_BIND;
  const transports: TransportProtocol[] = opts.sip?.transports ?? ['udp', 'tcp', 'tls'];
  const layer = ua.transport;
  if (!(layer instanceof TransportLayer)) throw new Error('the user agent has no transport layer to listen on');
  const bound: Endpoint[] = [];
  for (const bind of binds) {
    let port = bind.port;
    for (const protocol of transports) {
      const want = protocol === 'tls' ? (bind.port === 0 ? 0 : port + 1) : port;
      try {
        // The certificate is read (or made) when the first TLS client connects: an idle phone
        // never loads node:tls for it. One that cannot be read or made costs that client only.
        const tls = protocol === 'tls' ? tlsCert : undefined;
        let endpoint: Endpoint;
        try {
          endpoint = await layer.listen({ protocol, address: bind.host, port: want, tls });
        } catch (e) {
          if (want === 0) throw e;
          log.info('SIP port busy; listening on a free port instead', { protocol, address: bind.host, port: want, error: String(e) });
          endpoint = await layer.listen({ protocol, address: bind.host, port: 0, tls });
        }
        // UDP and TCP share the port number when they can (one number for people to type).
        if (protocol !== 'tls') port = endpoint.port;
        bound.push(endpoint);
      } catch (e) {
        log.warn('cannot listen', { protocol, address: bind.host, error: String(e) });
      }
    }
  }
  if (!bound.some((e) => e.protocol === 'udp')) throw new Error('the phone could not listen for SIP on any address');
  return bound;
}

function hostPort(e: { address: string; port: number }): string {
  return `${hostForUri(e.address)}:${e.port}`;
}

function toTrace(e: SipTraceEntry, time: number): TraceEntry {
  const entry: TraceEntry = { time, direction: e.direction, transport: e.protocol, remote: hostPort(e.remote), local: hostPort(e.local), text: e.text };
  const callId = /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/im.exec(e.text)?.[1];
  if (callId) entry.callId = callId;
  return entry;
}

/** The phone's alias rules (alias-match.ts) for the UA: numbers under the user's numbering plan, contact users. */
function phoneMatcher(store: PhoneStore, accounts: AccountService, ua: UserAgent) {
  return (requestUri: SipUri, to: SipUri): AccountMatch | undefined => {
    const candidates: AliasMatchAccount[] = [];
    for (const a of accounts.stored()) {
      const registered = a.enabled ? ua.account(a.id) : undefined;
      if (registered) candidates.push({ id: a.id, aor: a.aor, aliases: a.aliases, contactUser: registered.contactUser ?? null });
    }
    const parts = (u: SipUri) => ({ user: u.user ?? null, host: u.host.includes(':') ? `[${u.host}]` : u.host });
    const found = matchAlias(candidates, { requestUri: parts(requestUri), to: parts(to) }, { plan: store.settings.peek('numberingPlan') });
    return found ? { accountId: found.accountId, alias: found.alias } : undefined;
  };
}

export async function createPhoneEngine(opts: PhoneEngineOptions): Promise<PhoneEngine> {
  const clock = opts.clock ?? systemClock;
  const now = wallTime(clock);
  // Every record also kept (redacted) for the diagnostics bundle (diagnostics.logs).
  const logRing = new LogRing({ now });
  // The SIP messages of the last half hour (diagnostics.trace).
  const traceRing = opts.keepTrace === false ? undefined : new TraceRing({ now });
  const logger = logRing.tee(opts.logger ?? nullLogger).child('phone');
  // The calls' history is written behind them (store/history-repository.ts): one commit, one fsync, for all the
  // calls that changed within 100 ms, so even an auto-answering host under load keeps synchronous=FULL.
  const store = openPhoneStore(opts.dataDir, { secrets: opts.secrets, logger: logger.child('store'), clock, ...(opts.throwawayData === true ? { synchronous: 'off' as const } : {}) });
  const cleanups: (() => Promise<void> | void)[] = [() => store.close()];
  const recordings = new Recordings({
    store, dataDir: opts.dataDir, logger: logger.child('recordings'),
    ...(opts.recordingsDir !== undefined ? { folderOverride: opts.recordingsDir } : {}),
    ...(opts.shell ? { shell: opts.shell } : {}),
  });
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    const events = createEventBus({ logger: logger.child('events') });
    const accounts = new AccountService(store, events);
    await accounts.loadTurnPasswords();
    const contacts = new ContactDirectory(store);
    const router = new AudioRouter({ clock, logger: logger.child('audio'), ...(opts.audio ? { factory: opts.audio } : {}) });
    cleanups.push(() => router.close());

    let calls: CallService | undefined;
    let messageService: MessageService | undefined;
    let match: ((requestUri: SipUri, to: SipUri) => AccountMatch | undefined) | undefined;
    const messageAdmission = new MessageAdmission({
      clock,
      logger: logger.child('admission'),
      isContact: (uri) => contacts.resolve(uri)?.contactId !== undefined,
    });
    const admission = new CallAdmission({
      anyUser: opts.answerAnyUser ?? false,
      perSourceLimits: opts.autoAnswer !== true,
      directAccountId: DIRECT_ACCOUNT_ID,
      directUser: () => /^sips?:([^@]+)@/i.exec(accounts.direct?.aor ?? '')?.[1],
      callsFromStrangers: () => store.settings.get('callsFromStrangers'),
      isContact: (from) => {
        const uri = /<([^>]+)>/.exec(from)?.[1] ?? from.split(';')[0]!.trim();
        return contacts.resolve(uri)?.contactId !== undefined;
      },
      unanswered: () => calls?.unanswered() ?? { total: 0, bySource: () => 0 },
      clock,
      logger: logger.child('admission'),
    });
    const tlsTrust = new TlsTrust({ extraCa: opts.sip?.tlsExtraCa });
    // One wake-up for the idle phone's periodic work: every flow's keep-alive and the network check (with the system
    // clock, the same batch as its other long timers).
    const idleTimers = clock === systemClock ? systemIdleTimers : new IdleTimers(clock);
    const ua = new UserAgent({
      listen: [],
      media: (info) => calls!.mediaFor(info),
      matchAccount: (requestUri, to) => match?.(requestUri, to),
      fallbackAccountId: DIRECT_ACCOUNT_ID,
      admitCall: (call) => admission.admit(call),
      // For a user we have (call-admission.ts), what the body is and whether the sender is blocked (message-service.ts), then the rate limits.
      admitMessage: (m) => admission.forUser(m) ?? messageService?.admit(m) ?? messageAdmission.admit(m),
      ...(opts.sip?.keepAliveMs !== undefined ? { keepAliveMs: opts.sip.keepAliveMs } : {}),
      // The SIP trace is made while the engine keeps it (diagnostics.trace: a ladder opened after the call) or a host takes
      // 'trace' events (the clients that follow them, trace.follow; `parley listen --verbose`).
      traceWanted: () => traceRing !== undefined || events.wants('trace'),
      transportOptions: {
        tlsClient: { trust: tlsTrust },
        // RFC 5626 §4.4.1 CRLF pings on the connections we open (registrar, proxy); a server that once
        // answered one and then stops has lost our flow, and the registration registers again on a new one.
        keepAliveIntervalMs: opts.sip?.keepAliveMs ?? DEFAULT_STREAM_KEEPALIVE_MS,
        ...(opts.sip?.udpReceiveBufferBytes ? { udpReceiveBufferBytes: opts.sip.udpReceiveBufferBytes } : {}),
      },
      clock,
      idleTimers,
      logger: logger.child('sip'),
    });
    match = phoneMatcher(store, accounts, ua);
    cleanups.push(() => ua.close());
    let certificate: ListenerCertificate | undefined;
    const tlsCert = (): ListenerCertificate => {
      certificate ??= listenerCertificate(opts.dataDir, (opts.sip?.bind ?? DEFAULT_BIND).map((b) => b.host));
      return certificate;
    };
    const endpoints = await listen(ua, opts, logger, tlsCert);
    const udp = endpoints.find((e) => e.protocol === 'udp' && !e.address.includes(':')) ?? endpoints.find((e) => e.protocol === 'udp')!;
    const sentBy = ua.transport.localAddress('udp', udp.address.includes(':') ? 6 : 4) ?? { host: reachableHost(udp.address), port: udp.port };
    const advertised = sentBy.host;
    const direct = directAccount(advertised, udp.port, undefined, opts.direct);
    accounts.setDirect(direct);
    // Its calls go straight to their peers: its CA file and pin (a CLI run's --tls-ca/--tls-pin) hold for every TLS peer.
    if (direct.tlsCaFile !== null || direct.tlsPin !== null) applyDirectTrust(tlsTrust, direct);

    const media = await MediaEngine.create({
      bindAddress: udp.address, advertisedAddress: advertised, clock, logger: logger.child('media'), ticker: router.ticker,
      ...(opts.peerTimeoutMs !== undefined ? { sessionDefaults: { peerTimeoutMs: opts.peerTimeoutMs } } : {}),
    });
    cleanups.push(() => media.close());
    const echo = await EchoService.start({ media, clock, logger });
    cleanups.push(() => echo.close());
    contacts.setEchoUri(echo.uri);

    const messages = new MessageService({ ua, accounts, contacts, store, events, logger, now, clock });
    messageService = messages;
    cleanups.push(() => messages.close());
    const forwarding = new ForwardingService({ store, accounts, events });
    calls = new CallService({
      ua, media, router, accounts, contacts, store, events, logger, now, forwarding, rtpBind: udp.address, rtpAdvertised: () => ua.transport.localAddress('udp', udp.address.includes(':') ? 6 : 4)?.host ?? advertised, autoAnswer: opts.autoAnswer ?? false, recordings,
      rtpPorts: () => opts.rtpPorts ?? store.settings.peek('rtpPorts'),
      clock,
      ...(opts.ice !== false ? { ice: opts.ice ?? {} } : {}),
      ...(opts.ringTimeoutMs !== undefined ? { ringTimeoutMs: opts.ringTimeoutMs } : {}),
      onDialogMessage: (call, m) => messages.inDialog(call, m),
      tlsFailure: (name) => (ua.transport as TransportLayer).tlsFailure(name),
      tlsSession: (name) => (ua.transport as TransportLayer).tlsSession(name),
    });
    const layer = ua.transport as TransportLayer;
    const registrations = new RegistrationService({
      ua, accounts, events, clock, logger, now,
      tls: { trust: tlsTrust, failure: (name) => layer.tlsFailure(name), onConnectionClosed: (h) => layer.onConnectionClosed(h) },
    });
    ua.on('trace', (e) => {
      const entry = toTrace(e, now());
      traceRing?.add(entry);
      if (events.wants('trace')) events.emit('trace', entry);
    });
    const phoneSystem = new PhoneSystemService({
      host: opts.phoneSystem?.({ dataDir: opts.dataDir, logger: logger.child('phone-system'), clock }),
      accounts, events, clock,
    });
    cleanups.push(() => phoneSystem.close());
    // Before the registrations: this Parley's own account on it registers at once.
    await phoneSystem.start();
    const callsForEvents = calls;
    const eventServices = createEventServices({
      ua, accounts, contacts, store, events, clock, now, logger,
      calls: { dial: (p, c) => callsForEvents.dial(p, c), pickup: (p, c) => callsForEvents.pickup(p, c), list: () => callsForEvents.list(), dialogIdOf: (id) => callsForEvents.dialogIdOf(id) },
    });
    cleanups.push(() => eventServices.close());
    const networkChanged = (reason: NetworkChangeReason) =>
      handleNetworkChange({
        readdressTransport: () => ua.networkChanged(),
        refreshRegistrations: () => registrations.refreshAll(),
        refreshSubscriptions: () => eventServices.networkChanged(),
        logger: logger.child('network'),
      }, reason);
    // A registration that settled (after a network change, or a NAT that mapped us anew): the account's calls follow its address.
    cleanups.push(events.on('registration', (r) => {
      if (r.state === 'registered') void callsForEvents.followAddress(r.accountId);
    }));
    await registrations.start();
    // Address changes and sleep seen by the engine itself (the CLI and web host have no powerMonitor).
    const monitor = new NetworkMonitor({
      clock,
      idleTimers,
      logger: logger.child('network'),
      interfaces: () => networkInterfaces(),
      wallNow: () => Date.now(),
      onChange: (reason) => void networkChanged(reason),
      // A call up: checked every 2 s (a move mid-call); idle: with the keep-alives.
      busy: () => callsForEvents.count > 0,
    });
    if (opts.watchNetwork ?? true) monitor.start();
    cleanups.push(() => monitor.stop());
    const callService = calls;
    cleanups.push(events.on('call', () => monitor.busyChanged()));
    // The start's garbage given back once it has settled (start-compaction.ts).
    const compaction = new StartCompaction({ clock, busy: () => callsForEvents.count > 0, registrations: () => registrations.snapshots() });
    if (opts.compactAfterStart ?? true) {
      cleanups.push(events.on('registration', () => compaction.registrationChanged()));
      cleanups.push(events.on('call', () => compaction.callsChanged()));
      cleanups.push(() => compaction.stop());
      compaction.start();
    }

    const audioDevices = (): AudioDevice[] =>
      opts.audio
        ? [
            { id: 'headless-input', label: 'Headless input (provided by the host)', kind: 'input', isDefault: true },
            { id: 'headless-output', label: 'Headless output (provided by the host)', kind: 'output', isDefault: true },
          ]
        : [
            { id: 'default', label: 'Client microphone (capture frames from the connected client)', kind: 'input', isDefault: true },
            { id: 'default', label: 'Client speaker (playback frames to the connected client)', kind: 'output', isDefault: true },
          ];

    const api = createPhoneApi({
      store,
      events,
      accounts,
      contacts,
      audioDevices,
      presence: eventServices.api,
      forwarding: forwarding.api,
      phoneSystem,
      logs: logRing,
      ...(traceRing ? { traces: traceRing } : {}),
      recordings,
      tls: () => {
        const listening = endpoints.filter((e) => e.protocol === 'tls').map((e) => `${hostForUri(e.address)}:${e.port}`);
        if (listening.length === 0) return undefined;
        try {
          const c = tlsCert();
          return { fingerprint256: c.fingerprint256, subject: c.subject, validTo: c.validTo, selfSigned: c.selfSigned, listening };
        } catch (e) {
          logger.warn('our TLS certificate cannot be read or made', { error: String(e) });
          return undefined;
        }
      },
      telephony: {
        register: (id) => registrations.register(id),
        unregister: (id) => registrations.unregister(id),
        registrations: () => registrations.snapshots(),
        calls: {
          'call.dial': (p, c) => callService.dial(p, c),
          'call.answer': (p, c) => callService.answer(p, c),
          'call.decline': (p) => callService.decline(p),
          'call.hangup': (p) => callService.hangup(p),
          'call.hold': (p) => callService.hold(p),
          'call.resume': (p) => callService.resume(p),
          'call.mute': (p) => callService.mute(p),
          'call.dtmf': (p) => callService.dtmf(p),
          'call.transfer': (p) => callService.transfer(p),
          'call.record': (p) => callService.record(p),
          'call.pickup': (p, c) => callService.pickup(p, c),
          'call.merge': (p) => callService.merge(p),
          'call.split': (p) => callService.split(p),
          'call.earlyMedia': (p, c) => callService.earlyMedia(p, c),
          list: () => callService.list(),
        },
        messages: {
          'messages.send': (p) => messages.send(p),
          'messages.list': async (p) => messages.list(p),
          'messages.conversations': async (p) => messages.conversations(p),
          'messages.read': async (p) => messages.read(p.peer),
          'messages.remove': async (p) => messages.remove(p.peer),
          'messages.allow': async (p) => messages.allow(p.peer),
          'messages.block': async (p) => messages.block(p.peer),
          'messages.composing': async (p) => messages.composing(p),
        },
        diagnostics: (p) =>
          readDiagnostics(
            {
              calls: () => callService.counts(),
              counters: () => [callService.objectCounter],
              mediaSessions: () => media.sessionCount,
              sip: () => ({ calls: ua.calls.length, dialogs: ua.dialogs.dialogs.length, transactions: ua.layer.clientCount + ua.layer.serverCount }),
            },
            p,
          ),
        networkChanged: (p) => networkChanged(p.reason),
      },
    });

    let closing: Promise<void> | undefined;
    return {
      api,
      events,
      audio: {
        onCaptureFrame: (frame, client) => router.capture(frame, client),
        onPlaybackFrame: (cb) => router.onPlayback(cb),
      },
      close() {
        closing ??= (async () => {
          compaction.stop(); // a phone closing has no use for it
          await callService.close();
          // Unsubscribe and unpublish while the registrations (and their flows) are still there.
          await eventServices.close();
          await registrations.close();
          // Cleanups run last-first: the phone system stops after this Parley unregistered from it.
          await cleanup();
        })();
        return closing;
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
