/**
 * The kamailio.cfg (Kamailio 5.6 syntax) and db_text tables the harness runs:
 * registrar + usrloc in memory, digest auth from a db_text `subscriber` table,
 * alias_db (`dbaliases`), record-routing, relaying to registered contacts,
 * 404 for unknown users, a redirect listener answering 302, and JSON-RPC over
 * HTTP on the TCP listener so tests can read the location table.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

export interface KamailioUser {
  username: string;
  password: string;
  /** Default: the harness domain. */
  domain?: string;
}

export interface KamailioAlias {
  /** The alias user part, e.g. "+554845678901" or "45678901". */
  alias: string;
  aliasDomain?: string;
  username: string;
  domain?: string;
}

/** 'location': 302 to the registered contacts; 'proxy': 302 to sip:<user>@<proxy udp addr>; {contact}: 302 to that URI. */
export type RedirectMode = 'location' | 'proxy' | { contact: string };

export interface KamailioConfigParams {
  dir: string;
  domain: string;
  /** The IPv4 address every listener binds (default 127.0.0.1; a WAN address in a test namespace). */
  host?: string;
  /** Load the stun module: STUN Binding requests on the SIP UDP port are answered (RFC 5626 §8 keep-alives). */
  stun?: boolean;
  /**
   * Be a presence server (kamailio-presence-modules): PUBLISH and SUBSCRIBE for presence,
   * presence.winfo, dialog (BLF, with pua_dialoginfo publishing the dialogs of calls it proxies)
   * and message-summary; watchers are let in without XCAP rules (presence_xml force_active).
   */
  presence?: boolean;
  /**
   * Keep MESSAGEs for subscribers who are not registered (msilo): answered 202 and
   * delivered by the server when the subscriber next registers (RFC 3428 §6 store and forward).
   */
  messageStore?: boolean;
  udpPort: number;
  tcpPort: number;
  /** Also listen on TLS at this port with this certificate (kamailio-tls-modules; its tls.cfg is written beside). */
  tls?: { port: number; certFile: string; keyFile: string; caFile?: string };
  /** Also listen on [::1] UDP at this port. */
  udp6Port?: number;
  redirectPort: number;
  redirect: RedirectMode;
  /** Kamailio 5.6's auth module offers MD5 or SHA-256. */
  algorithm: 'MD5' | 'SHA-256';
  /**
   * www_challenge / proxy_challenge flags: qop=auth (1) or none (0, RFC 2069 style).
   * Not auth-int: Kamailio 5.6's auth_check_response() hashes an uninitialised
   * H(entity-body) buffer for auth-int, so no client can ever pass it.
   */
  qop: 'auth' | 'none';
  /** Challenge requests from local users other than REGISTER with 407 (proxy_authorize). */
  authenticateCalls: boolean;
  /**
   * With authenticateCalls: be a trust domain (RFC 3325) — an INVITE loses the P-Asserted-Identity and
   * P-Preferred-Identity its caller wrote and gets `P-Asserted-Identity: "<user> (verified)" <sip:user@domain>`
   * of the authenticated user, unless it asks for privacy (Privacy: id, header or user, RFC 3323): then
   * no identity leaves, as a privacy service does towards a callee outside the trust domain.
   */
  assertIdentity?: boolean;
  /** auth nonce_expire, seconds. */
  nonceExpire: number;
  /** Check nonce-count replay (auth module nonce_count=1). */
  checkNonceCount: boolean;
  debug: number;
  users: readonly KamailioUser[];
  aliases: readonly KamailioAlias[];
}

const modulePath = '/usr/lib/x86_64-linux-gnu/kamailio/modules/';

