/** `parley help [command]`: what each command does, its flags, and the exit codes. */
import type { CommandName } from './args.ts';
import { serverHelp } from './server-help.ts';

const summary = `parley — a headless SIP softphone (the Parley engine without a window)

Usage: parley <command> [options]

Commands:
  register            register, stay registered (--duration or until Ctrl-C), unregister
  call <target>       call a number or address; talk for --duration once answered, then hang up
  message <target> <text>   send an instant message (SIP MESSAGE); exit 0 when the server answered 2xx
  listen              wait for calls and messages (--auto-answer to take calls), play/record audio per call
  echo                answer every call and send back what it hears
  watch <target>…     watch the presence and the line (busy lamp) of each target; print every change
  status <status>     publish your presence: available, away, busy, dnd or offline (--note TEXT)
  accounts add|list|remove   manage the accounts stored in the data dir
  forward [always|busy|no-answer TARGET | off]   call forwarding: shown, set or turned off (listen/web apply it)
  web                 run Parley in the browser: serves the UI on 127.0.0.1 and prints its URL
  serve               be the phone system: registrar and proxy (or --redirect server) for a domain
  users add|list|remove   manage the users (and their aliases) that parley serve serves
  help [command]      this text, or the options of one command

An account from flags (nothing is stored):
  --aor sip:USER@DOMAIN       the address of record to register and call from
  --alias sip:ADDR            another address of the account (repeatable)
  --user NAME                 digest user name (default: the AOR's user)
  --password PW               digest password of the --aor account; better: the PARLEY_PASSWORD environment variable
                              (the process list shows "parley <command>", never the password)
  --proxy HOST[:PORT]         outbound proxy / registrar to send everything to
  --transport udp|tcp|tls     default udp
  --display-name NAME
  --codecs opus,G722,PCMU,PCMA   preference order
  --srtp off|optional|mandatory   encrypted audio: keys by SDES over TLS, by DTLS-SRTP otherwise
  --privacy none|id|header    caller ID on our calls: shown (default); withheld (anonymous From,
                              Privacy: id); withheld and the server asked to hide headers too
  --tls-ca FILE               with --transport tls: also trust the CAs in this PEM file for the servers
  --tls-pin SHA256            with --transport tls: accept only the server certificate with this SHA-256
                              fingerprint (as "openssl x509 -noout -fingerprint -sha256" prints it), whoever signed it
Without --aor, --transport, --display-name, --codecs, --srtp, --privacy, --tls-ca and --tls-pin are the
built-in direct account's for this run (calls with no server: its CA file and pin hold for every peer it
calls over TLS); --password, --user, --alias and --proxy need --aor. A run that uses a stored account
(--account, --data-dir, or accounts stored in the default folder) refuses them, and --alias, --user,
--password, --proxy, --stun and --turn beside an --aor that selects it: it keeps its own settings.
Or a stored account: --account ID|AOR|NAME (in --data-dir, default ~/.config/parley).

Audio and timing:
  --tone HZ | --play FILE.wav   what we send (default silence)
  --record FILE.wav             what we hear (48 kHz mono; later calls get -2, -3…)
  --record-both FILE.wav        both ways, mixed: what we send and what we hear (48 kHz mono);
                                FILE.opus or FILE.ogg: Ogg Opus (32 kb/s) instead of WAV
  --recordings-dir DIR          where recordings made with the record button / call.record go
                                (web; instead of the Settings folder, for this run)
  --duration SECONDS            talk time (call), or how long to run (register, listen, echo)
  --auto-answer                 listen: answer incoming calls
Other: --bind HOST:PORT (SIP listening address), --identity ADDR (which address a call presents),
  --keepalive SECONDS (NAT keep-alive of the registration's UDP flow, always; 0 = none; default: every 25 s where
    a router lies between us and the registrar, none to a registrar on our own link that saw our own address),
  --rtp-timeout SECONDS (end a call whose peer sent no RTP/RTCP that long; default 30, 0 = never),
  --port N and --no-open (web), --json (one JSON event per line on stdout), --data-dir DIR, -v/--verbose,
  --rtp-ports MIN-MAX (the UDP ports media may use, e.g. 16384-16483 for a firewall rule; default 16384-32767).
NAT and ICE (calls offer ICE by default, RFC 8445): --stun HOST:PORT (STUN server for our public media address),
  --turn USER@HOST:PORT (TURN relay; password in PARLEY_TURN_PASSWORD), --no-ice (plain RTP only). With account
  flags they are that account's servers (kept with it by \`parley accounts add\`). Behind a NAT the "registered"
  line says your public address as the registrar sees it.

Exit codes: 0 ok · 1 failure · 2 usage · 3 authentication failed · 4 no answer · 5 busy/declined
  · 6 network / server unreachable · 7 other rejection · 130 interrupted before the outcome was known.

Examples:
  parley register --aor sip:alice@example.com --password … --duration 60
  parley call sip:+15551234@example.com --aor sip:alice@example.com --tone 440 --record heard.wav --duration 5
  parley listen --aor sip:alice@example.com --alias sip:+15559876@example.com --auto-answer --json
  parley message sip:bob@example.com "on my way" --aor sip:alice@example.com
  parley watch 201 202 sip:carol@example.com --aor sip:alice@example.com --json
  parley status away --note "back at 3" --aor sip:alice@example.com --duration 3600
  parley call sip:bob@127.0.0.1:5062          (no server: the built-in direct account)
  parley web`;

