/**
 * The SIP address reader the phone model uses. Its rules live beside the API
 * contract (electron/api/sip-address-syntax.ts) so that the renderer's forms
 * check fields with exactly what the engine accepts.
 */
export * from '../api/sip-address-syntax.ts';
