/**
 * ICE in SDP (RFC 8839): a=ice-ufrag, a=ice-pwd, a=candidate and
 * a=end-of-candidates (no trickle) on our audio stream, with the default
 * candidate in c= and m= (§4.2.1.2); and the peer's, read back. A peer's
 * ICE is ignored (plain RTP) when its credentials are malformed, it lists no
 * usable candidate, or its c=/m= address is none of its candidates (an ALG
 * rewrote the SDP: "ice-mismatch", §4.2.3), or it lists candidates for a
 * separate RTCP component without rtcp-mux (we do ICE for one component).
 */
import type { IceCandidate } from '../ice/candidate.ts';
import { formatCandidate, parseCandidate } from '../ice/candidate.ts';
import { parseSdp } from './sdp-parser.ts';
import type { SessionDescription } from './session-description.ts';

export interface LocalIceDescription {
  ufrag: string;
  pwd: string;
  candidates: readonly IceCandidate[];
  /** The candidate c= and m= name (for a peer without ICE). */
  defaultAddress: string;
  defaultPort: number;
  /** False in an answer to an offer without ICE (§4.2.3: no ICE lines then). */
  attributes: boolean;
}

export interface RemoteIce {
  ufrag: string;
  pwd: string;
  lite: boolean;
  candidates: IceCandidate[];
}

const ICE_CHARS = /^[A-Za-z0-9+/]+$/;
const MAX_CANDIDATE_LINES = 64;

/** Puts our ICE description into a built offer or answer (one audio stream). */
export function applyLocalIce(sdp: SessionDescription, ice: LocalIceDescription): SessionDescription {
  const media = sdp.media.map((m, i) => {
    if (i !== 0 || m.port === 0) return m;
    const attributes = [...m.attributes];
    if (ice.attributes) {
      attributes.push({ name: 'ice-ufrag', value: ice.ufrag }, { name: 'ice-pwd', value: ice.pwd });
      for (const c of ice.candidates) attributes.push({ name: 'candidate', value: formatCandidate(c) });
      attributes.push({ name: 'end-of-candidates' });
    }
    return { ...m, port: ice.defaultPort, attributes };
  });
  const connection = sdp.connection ? { ...sdp.connection, address: ice.defaultAddress } : sdp.connection;
  return { ...sdp, ...(connection ? { connection } : {}), media };
}

/** The peer's ICE for its first audio stream, or undefined when it does not do ICE (or its ICE cannot be used). */
export function readRemoteIce(sdpText: string): RemoteIce | undefined {
  // No ICE without an ice-ufrag attribute (names are matched as written): not parsed again for the peers that do none.
  if (!sdpText.includes('a=ice-ufrag:')) return undefined;
  let sdp: SessionDescription;
  try {
    sdp = parseSdp(sdpText);
  } catch {
    return undefined;
  }
  const m = sdp.media.find((x) => x.type === 'audio' && x.port !== 0);
  if (!m) return undefined;
  const value = (name: string) => m.attributes.find((a) => a.name === name)?.value ?? sdp.attributes.find((a) => a.name === name)?.value;
  const ufrag = value('ice-ufrag');
  const pwd = value('ice-pwd');
  if (!ufrag || !pwd || ufrag.length < 4 || ufrag.length > 256 || pwd.length < 22 || pwd.length > 256) return undefined;
  if (!ICE_CHARS.test(ufrag) || !ICE_CHARS.test(pwd)) return undefined;
  const candidates: IceCandidate[] = [];
  for (const a of m.attributes) {
    if (a.name !== 'candidate' || a.value === undefined) continue;
    if (candidates.length >= MAX_CANDIDATE_LINES) break;
    const c = parseCandidate(a.value);
    if (c) candidates.push(c);
  }
  // We run ICE for one component (RTP with rtcp-mux); a peer that needs a second one for RTCP gets plain RTP instead.
  if (candidates.some((c) => c.component === 2) && !m.attributes.some((a) => a.name === 'rtcp-mux')) return undefined;
  const address = m.connection?.address ?? sdp.connection?.address;
  if (!candidates.some((c) => c.component === 1 && c.address === address && c.port === m.port)) return undefined;
  return { ufrag, pwd, lite: sdp.attributes.some((a) => a.name === 'ice-lite'), candidates };
}
