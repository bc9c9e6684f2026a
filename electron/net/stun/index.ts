/** STUN (RFC 8489): message codec and Binding client, shared by SIP (RFC 5626 keep-alives) and media (candidates, ICE). */
export {
  MAGIC_COOKIE, StunAttr, StunParseError, StunType, attribute, decodeStun, encodeStun, errorCode, fingerprintValid, integrityValid, isStun,
  mappedAddress, newTransactionId, responseType, stringAttribute, stunClass, stunMethod, uint32Attribute, xorAddress, xorAddressAttribute,
} from './stun-message.ts';
export type { EncodeOptions, StunAttribute, StunMessage, TransportAddress } from './stun-message.ts';
export { StunBindingClient, StunErrorResponse, StunTimeoutError } from './stun-binding-client.ts';
export type { StunBindingResult, StunRequestOptions } from './stun-binding-client.ts';
