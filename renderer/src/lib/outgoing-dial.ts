/**
 * A call being dialled from this page, from the key press until the phone
 * answers the command. The dial command leaves before anything is drawn. The
 * call screen comes with the phone's first event of the call (its 'dialing'
 * state, sent once the INVITE is with the transport) and shows that call
 * straight away — before, it first showed whichever call it had focused (the
 * last one, "Call ended"), then drew the card again when the command's answer
 * focused the new call: two renders on the page's main thread while the
 * call's next events waited behind them. A phone that has said nothing after
 * DIAL_FEEDBACK_MS (stores/actions.ts) gets a provisional card ("Calling…",
 * the target as typed, no controls yet) so the key press is answered anyway.
 *
 * The card keeps one key from the key press to the call's end
 * (`UiStore.callCardKey`): when the phone's snapshot replaces the provisional
 * one, or the command's answer comes, the same card shows it.
 */
import type { AccountSnapshot, CallSnapshot } from '../api/types.ts';

export interface OutgoingDial {
  /** The call card's key from the key press on (`dial-N`). */
  key: string;
  target: string;
  accountId?: string;
  identity?: string;
  startedAt: number;
  /** The calls there were before: the first outgoing call not among them is this one. */
  known: ReadonlySet<string>;
  /** The phone's call, once the command answered. */
  callId?: string;
  /** Hung up before the phone answered the command: the call is ended as soon as it is known. */
  cancelled: boolean;
}

/** The call this dial became, as far as the page knows yet. */
export function dialledCall(dial: OutgoingDial, calls: readonly CallSnapshot[]): CallSnapshot | undefined {
  if (dial.callId !== undefined) return calls.find((c) => c.id === dial.callId);
  return calls.find((c) => c.direction === 'out' && !dial.known.has(c.id));
}

/** The account the phone will use: the chosen one, else its default, the first enabled (electron/phone's defaultAccount). */
function likelyAccount(dial: OutgoingDial, accounts: readonly AccountSnapshot[]): AccountSnapshot | undefined {
  if (dial.accountId !== undefined) return accounts.find((a) => a.id === dial.accountId);
  return accounts.find((a) => a.enabled);
}

/** What the card shows before the phone's snapshot comes: the target as typed, "Calling…", no call commands yet. */
export function provisionalCall(dial: OutgoingDial, accounts: readonly AccountSnapshot[]): CallSnapshot {
  const account = likelyAccount(dial, accounts);
  return {
    id: dial.key,
    accountId: account?.id ?? '',
    direction: 'out',
    state: 'dialing',
    remote: { uri: dial.target },
    localIdentity: dial.identity ?? account?.aor ?? '',
    startedAt: dial.startedAt,
    muted: false,
    held: false,
    earlyMedia: false,
    srtp: false,
    actions: [],
  };
}
