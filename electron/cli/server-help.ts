/** `parley help serve` and `parley help users`. */
export const serverHelp = {
  serve: `parley serve --domain DOMAIN [--bind HOST:PORT]… [--tls-cert FILE --tls-key FILE [--tls-port N]]
             [--redirect] [--users FILE.json] [--digest LIST] [--rate-limit N] [--json] [--data-dir DIR] [-v]
Runs Parley as the phone system of DOMAIN: a registrar (digest SHA-256/MD5, aliases, the
registrations kept in DATA-DIR/server.db across restarts) and a stateful proxy that forks calls
to every phone of the callee, record-routes, and finds other domains' servers by DNS
(NAPTR/SRV/A, RFC 3263). With --redirect it answers calls with 302 and the callee's phones instead.
Its users say who may register and call out; callers from other domains may call them.

  --domain DOMAIN        the SIP domain served (also the digest realm); remembered in the data dir
  --bind HOST:PORT       UDP and TCP address (repeatable); default 127.0.0.1:5060 — only this
                         computer. Give 0.0.0.0:5060 (or an address) to serve the network.
  --tls-cert, --tls-key  PEM files: also listen on TLS (port +1 unless --tls-port)
  --redirect             redirect server: 302 with the contacts in q order; never forwards
  --users FILE.json      users from a file: [{"username":"johndoe","password":"…","aliases":["+554845678901"]}]
                         (used with the stored ones; the file wins on equal names)
  --digest LIST          challenge algorithms in order; default sha-256,md5 (md5 alone for old phones)
  --rate-limit N         requests per second from one address before it is dropped (default 200; 0 = none)
  --json                 one JSON event per line: serving, bindings (each change), stats, error
It prints each registration as it changes; Ctrl-C stops it. Beyond an office (hundreds of
phones, several sites, PSTN trunks), move to Kamailio, OpenSIPS or Asterisk.
Examples:
  parley users add johndoe --alias +554845678901 --alias 45678901 --domain office.example --password-prompt
  parley serve --domain office.example --bind 0.0.0.0:5060`,
  users: `parley users add NAME [--alias USER]… [--display-name N] [--domain DOMAIN] (--password-prompt | --password PW)
parley users list [--json]
parley users remove NAME
Manages the users of parley serve (in DATA-DIR/server.db). An alias is another user part of the
same domain that reaches the same phones (johndoe, +554845678901 and 45678901 @office.example).
Only the digest hashes of the password are stored, for the domain given (remembered after the
first time): changing the domain needs the passwords again. PARLEY_PASSWORD works as --password.`,
} as const;