/** db_text separates columns with ':' and rejects empty columns; escape the separators. */
function dbtext(value: string): string {
  if (value === '') throw new Error('db_text rejects empty columns');
  return value.replace(/\\/g, '\\\\').replace(/:/g, '\\:').replace(/\n/g, '\\n');
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** Writes version, subscriber and dbaliases into `<dir>/db`; returns the db dir. */
export function writeKamailioDb(p: KamailioConfigParams): string {
  const db = join(p.dir, 'db');
  mkdirSync(db, { recursive: true });
  writeFileSync(join(db, 'version'), `id(int,auto) table_name(string) table_version(int) \n1:subscriber:7\n2:dbaliases:1\n${p.presence ? PRESENCE_VERSIONS : ''}${p.messageStore ? '40:silo:8\n' : ''}`);
  if (p.messageStore) writeFileSync(join(db, 'silo'), `${SILO_COLUMNS} \n`);
  if (p.presence) for (const [table, columns] of Object.entries(PRESENCE_TABLES)) writeFileSync(join(db, table), `${columns} \n`);
  const subs = p.users.map((u, i) => {
    const domain = u.domain ?? p.domain;
    const ha1 = md5(`${u.username}:${domain}:${u.password}`);
    const ha1b = md5(`${u.username}@${domain}:${domain}:${u.password}`);
    return [String(i + 1), u.username, domain, u.password, ha1, ha1b].map(dbtext).join(':');
  });
  writeFileSync(join(db, 'subscriber'), `id(int,auto) username(string) domain(string) password(string) ha1(string) ha1b(string) \n${subs.map((l) => `${l}\n`).join('')}`);
  const aliases = p.aliases.map((a, i) =>
    [String(i + 1), a.alias, a.aliasDomain ?? p.domain, a.username, a.domain ?? p.domain].map(dbtext).join(':'),
  );
  writeFileSync(
    join(db, 'dbaliases'),
    `id(int,auto) alias_username(string) alias_domain(string) username(string) domain(string) \n${aliases.map((l) => `${l}\n`).join('')}`,
  );
  return db;
}

/** msilo's db_text table (Kamailio 5.6 schema, /usr/share/kamailio/dbtext/kamailio/silo, with callid and status nullable: msilo 5.6 stores neither). */
const SILO_COLUMNS =
  'id(int,auto) src_addr(string) dst_addr(string) username(string) domain(string) inc_time(int) exp_time(int) snd_time(int) ctype(string) body(string,null) extra_hdrs(string,null) callid(string,null) status(int,null)';

/**
 * The stored messages go out through this Kamailio itself (outbound_proxy): it
 * finds the subscriber's binding as for any request. They keep their sender's
 * From, so the script does not ask for credentials what comes from its own port.
 */
function messageStoreModule(host: string, port: number, dbDir: string): string {
  return `loadmodule "msilo.so"
modparam("msilo", "db_url", "text://${dbDir}")
modparam("msilo", "outbound_proxy", "sip:${host}:${port}")
modparam("msilo", "use_contact", 0)
`;
}

/**
 * Without the presence modules, what Kamailio's stock kamailio.cfg does
 * (route[PRESENCE] without WITH_PRESENCE): no voicemail server for
 * message-summary, and PUBLISH is not taken ("Not here"). Without this a
 * phone's PUBLISH to its own address was relayed to the phone itself.
 */
const NO_PRESENCE = `  if (is_method("SUBSCRIBE") && $hdr(Event) == "message-summary") { sl_send_reply("404", "No voicemail service"); exit; }
  if (is_method("PUBLISH")) { sl_send_reply("404", "Not here"); exit; }
`;

/** The presence modules' db_text tables (Kamailio 5.6 schema, /usr/share/kamailio/dbtext), empty. */
const PRESENCE_TABLES: Record<string, string> = {
  presentity: 'id(int,auto) username(string) domain(string) event(string) etag(string) expires(int) received_time(int) body(string) sender(string) priority(int) ruid(string,null)',
  active_watchers:
    'id(int,auto) presentity_uri(string) watcher_username(string) watcher_domain(string) to_user(string) to_domain(string) event(string) event_id(string,null) to_tag(string) from_tag(string) callid(string) local_cseq(int) remote_cseq(int) contact(string) record_route(string,null) expires(int) status(int) reason(string,null) version(int) socket_info(string) local_contact(string) from_user(string) from_domain(string) updated(int) updated_winfo(int) flags(int) user_agent(string,null)',
  watchers: 'id(int,auto) presentity_uri(string) watcher_username(string) watcher_domain(string) event(string) status(int) reason(string,null) inserted_time(int)',
  xcap: 'id(int,auto) username(string) domain(string) doc(string) doc_type(int) etag(string) source(int) doc_uri(string) port(int)',
  pua: 'id(int,auto) pres_uri(string) pres_id(string) event(int) expires(int) desired_expires(int) flag(int) etag(string) tuple_id(string,null) watcher_uri(string) call_id(string) to_tag(string) from_tag(string) cseq(int) record_route(string,null) contact(string) remote_contact(string) version(int) extra_headers(string)',
};
const PRESENCE_VERSIONS = '3:presentity:5\n4:active_watchers:12\n5:watchers:3\n6:xcap:4\n7:pua:7\n';

function presenceModules(host: string, port: number, dbDir: string): string {
  return `loadmodule "dialog.so"
loadmodule "presence.so"
loadmodule "presence_xml.so"
loadmodule "presence_dialoginfo.so"
loadmodule "presence_mwi.so"
loadmodule "pua.so"
loadmodule "pua_dialoginfo.so"
modparam("presence", "db_url", "text://${dbDir}")
modparam("presence", "server_address", "sip:${host}:${port}")
modparam("presence", "subs_db_mode", 0)
modparam("presence_xml", "db_url", "text://${dbDir}")
modparam("presence_xml", "force_active", 1)
modparam("pua", "db_url", "text://${dbDir}")
modparam("pua", "db_mode", 0)
modparam("pua", "outbound_proxy", "sip:${host}:${port}")
modparam("pua_dialoginfo", "include_callid", 1)
modparam("pua_dialoginfo", "include_tags", 1)
modparam("pua_dialoginfo", "include_localremote", 1)
modparam("pua_dialoginfo", "callee_trying", 1)
modparam("dialog", "dlg_flag", 4)
`;
}

function cfgString(text: string): string {
  if (/["\\\r\n]/.test(text)) throw new Error(`unsafe value for kamailio.cfg: ${text}`);
  return text;
}

/** Kamailio's tls.cfg: our certificate as the server; as a client (calls to a phone over TLS) no verification, like most PBX setups. */
export function kamailioTlsConfig(tls: NonNullable<KamailioConfigParams['tls']>): string {
  return `[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = ${tls.keyFile}
certificate = ${tls.certFile}
${tls.caFile ? `ca_list = ${tls.caFile}\n` : ''}
[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
`;
}

export function kamailioConfig(p: KamailioConfigParams, dbDir: string): string {
  const flags = p.qop === 'auth' ? '1' : '0';
  // A trust domain authenticates anonymous callers too (RFC 3325 §9.3: by their P-Preferred-Identity), in its own realm.
  const realm = p.assertIdentity ? p.domain : '$fd';
  const host = p.host ?? '127.0.0.1';
  const domain = cfgString(p.domain);
  let redirect: string;
  if (p.redirect === 'location') {
    redirect = `    alias_db_lookup("dbaliases");
    if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }`;
  } else if (p.redirect === 'proxy') {
    redirect = `    alias_db_lookup("dbaliases");
    $ru = "sip:" + $rU + "@${host}:${p.udpPort}";`;
  } else {
    redirect = `    $ru = "${cfgString(p.redirect.contact)}";`;
  }
  const listens = [
    `listen=udp:${host}:${p.udpPort}`,
    `listen=tcp:${host}:${p.tcpPort}`,
    ...(p.udp6Port ? [`listen=udp:[::1]:${p.udp6Port}`] : []),
    `listen=udp:${host}:${p.redirectPort}`,
    `listen=tcp:${host}:${p.redirectPort}`,
    ...(p.tls ? [`listen=tls:${host}:${p.tls.port}`] : []),
  ];
  return `#!KAMAILIO
# Generated by tests/interop/harness (Parley). Kamailio 5.6.
debug=${p.debug}
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
# Never ask the system resolver (test rule: no made-up names leave the machine).
dns=no
rev_dns=no
use_dns_cache=off
dns_try_ipv6=no
tcp_accept_no_cl=yes
${listens.join('\n')}
alias="${domain}"
mpath="${modulePath}"
${p.tls ? `enable_tls=yes
tcp_connection_lifetime=3605
# RFC 5923: a Via ;alias makes the connection reusable for requests to the phone's sent-by.
tcp_accept_aliases=yes
` : ''}
${p.stun ? 'loadmodule "stun.so"\n' : ''}${p.tls ? `loadmodule "tls.so"
modparam("tls", "config", "${join(p.dir, 'tls.cfg')}")
` : ''}loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "db_text.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
loadmodule "alias_db.so"
loadmodule "xhttp.so"
loadmodule "jsonrpcs.so"
${p.presence ? presenceModules(host, p.udpPort, dbDir) : ''}${p.messageStore ? messageStoreModule(host, p.udpPort, dbDir) : ''}
modparam("jsonrpcs", "transport", 1)
modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", 1)
modparam("registrar", "default_expires", 3600)
modparam("auth", "algorithm", "${p.algorithm}")
modparam("auth", "nonce_expire", ${p.nonceExpire})
${p.checkNonceCount ? 'modparam("auth", "nonce_count", 1)' : ''}
modparam("auth_db", "db_url", "text://${dbDir}")
modparam("auth_db", "calculate_ha1", yes)
modparam("auth_db", "password_column", "password")
modparam("auth_db", "load_credentials", "")
modparam("alias_db", "db_url", "text://${dbDir}")
modparam("alias_db", "use_domain", 1)
modparam("rr", "enable_full_lr", 1)
modparam("rr", "append_fromtag", 1)

request_route {
  xlog("L_INFO", "harness: $rm $ru from $si:$sp to port $Rp\\n");
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  force_rport();
  if ($Rp == ${p.redirectPort}) { route(REDIRECT); exit; }
  if (is_method("OPTIONS") && uri == myself && $rU == $null) { sl_send_reply("200", "Keepalive"); exit; }
  if (has_totag()) { route(WITHINDLG); exit; }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  t_check_trans();
  remove_hf("Route");
${p.presence ? '  if (is_method("PUBLISH|SUBSCRIBE")) { route(PRESENCE); exit; }\n  if (is_method("INVITE")) { setflag(4); }\n' : NO_PRESENCE}  if (is_method("INVITE|SUBSCRIBE")) { record_route(); }
  if (is_method("REGISTER")) { route(REGISTRAR); exit; }
${
  p.authenticateCalls
    ? `  if (!is_method("ACK|PRACK|BYE") && (from_uri == myself${p.assertIdentity ? ' || $fd == "anonymous.invalid"' : ''})${p.messageStore ? ` && !(src_ip == myself && $sp == ${p.udpPort})` : ''}) {
    if (!proxy_authorize("${realm}", "subscriber")) {
      if ($rc == -4) { proxy_challenge("${realm}", "${Number(flags) | 16}"); } else { proxy_challenge("${realm}", "${flags}"); }
      exit;
    }
    consume_credentials();${p.assertIdentity ? `
    if (is_method("INVITE")) {
      remove_hf("P-Asserted-Identity");
      remove_hf("P-Preferred-Identity");
      if (!($hdr(Privacy) =~ "(^|[;, ])(id|header|user)([;, ]|$)")) {
        append_hf("P-Asserted-Identity: \\"$au (verified)\\" <sip:$au@${p.domain}>\\r\\n");
      }
    }` : ''}
  }`
    : ''
}
  if (uri == myself) {
    alias_db_lookup("dbaliases");
    if (!lookup("location")) {
      $var(rc) = $rc;
${p.messageStore ? `      if (is_method("MESSAGE") && is_subscriber("$ru", "subscriber", 3)) {
        t_newtran();
        if (m_store("$ru")) { t_reply("202", "Accepted"); } else { t_reply("503", "Not Stored"); }
        exit;
      }
` : ''}      switch ($var(rc)) {
        case -2: sl_send_reply("405", "Method Not Allowed"); exit;
        default: sl_send_reply("404", "Not Found"); exit;
      }
    }
  } else if (!($rd =~ "^[0-9.]+$" || $rd =~ "^\\[")) {
    # Only IP literals are relayed elsewhere: no DNS for other domains.
    sl_send_reply("403", "Relaying Forbidden");
    exit;
  }
  if (!t_relay()) { sl_reply_error(); }
  exit;
}

route[WITHINDLG] {
${p.presence ? '  if (is_method("SUBSCRIBE") && uri == myself) { route(PRESENCE); exit; }\n' : ''}  if (loose_route()) { t_relay(); exit; }
  if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
  sl_send_reply("404", "Not Here");
  exit;
}

route[REGISTRAR] {
  # www_challenge does not mark an expired nonce by itself: $rc -4 (nonce expired)
  # gets flag 16, stale=true (RFC 7616 §3.3), so clients retry without asking the user.
  if (!www_authorize("$td", "subscriber")) {
    if ($rc == -4) { www_challenge("$td", "${Number(flags) | 16}"); } else { www_challenge("$td", "${flags}"); }
    exit;
  }
  if ($au != $tU) { sl_send_reply("403", "Forbidden Auth ID"); exit; }
  consume_credentials();
  if (!save("location")) { sl_reply_error(); exit; }
${p.messageStore ? '  m_dump();\n' : ''}  exit;
}

${p.presence ? `route[PRESENCE] {
${p.authenticateCalls ? `  # pua_dialoginfo's own PUBLISHes (Event: dialog) come from Kamailio itself and carry no credentials.
  if (!has_totag() && from_uri == myself && !(is_method("PUBLISH") && $hdr(Event) == "dialog")) {
    if (!proxy_authorize("$fd", "subscriber")) { proxy_challenge("$fd", "${flags}"); exit; }
    consume_credentials();
  }
` : ''}  if (!t_newtran()) { sl_reply_error(); exit; }
  if (is_method("PUBLISH")) { handle_publish(); t_release(); }
  else { handle_subscribe(); t_release(); }
  exit;
}

` : ''}route[REDIRECT] {
  if (is_method("ACK")) { exit; }
${redirect}
  sl_send_reply("302", "Moved Temporarily");
  exit;
}

event_route[xhttp:request] {
  if ($hu =~ "^/RPC") { jsonrpc_dispatch(); } else { xhttp_reply("404", "Not Found", "text/plain", "not here"); }
  exit;
}
`;
}
