/** The interop harness: real peers (Kamailio, SIPp, baresip) on loopback, each stopped by PID. */
export { startKamailio, defaultAliases } from './kamailio.ts';
export type { KamailioAlias, KamailioHandle, KamailioLocation, KamailioOptions, KamailioUser, RedirectMode } from './kamailio.ts';
export { runSipp, startSipp, parseStats, scenarioDir } from './sipp.ts';
export type { SippOptions, SippResult, SippRun, SippStats } from './sipp.ts';
export { startBaresip, baresipAccountLine } from './baresip.ts';
export type { BaresipAccount, BaresipCommandResult, BaresipEvent, BaresipHandle, BaresipOptions } from './baresip.ts';
export { RawHeaders, RawSipSocket, buildRequest, buildResponse, parseRawSip, randomToken } from './raw-sip.ts';
export type { RawSipMessage, RequestSpec } from './raw-sip.ts';
export { freePort, freePorts, ipv6LoopbackAvailable, portBound, portFree } from './free-port.ts';
export type { PortKind } from './free-port.ts';
export { ManagedProcess, groupAlive, makeTempDir, sleep } from './managed-process.ts';
export type { ExitInfo, SpawnOptions } from './managed-process.ts';
export { NetstringDecoder, encodeNetstring } from './netstring.ts';
export { readWavPcm16, writeToneWav } from './wav.ts';
