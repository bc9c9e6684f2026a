/** HTTP Digest authentication for SIP (RFC 3261 §22, RFC 7616, RFC 8760): client and server sides. */
export { DigestAuthenticator } from './digest-authenticator.ts';
export type {
  AuthFailure,
  AuthFailureReason,
  AuthHeaderSource,
  AuthSuccess,
  AuthenticatableRequest,
  AuthorizationField,
  AuthorizationHeaderName,
  AuthorizeResult,
  ChallengeResponse,
  DigestAuthenticatorOptions,
} from './digest-authenticator.ts';
export { Credentials } from './credentials.ts';
export { RealmBinding } from './realm-binding.ts';
export type { RealmBindingOptions, RealmDecision } from './realm-binding.ts';
export type { CredentialLookup, DigestCredentials } from './credentials.ts';
export { algorithmStrength, digestHash, isSessionAlgorithm, parseAlgorithm, supportedAlgorithms } from './digest-algorithm.ts';
export type { DigestAlgorithm } from './digest-algorithm.ts';
export { computeDigestResponse, computeHa1, computeHa2, computeUserhash, formatNonceCount } from './digest-response.ts';
export type { DigestInput, DigestQop } from './digest-response.ts';
export { chooseQop, chooseStrongest, groupByRealm, readDigestChallenges } from './digest-challenge.ts';
export type { ChallengeProblem, DigestChallenge } from './digest-challenge.ts';
export { AuthParseError, formatAuthValue, parseChallenges, parseCredentials, quote } from './auth-header-parser.ts';
export type { AuthValue } from './auth-header-parser.ts';
export { createDigestChallenge, DigestNonces, DigestVerifier, newNonce, verifyDigest } from './digest-verifier.ts';
export type { ChallengeOptions, DigestNoncesOptions, DigestVerifierOptions, NonceVerdict, VerifyFailureReason, VerifyOptions, VerifyResult } from './digest-verifier.ts';
