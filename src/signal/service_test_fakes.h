// Fakes of the signaling service's ports, shared by its tests.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "signal/ports.h"

namespace atrium::signal {

struct FakeSink : ConnectionSink {
  std::map<ConnId, std::vector<nlohmann::json>> sent;
  std::map<ConnId, uint16_t> closed;
  void send(ConnId c, std::string text) override { sent[c].push_back(nlohmann::json::parse(text)); }
  void close(ConnId c, uint16_t code, std::string_view) override { closed[c] = code; }
  std::vector<ConnId> authenticatedConns;
  void authenticated(ConnId c) override { authenticatedConns.push_back(c); }
};

struct FakeApps : AppSource {
  std::map<uint32_t, AppInfo> apps;
  bool failing = false;
  base::Result<std::optional<AppInfo>> findApp(uint32_t id) override {
    if (failing) return base::makeError("DB", "disk on fire");
    auto it = apps.find(id);
    if (it == apps.end()) return std::optional<AppInfo>{};
    return std::optional<AppInfo>{it->second};
  }
};

struct FakeRecorder : EntryRecorder {
  std::vector<EntryRecord> records;
  void recordEntry(const EntryRecord& r) override { records.push_back(r); }
};

// The shared session store of several "processes": lookups wait until the test answers them.
struct FakeSessionStore : SessionStore {
  std::map<std::string, SharedSession> records;
  std::vector<std::vector<std::string>> keptAlive;
  std::vector<std::function<void()>> pending;
  void save(const SharedSession& s) override { records[s.publicId] = s; }
  void remove(const std::string& publicId) override { records.erase(publicId); }
  void keepAlive(std::vector<std::string> ids) override { keptAlive.push_back(std::move(ids)); }
  void find(const std::string& publicId, std::function<void(std::optional<SharedSession>)> done) override {
    auto it = records.find(publicId);
    std::optional<SharedSession> found = it == records.end() ? std::nullopt : std::optional{it->second};
    pending.push_back([done = std::move(done), found] { done(found); });
  }
  void answerAll() {
    auto now = std::move(pending);
    pending.clear();
    for (auto& f : now) f();
  }
};

}  // namespace atrium::signal
