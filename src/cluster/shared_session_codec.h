// A shared session as Redis holds it: one hash per session, `atrium:session:<id>`, whose fields
// are written by sharedSessionFields and read back by decodeSharedSession. What comes back from
// Redis is outside input (another version of atriumd, an operator's hand): it is checked field by
// field and refused whole when anything is off.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "signal/ports.h"

namespace atrium::cluster {

std::string sessionKey(std::string_view publicId);

// Field/value pairs for HSET; `owner` names the process that holds the session now.
std::vector<std::pair<std::string, std::string>> sharedSessionFields(const signal::SharedSession& s, const std::string& owner);

struct DecodedSession {
  signal::SharedSession session;
  std::string owner;
};
base::Result<DecodedSession> decodeSharedSession(std::string_view publicId, const std::map<std::string, std::string>& fields);

}  // namespace atrium::cluster
