#include "store/migrations.h"

namespace atrium::store {
namespace {

// Tables are kept apart by data category (R12) so retention, erasure and access rules can be
// applied per category: store_meta (internal), apps (console settings), entry_events
// (back-end logs). Secrets are columns ending in _enc: AES-256-GCM ciphertext, never plaintext.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE store_meta (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
);

CREATE TABLE apps (
  sdk_app_id          BIGINT PRIMARY KEY,
  name                TEXT NOT NULL,
  secret_key_enc      BLOB NOT NULL,
  status              TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'deleted')),
  max_rtc_users       BIGINT NOT NULL,
  max_live_users      BIGINT NOT NULL,
  max_publishers      BIGINT NOT NULL,
  max_rooms           BIGINT NOT NULL,
  advanced_permission INTEGER NOT NULL,
  recording           INTEGER NOT NULL,
  relay               INTEGER NOT NULL,
  callback_url        TEXT NOT NULL,
  callback_key_enc    BLOB,
  region              TEXT NOT NULL,
  created_at_ms       BIGINT NOT NULL,
  updated_at_ms       BIGINT NOT NULL,
  deleted_at_ms       BIGINT
);

CREATE TABLE entry_events (
  id             INTEGER PRIMARY KEY,
  time_ms        BIGINT NOT NULL,
  sdk_app_id     BIGINT NOT NULL,
  room           TEXT NOT NULL,
  masked_user_id TEXT NOT NULL,
  masked_ip      TEXT NOT NULL,
  success        INTEGER NOT NULL,
  cause          TEXT NOT NULL CHECK (cause IN ('none', 'client', 'service')),
  error_code     TEXT NOT NULL
);

-- No foreign key to apps: a request naming an unknown app is still a request worth logging, and
-- the retention job deletes an app's events by sdk_app_id when it purges the app (R13).
-- The SLA engine reads one app's events per 5-minute unit; retention deletes by app and time.
CREATE INDEX entry_events_app_time ON entry_events (sdk_app_id, time_ms);
)sql"},
    // Server API (R8, R19), room event log (DescribeRoomInfo/UserInfo/UserEvent/ScaleInfo) and the
    // durable callback queue (R9). Categories: api_keys/api_key_apps console settings, audit_log
    // audit, rooms/user_sessions back-end logs, user_events quality data, callback_* back-end logs.
    {2, R"sql(
CREATE TABLE api_keys (
  secret_id       TEXT PRIMARY KEY,
  secret_key_enc  BLOB NOT NULL,
  description     TEXT NOT NULL,
  created_at_ms   BIGINT NOT NULL,
  revoked_at_ms   BIGINT,
  last_used_at_ms BIGINT
);

-- A key's scope. Purging an app (R13) drops it from every scope; deleting a key drops its rows.
CREATE TABLE api_key_apps (
  secret_id  TEXT NOT NULL REFERENCES api_keys (secret_id) ON DELETE CASCADE,
  sdk_app_id BIGINT NOT NULL REFERENCES apps (sdk_app_id) ON DELETE CASCADE,
  PRIMARY KEY (secret_id, sdk_app_id)
);
CREATE INDEX api_key_apps_app ON api_key_apps (sdk_app_id);

-- No foreign keys from here on: requests naming unknown apps are still worth recording, and the
-- retention job deletes by sdk_app_id and time.
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  time_ms     BIGINT NOT NULL,
  secret_id   TEXT NOT NULL,
  action      TEXT NOT NULL,
  sdk_app_id  BIGINT NOT NULL,
  result_code TEXT NOT NULL,
  request_id  TEXT NOT NULL,
  masked_ip   TEXT NOT NULL
);
CREATE INDEX audit_log_time ON audit_log (time_ms);
CREATE INDEX audit_log_app_time ON audit_log (sdk_app_id, time_ms);

CREATE TABLE rooms (
  comm_id         TEXT PRIMARY KEY,
  sdk_app_id      BIGINT NOT NULL,
  room            TEXT NOT NULL,
  str_room        INTEGER NOT NULL,
  creator_user_id TEXT NOT NULL,
  created_at_ms   BIGINT NOT NULL,
  destroyed_at_ms BIGINT
);
CREATE INDEX rooms_app_created ON rooms (sdk_app_id, created_at_ms);
CREATE INDEX rooms_app_room ON rooms (sdk_app_id, room, created_at_ms);
-- Only live rooms: what closeOpenRecords looks for at start-up.
CREATE INDEX rooms_open ON rooms (comm_id) WHERE destroyed_at_ms IS NULL;

CREATE TABLE user_sessions (
  id           INTEGER PRIMARY KEY,
  comm_id      TEXT NOT NULL,
  sdk_app_id   BIGINT NOT NULL,
  room         TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  joined_at_ms BIGINT NOT NULL,
  left_at_ms   BIGINT,
  masked_ip    TEXT NOT NULL,
  sdk_version  TEXT NOT NULL,
  device_type  TEXT NOT NULL,
  exit_reason  INTEGER NOT NULL
);
CREATE UNIQUE INDEX user_sessions_key ON user_sessions (comm_id, user_id, joined_at_ms);
CREATE INDEX user_sessions_comm_joined ON user_sessions (comm_id, joined_at_ms);
CREATE INDEX user_sessions_app_joined ON user_sessions (sdk_app_id, joined_at_ms);
CREATE INDEX user_sessions_open ON user_sessions (id) WHERE left_at_ms IS NULL;

