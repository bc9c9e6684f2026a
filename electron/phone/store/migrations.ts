/**
 * The schema, as an append-only list of steps. Step i (1-based) moves the
 * database from `PRAGMA user_version` i-1 to i; the Store applies each in its
 * own transaction together with the version bump, so a crash or a failing step
 * leaves the previous version intact. Never edit a released step: add one.
 *
 * Conventions: STRICT tables; times are integer milliseconds since the Unix
 * epoch (wall clock, for people, not the monotonic Clock); lists that keep an
 * order (aliases, contact entries) live in child tables with a `position`;
 * small structured values (codec order, identity rules, call quality) are JSON
 * text, validated by the repositories on the way in and out.
 */
export interface Migration {
  /** What the step does, for logs. */
  readonly description: string;
  /** One or more SQL statements, executed with `exec`. */
  readonly sql: string;
}

/** 'PRLY': marks the file as Parley's so we never adopt another program's database. */
export const PARLEY_APPLICATION_ID = 0x50524c59;

export const MIGRATIONS: readonly Migration[] = [
  {
    description: 'accounts with ordered aliases, settings, contacts with entries, call history',
    sql: `
      PRAGMA application_id = ${PARLEY_APPLICATION_ID};

      CREATE TABLE settings (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL                       -- JSON
      ) STRICT;

      CREATE TABLE accounts (
        id                   TEXT PRIMARY KEY NOT NULL,
        position             INTEGER NOT NULL,   -- display order
        display_name         TEXT NOT NULL,
        aor                  TEXT NOT NULL,
        auth_user            TEXT,
        secret_ref           TEXT,               -- a SecretStore reference, never the password
        registrar            TEXT,
        outbound_proxy       TEXT,
        transport            TEXT NOT NULL CHECK (transport IN ('udp', 'tcp', 'tls')),
        codecs               TEXT NOT NULL,      -- JSON array, preference order
        srtp                 TEXT NOT NULL CHECK (srtp IN ('off', 'optional', 'mandatory')),
        dtmf                 TEXT NOT NULL CHECK (dtmf IN ('rfc4733', 'info')),
        auto_answer          INTEGER NOT NULL CHECK (auto_answer IN (0, 1)),
        enabled              INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        identity_rules       TEXT NOT NULL,      -- JSON array of IdentityRule
        register_expires     INTEGER NOT NULL,
        p_preferred_identity INTEGER NOT NULL CHECK (p_preferred_identity IN (0, 1))
      ) STRICT;

      CREATE TABLE account_aliases (
        account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        position   INTEGER NOT NULL,
        uri        TEXT NOT NULL,
        PRIMARY KEY (account_id, position)
      ) STRICT;

      CREATE TABLE contacts (
        id       TEXT PRIMARY KEY NOT NULL,
        name     TEXT NOT NULL,
        favorite INTEGER NOT NULL CHECK (favorite IN (0, 1))
      ) STRICT;
      CREATE INDEX contacts_name ON contacts(name COLLATE NOCASE);

      CREATE TABLE contact_entries (
        contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
        kind       TEXT NOT NULL CHECK (kind IN ('sip', 'tel')),
        position   INTEGER NOT NULL,
        label      TEXT NOT NULL,
        value      TEXT NOT NULL,
        PRIMARY KEY (contact_id, kind, position)
      ) STRICT;

      CREATE TABLE history (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- ids are never reused
        direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        peer_uri    TEXT NOT NULL,
        peer_name   TEXT,
        contact_id  TEXT REFERENCES contacts(id) ON DELETE SET NULL,
        local_alias TEXT,
        account_id  TEXT REFERENCES accounts(id) ON DELETE SET NULL,
        started_at  INTEGER NOT NULL,
        answered_at INTEGER,
        ended_at    INTEGER,
        result_code INTEGER,
        reason      TEXT,
        quality     TEXT                                -- JSON CallQuality
      ) STRICT;
      CREATE INDEX history_started ON history(started_at);
      -- Foreign-key actions scan the child table without these.
      CREATE INDEX history_contact ON history(contact_id);
      CREATE INDEX history_account ON history(account_id);
    `,
  },
  {
    description: 'SIP MESSAGE store; history keeps the Call-ID',
    sql: `
      ALTER TABLE history ADD COLUMN call_id TEXT;
      CREATE INDEX history_call_id ON history(call_id);

      CREATE TABLE messages (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        peer_uri     TEXT NOT NULL,
        body         TEXT NOT NULL,
        content_type TEXT NOT NULL,
        timestamp    INTEGER NOT NULL,
        account_id   TEXT REFERENCES accounts(id) ON DELETE SET NULL,
        status       TEXT NOT NULL CHECK (status IN ('received', 'pending', 'sent', 'failed'))
      ) STRICT;
      CREATE INDEX messages_peer ON messages(peer_uri, timestamp);
      CREATE INDEX messages_account ON messages(account_id);
    `,
  },
  {
    description: 'accounts: digest realms (configured, learned), TLS trust (CA file, pinned certificate), SDES over non-TLS opt-in',
    sql: `
      ALTER TABLE accounts ADD COLUMN auth_realms TEXT NOT NULL DEFAULT '[]';     -- JSON string[]
      ALTER TABLE accounts ADD COLUMN learned_realms TEXT NOT NULL DEFAULT '[]';  -- JSON string[]
      ALTER TABLE accounts ADD COLUMN tls_ca_file TEXT;
      ALTER TABLE accounts ADD COLUMN tls_pin TEXT;
      ALTER TABLE accounts ADD COLUMN sdes_in_clear INTEGER NOT NULL DEFAULT 0 CHECK (sdes_in_clear IN (0, 1));
    `,
  },
  {
    description: 'presence, watched lines and voicemail: voicemail number and pickup code per account; watches; watcher decisions; own status',
    sql: `
      ALTER TABLE accounts ADD COLUMN voicemail TEXT;
      ALTER TABLE accounts ADD COLUMN pickup_code TEXT;

      CREATE TABLE watches (
        id          TEXT PRIMARY KEY,
        account_id  TEXT NOT NULL,  -- no foreign key: the built-in direct account is not stored
        target      TEXT NOT NULL,
        presence    INTEGER NOT NULL CHECK (presence IN (0, 1)),
        line        INTEGER NOT NULL CHECK (line IN (0, 1)),
        position    INTEGER NOT NULL,
        UNIQUE (account_id, target)
      ) STRICT;

      CREATE TABLE watcher_decisions (
        account_id  TEXT NOT NULL,
        watcher     TEXT NOT NULL,
        decision    TEXT NOT NULL CHECK (decision IN ('allow', 'block')),
        decided_at  INTEGER NOT NULL,
        PRIMARY KEY (account_id, watcher)
      ) STRICT;

      -- The status the user picked (one row): kept across restarts like the DND switch.
      CREATE TABLE own_presence (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        status  TEXT NOT NULL CHECK (status IN ('available', 'away', 'busy', 'dnd', 'offline')),
        note    TEXT
      ) STRICT;
    `,
  },
  {
    description: 'messages: delivery states (sending, delivered, stored by the server, failed) with the SIP answer and the identity used; conversations with read marker and request/blocked state',
    sql: `
      CREATE TABLE messages_v2 (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        peer_uri     TEXT NOT NULL,
        body         TEXT NOT NULL,
        content_type TEXT NOT NULL,
        timestamp    INTEGER NOT NULL,
        account_id   TEXT REFERENCES accounts(id) ON DELETE SET NULL,
        status       TEXT NOT NULL CHECK (status IN ('received', 'sending', 'delivered', 'stored', 'failed')),
        local_alias  TEXT,                       -- our address it was sent from / to
        code         INTEGER,                    -- final SIP status of an outgoing one
        reason       TEXT
      ) STRICT;
      INSERT INTO messages_v2 (id, direction, peer_uri, body, content_type, timestamp, account_id, status)
        SELECT id, direction, peer_uri, body, content_type, timestamp, account_id,
               CASE status WHEN 'sent' THEN 'delivered' WHEN 'pending' THEN 'failed' ELSE status END
          FROM messages;
      DROP TABLE messages;
      ALTER TABLE messages_v2 RENAME TO messages;
      CREATE INDEX messages_peer ON messages(peer_uri, id);
      CREATE INDEX messages_account ON messages(account_id);

      CREATE TABLE conversations (
        peer_uri   TEXT PRIMARY KEY NOT NULL,
        -- 'request': a stranger wrote first and we have not answered; 'open'; 'blocked': refused (603)
        state      TEXT NOT NULL CHECK (state IN ('request', 'open', 'blocked')),
        read_upto  INTEGER NOT NULL DEFAULT 0    -- the newest message id the user has seen
      ) STRICT;
      INSERT INTO conversations (peer_uri, state, read_upto) SELECT peer_uri, 'open', max(id) FROM messages GROUP BY peer_uri;
    `,
  },
  {
    description: 'history: who forwarded an incoming call to us (Diversion / History-Info), in words',
    sql: `ALTER TABLE history ADD COLUMN forwarded_by TEXT;`,
  },
  {
    description: 'history: where we forwarded a call (call forwarding on the phone), in words',
    sql: `ALTER TABLE history ADD COLUMN forwarded_to TEXT;`,
  },
  {
    description: 'history: the call\'s recordings (JSON array of file paths)',
    sql: `ALTER TABLE history ADD COLUMN recordings TEXT;`,
  },
  {
    description: "accounts: caller-ID privacy of our calls (RFC 3323: 'none', 'id', 'header')",
    sql: `ALTER TABLE accounts ADD COLUMN privacy TEXT NOT NULL DEFAULT 'none' CHECK (privacy IN ('none', 'id', 'header'));`,
  },
  {
    description: 'accounts: STUN and TURN servers per account (the TURN password in the secret store)',
    sql: `
      ALTER TABLE accounts ADD COLUMN stun_server TEXT;
      ALTER TABLE accounts ADD COLUMN turn_server TEXT;
      ALTER TABLE accounts ADD COLUMN turn_secret_ref TEXT;
    `,
  },
];

export const CURRENT_SCHEMA_VERSION = MIGRATIONS.length;