const perCommand: Record<CommandName, string> = {
  register: `parley register [account flags] [--duration S] [--json]
Registers the account (or every enabled stored account), prints the server's answer, stays
registered for --duration seconds (default: until Ctrl-C) and unregisters before it exits.
Exit 3 when the server refuses the credentials, 6 when it cannot be reached.`,
  call: `parley call <target> [account flags] [--identity ADDR] [--tone HZ | --play FILE] [--record FILE] [--duration S]
Dials <target> (a number, user@host or a sip:/tel: URI) from the account, once the account
is registered (a refused registration ends the run with exit 3 or 6). Once answered it talks
for --duration seconds (default: until the other side hangs up,
the --play file has played, or Ctrl-C), hangs up, and prints the call's quality (MOS, loss,
jitter, RTT). Exit 0 answered, 3 authentication, 4 no answer, 5 busy/declined, 6 network,
7 other rejection (also when the call was answered but its media could not be set up).`,
  message: `parley message <target> <text> [account flags] [--identity ADDR] [--json]
Sends <text> (at most 1300 bytes of UTF-8, RFC 3428) to <target> (a number, user@host or a
sip: URI) as a SIP MESSAGE from the account (registered first when it has a registrar),
presenting --identity (one of the account's addresses) when given. Prints the outcome:
"delivered" (2xx), "stored by the server" (202: a store-and-forward server such as Kamailio's
msilo keeps it until the other side registers), or the failure in words with the code.
Exit 0 on any 2xx; otherwise as for calls: 3 authentication, 4 no answer (408/480),
5 busy/declined, 6 network, 7 other rejection.`,
  listen: `parley listen [account flags] [--auto-answer] [--tone HZ | --play FILE] [--record FILE] [--duration S]
Registers and waits for calls and instant messages; prints each incoming call and message with
the address it was sent to (one of the account's aliases). With --json every event is one JSON
line: "call.incoming", "call", "message" (a MessageSnapshot: peer, body, localAlias…),
"message.composing" (the other side is typing), and the presence and voicemail events. With --auto-answer every call is answered with the chosen
audio and recorded; otherwise calls ring until the caller gives up.
It answers direct calls for any user at its address; an unanswered call rings for
--ring-timeout seconds (default 120), then ends with 480.
Send it SIGUSR2 (kill -USR2 PID) to print a "diagnostics" line: the calls, media sessions,
dialogs and transactions it holds and its heap (after a GC when node runs with --expose-gc).`,
  echo: `parley echo [account flags] [--record FILE] [--duration S]
Registers and answers every call, sending back what it hears (an echo test line).`,
  watch: `parley watch <target>… [account flags] [--duration S] [--json]
Subscribes (SIP SUBSCRIBE, RFC 6665) to the presence (RFC 3856) and the line state (dialog-info,
RFC 4235: idle, ringing with who calls, in a call) of each target — a number, user@host or a
sip: URI, as for calls — and prints every change until Ctrl-C or --duration seconds. With
--json each change is one "watch" event (the API's WatchSnapshot: presence status, note and
activities, the line's dialogs, each subscription's state and why). A subscription the server
refuses is shown in words (e.g. "the event package is not supported"); one that fails for a
while is tried again with back-off. The watches are removed when it ends.`,
  status: `parley status available|away|busy|dnd|offline [--note TEXT] [account flags] [--duration S] [--json]
Publishes your presence (SIP PUBLISH of a PIDF document, RFC 3903/3863) on the account's
server, prints where it was published, keeps it fresh for --duration seconds (default: until
Ctrl-C) and removes it when it ends. dnd is published as busy with a "dnd" activity, offline
as closed. Exit 0 published, 3 authentication, 6 network, 7 refused (e.g. the server does not
take PUBLISH).`,
  accounts: `parley accounts list [--data-dir DIR] [--json]
parley accounts add --aor sip:USER@DOMAIN [--alias …] [--user …] [--password … | PARLEY_PASSWORD] [--proxy …] [--transport …]
    [--stun HOST:PORT] [--turn USER@HOST:PORT with PARLEY_TURN_PASSWORD]
parley accounts remove <id|aor>
Accounts live in the data dir (default ~/.config/parley, $XDG_CONFIG_HOME honoured); passwords
(the TURN one too) go to its secrets.json (mode 0600) and are never printed. --stun and --turn
are the account's own servers for its calls (a host name or address; port 3478 if left out).`,
  forward: `parley forward [--data-dir DIR] [--json]                       show the rules
parley forward always|busy|no-answer TARGET [--after S] [--by redirect|bridge] [--account ID|AOR]
parley forward off [always|busy|no-answer] [--account ID|AOR]
Call forwarding, stored in the data dir; a running phone (listen, web, the app) applies it:
  always      every call, at once, without ringing here
  busy        while another call is up, under do-not-disturb, or when you decline (486)
  no-answer   after ringing --after seconds (5–120, default 20)
--by redirect (default) answers the caller with 302 and the target (the caller's phone or proxy
calls it; RFC 3261 §8.3, with a Diversion header); --by bridge has this phone call the target and
join the two calls once it answers. TARGET is a number (completed with the account's domain) or
an address; one of this phone's own addresses is refused. Without --account the rule is every
account's; with it, that account's own (off with --account and no condition: back to the global).
  parley forward busy 200 --by bridge
  parley forward no-answer sip:voicemail@example.com --after 15
  parley forward off`,
  web: `parley web [--port N] [--no-open] [--data-dir DIR | account flags]
Starts the phone and serves the Parley UI to a browser on 127.0.0.1 (port 0 = any free port).
The printed URL carries this run's access token; the browser is the sound card (microphone
and speaker through the page). --no-open prints the URL without opening a browser.
The URL comes first: the phone starts when the page has loaded (or after a second), and the
page says "Starting the phone…" until it is up.`,
  help: `parley help [command]`,
};

export function helpText(command?: string): string {
  if (command !== undefined && command in serverHelp) return serverHelp[command as keyof typeof serverHelp];
  if (command !== undefined && command in perCommand) return perCommand[command as CommandName];
  return summary;
}
