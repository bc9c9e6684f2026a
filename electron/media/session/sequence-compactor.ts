/**
 * Takes the RFC 4733 event packets out of the audio's sequence numbering.
 *
 * Telephone-event packets share the audio stream's SSRC and sequence space
 * (RFC 4733 §2.1), and a sender stops its audio while it sends an event
 * (what baresip, PJSIP and Parley do), so the audio the jitter buffer sees
 * has a hole of one number per event packet. Left alone, each hole counts as
 * lost audio and is concealed frame by frame. Renumbering the audio packets
 * as if the event packets never existed keeps the jitter buffer's loss
 * figures about the network only.
 *
 * Numbers are put on one line (as RFC 3550 A.1 does) to count how many event
 * packets lie below an audio packet. An event packet overtaken by later audio
 * (reordering across the end of an event) is counted from then on only, so
 * at worst one audio packet looks like a duplicate — rare, and harmless.
 */
const SEQ_MOD = 0x10000;
/** Event numbers this far behind the newest are folded into a plain count. */
const HORIZON = 1000;

export class SequenceCompactor {
  #highest: number | undefined; // extended
  #events: number[] = []; // extended numbers of recent event packets, ascending
  #folded = 0; // event packets older than the horizon

  /** Event packets taken out so far. */
  get removed(): number {
    return this.#folded + this.#events.length;
  }

  /** Forget everything (the peer restarted its stream: new SSRC). */
  reset(): void {
    this.#highest = undefined;
    this.#events = [];
    this.#folded = 0;
  }

  /** A non-audio packet (telephone-event) used sequence number `seq`. */
  noteEvent(seq: number): void {
    const ext = this.#extend(seq);
    if (this.#events.includes(ext)) return; // a repeat of the same packet
    let i = this.#events.length;
    while (i > 0 && this.#events[i - 1]! > ext) i--;
    this.#events.splice(i, 0, ext);
    this.#fold();
  }

  /** The audio packet's sequence number with the event packets taken out (16 bits). */
  audio(seq: number): number {
    const ext = this.#extend(seq);
    let below = this.#folded;
    for (const e of this.#events) {
      if (e >= ext) break;
      below++;
    }
    this.#fold();
    return (((ext - below) % SEQ_MOD) + SEQ_MOD) % SEQ_MOD;
  }

  #extend(seq: number): number {
    const s = seq & 0xffff;
    const ref = this.#highest;
    if (ref === undefined) {
      this.#highest = s;
      return s;
    }
    let ext = ref - (((ref % SEQ_MOD) + SEQ_MOD) % SEQ_MOD) + s;
    if (ext - ref > SEQ_MOD / 2) ext -= SEQ_MOD;
    else if (ref - ext > SEQ_MOD / 2) ext += SEQ_MOD;
    if (ext > ref) this.#highest = ext;
    return ext;
  }

  #fold(): void {
    const limit = (this.#highest ?? 0) - HORIZON;
    while (this.#events.length > 0 && this.#events[0]! < limit) {
      this.#events.shift();
      this.#folded++;
    }
  }
}
