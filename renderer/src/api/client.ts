/**
 * The renderer's one API client. It speaks the contract (electron/api) over
 * whichever transport the host offers:
 *   - Electron: the preload bridge `window.parley` (bridge.ts);
 *   - web host: a WebSocket to /api, with the token the host put in the
 *     page's URL (`#token=…`, or `?token=…`).
 * Commands resolve to ApiResult values and never throw; events arrive typed.
 */
import { decodeFrame, encodeFrame } from './audio-frame-codec.ts';
import type { ParleyBridge } from './bridge.ts';
import { BridgeTransport } from './bridge-transport.ts';
import type { AudioPorts, ConnectionStatus, Transport } from './transport.ts';
import type { ApiEvent, ApiResult, AudioFrame, CommandName, CommandParams, CommandResult, EventName, Events } from './types.ts';
import { WsTransport } from './ws-transport.ts';
import { SocketWorker } from './worker-socket.ts';

export type CallArgs<N extends CommandName> = {} extends CommandParams<N> ? [params?: CommandParams<N>] : [params: CommandParams<N>];

export class ApiClient {
  readonly transport: Transport;

  constructor(transport: Transport) {
    this.transport = transport;
  }

  get status(): ConnectionStatus {
    return this.transport.status;
  }

  call<N extends CommandName>(name: N, ...args: CallArgs<N>): Promise<ApiResult<CommandResult<N>>> {
    return this.transport.request(name, args[0]) as Promise<ApiResult<CommandResult<N>>>;
  }

  on<E extends EventName>(event: E, listener: (data: Events[E]) => void): () => void {
    return this.transport.onEvent((e) => {
      if (e.event === event) listener(e.data as Events[E]);
    });
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    return this.transport.onEvent(listener);
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    return this.transport.onStatus(listener);
  }

  sendAudio(frame: AudioFrame): void {
    this.transport.sendAudio(encodeFrame(frame));
  }

  /** Ports for audio straight between the worklets and the engine (Transport.audioPorts); undefined: use sendAudio/onAudio. */
  audioPorts(): AudioPorts | undefined {
    return this.transport.audioPorts?.();
  }

  disconnectAudio(): void {
    this.transport.disconnectAudio?.();
  }

  /** Playback frames from the engine; malformed ones are dropped. */
  onAudio(listener: (frame: AudioFrame) => void): () => void {
    return this.transport.onAudio((bytes) => {
      const frame = decodeFrame(bytes);
      if (frame && frame.kind === 'playback') listener(frame);
    });
  }

  close(): void {
    this.transport.close();
  }
}

/** The token from `#token=…` (what the web host uses: fragments never reach a server) or `?token=…`. */
export function readToken(location: Pick<Location, 'hash' | 'search'>): string | undefined {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
  const token = fromHash ?? new URLSearchParams(location.search).get('token');
  return token && token.length > 0 ? token : undefined;
}

export function apiUrlFor(location: Pick<Location, 'protocol' | 'host'>, token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api?token=${encodeURIComponent(token)}`;
}

export type ClientChoice = { ok: true; client: ApiClient } | { ok: false; reason: string };

/** Picks the transport for this page: the Electron bridge when present, else the web host's WebSocket. */
export function createClient(win: Window = window): ClientChoice {
  const bridge = (win as Window & { parley?: ParleyBridge }).parley;
  if (bridge && typeof bridge.invoke === 'function') return { ok: true, client: new ApiClient(new BridgeTransport(bridge, win)) };
  if (win.location.protocol !== 'http:' && win.location.protocol !== 'https:') {
    return { ok: false, reason: 'Parley could not find its engine: this page was opened without the app or the web host.' };
  }
  const token = readToken(win.location) ?? rememberedToken(win);
  if (token) forgetTokenInUrl(win, token);
  if (!token) return { ok: false, reason: 'The address has no access token. Open Parley with the link the web host printed (it ends in #token=…).' };
  return { ok: true, client: new ApiClient(new WsTransport({ url: apiUrlFor(win.location, token), probe: tokenProbe(win, token), worker: SocketWorker.start(win) })) };
}

/** Asks the host (plain GET /api, 401 or 426) whether it still knows our token. */
function tokenProbe(win: Window, token: string): () => Promise<'unauthorized' | 'ok' | 'unreachable'> {
  return async () => {
    try {
      const r = await win.fetch(`${win.location.origin}/api?token=${encodeURIComponent(token)}`, { cache: 'no-store' });
      return r.status === 401 ? 'unauthorized' : 'ok';
    } catch {
      return 'unreachable';
    }
  };
}

const TOKEN_KEY = 'parley.token';

function rememberedToken(win: Window): string | undefined {
  try {
    return win.sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps the token for a reload of this tab (sessionStorage) and takes it out
 * of the address bar, where it would be seen, copied or bookmarked.
 */
function forgetTokenInUrl(win: Window, token: string): void {
  try {
    win.sessionStorage.setItem(TOKEN_KEY, token);
    const url = new URL(win.location.href);
    const hash = new URLSearchParams(url.hash.replace(/^#/, ''));
    hash.delete('token');
    url.searchParams.delete('token');
    url.hash = hash.toString();
    win.history.replaceState(win.history.state, '', url.toString());
  } catch {
    // Storage may be off (private mode); the token then simply stays in the URL.
  }
}
