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
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace atrium::store