CREATE TABLE user_events (
  id         INTEGER PRIMARY KEY,
  comm_id    TEXT NOT NULL,
  sdk_app_id BIGINT NOT NULL,
  user_id    TEXT NOT NULL,
  time_ms    BIGINT NOT NULL,
  event_id   INTEGER NOT NULL,
  param_one  BIGINT NOT NULL,
  param_two  BIGINT NOT NULL
);
CREATE INDEX user_events_comm_user_time ON user_events (comm_id, user_id, time_ms);
CREATE INDEX user_events_app_time ON user_events (sdk_app_id, time_ms);

-- R9: a callback is written here before it is sent and deleted only after HTTP 200.
CREATE TABLE callback_queue (
  id                 INTEGER PRIMARY KEY,
  sdk_app_id         BIGINT NOT NULL,
  body               TEXT NOT NULL,
  created_at_ms      BIGINT NOT NULL,
  next_attempt_at_ms BIGINT NOT NULL,
  attempts           INTEGER NOT NULL
);
CREATE INDEX callback_queue_due ON callback_queue (next_attempt_at_ms);

-- Callbacks given up on, kept for inspection. queue_id is not unique: SQLite may hand a
-- deleted queue id out again.
CREATE TABLE callback_failures (
  id            INTEGER PRIMARY KEY,
  queue_id      BIGINT NOT NULL,
  sdk_app_id    BIGINT NOT NULL,
  body          TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  attempts      INTEGER NOT NULL,
  failed_at_ms  BIGINT NOT NULL,
  reason        TEXT NOT NULL
);
CREATE INDEX callback_failures_app_time ON callback_failures (sdk_app_id, failed_at_ms);
)sql"},
    // Call-quality samples (R10; quality data, 14 days per R13), surge notices (R23; console
    // settings) and the erasure log (R13; audit).
    {3, R"sql(
-- One row per 2-second report of one user (and, for received streams, one peer) in one room.
-- One nullable column per DescribeCallDetailInfo metric (NULL = not reported) instead of a
-- row per metric: 4 rows per participant per 2 s instead of ~50, and the query returns a whole
-- report at once. id exists so retention can delete in bounded batches by key.
CREATE TABLE quality_samples (
  id            INTEGER PRIMARY KEY,
  sdk_app_id    BIGINT NOT NULL,
  comm_id       TEXT NOT NULL,
  user_id       TEXT NOT NULL,
  peer_id       TEXT NOT NULL,
  time_ms       BIGINT NOT NULL,
  source        TEXT NOT NULL CHECK (source IN ('sdk', 'server')),
  app_cpu       DOUBLE PRECISION,
  sys_cpu       DOUBLE PRECISION,
  a_bit         DOUBLE PRECISION,
  a_block       DOUBLE PRECISION,
  bigv_bit      DOUBLE PRECISION,
  bigv_cap_fps  DOUBLE PRECISION,
  bigv_enc_fps  DOUBLE PRECISION,
  bigv_dec_fps  DOUBLE PRECISION,
  bigv_rec_fps  DOUBLE PRECISION,
  bigv_block    DOUBLE PRECISION,
  a_loss        DOUBLE PRECISION,
  bigv_loss     DOUBLE PRECISION,
  bigv_width    DOUBLE PRECISION,
  bigv_height   DOUBLE PRECISION,
  a_cap_energy  DOUBLE PRECISION,
  a_play_energy DOUBLE PRECISION,
  rtt           DOUBLE PRECISION,
  jitter        DOUBLE PRECISION
);
-- DescribeCallDetailInfo reads one room's window; retention deletes by time. No index on
-- user_id: every insert would pay a random B-tree insert for it, while erasure (rare) finds the
-- user's rooms through user_sessions and uses the room index.
CREATE INDEX quality_samples_room_time ON quality_samples (sdk_app_id, comm_id, time_ms);
CREATE INDEX quality_samples_time ON quality_samples (time_ms);

CREATE TABLE surge_notices (
  id               INTEGER PRIMARY KEY,
  sdk_app_id       BIGINT NOT NULL,
  start_ms         BIGINT NOT NULL,
  end_ms           BIGINT NOT NULL,
  registered_at_ms BIGINT NOT NULL,
  note             TEXT NOT NULL
);
CREATE INDEX surge_notices_app_start ON surge_notices (sdk_app_id, start_ms);

-- That an erasure happened (accountability), deliberately without the user id.
CREATE TABLE erasure_log (
  id           INTEGER PRIMARY KEY,
  time_ms      BIGINT NOT NULL,
  sdk_app_id   BIGINT NOT NULL,
  requested_by TEXT NOT NULL,
  rows_removed BIGINT NOT NULL
);
CREATE INDEX erasure_log_time ON erasure_log (time_ms);
)sql"},
    // Callbacks in order per room (R9): a room's jobs share an order key and go one after another.
    {4, R"sql(
ALTER TABLE callback_queue ADD COLUMN order_key TEXT NOT NULL DEFAULT '';
CREATE INDEX callback_queue_order ON callback_queue (order_key, id);
)sql"},
    // A session's current role (R9): what the 104 of a session a crash cut off reports.
    {5, R"sql(
ALTER TABLE user_sessions ADD COLUMN role INTEGER NOT NULL DEFAULT 20;
)sql"},
    // Caches of apps and API keys (issue 10): a settings version every app or API-key write bumps
    // in its transaction, and the version each row was last changed at, so a poller reloads only
    // what changed. A one-row table rather than a sequence: writers queue on the row, so versions
    // are handed out in commit order (a sequence value can commit after a larger one).
    {6, R"sql(
CREATE TABLE change_counters (
  name  TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO change_counters (name, value) VALUES ('settings', 1);
ALTER TABLE apps ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 1;
ALTER TABLE api_keys ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 1;
)sql"},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace atrium::store
