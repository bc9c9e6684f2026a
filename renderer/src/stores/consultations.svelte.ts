/**
 * Which call is a consultation for which (attended transfer, RFC 5589 §7):
 * the user called someone to ask first; the consultation's screen then
 * offers "Complete transfer" of the first call to it. Window state only —
 * the phone knows nothing of the pairing until the transfer is asked for.
 */
class Consultations {
  /** consultation call id → the call to transfer. */
  byCall = $state<Record<string, string>>({});

  start(consultation: string, forCall: string): void {
    this.byCall = { ...this.byCall, [consultation]: forCall };
  }

  end(consultation: string): void {
    const { [consultation]: _gone, ...rest } = this.byCall;
    this.byCall = rest;
  }

  /** The call `consultation` was placed for, while both are connected. */
  forCall(consultation: string): string | undefined {
    return this.byCall[consultation];
  }
}

export const consultations = new Consultations();
