// Fuzzes the shared-session record codec: what atriumd reads back from Redis is outside input.
// The bytes are lines: the first is the session id, each further one `field=value`. Whatever
// decodes must encode to the same fields and decode to the same session again.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "cluster/shared_session_codec.h"

namespace {

void check(bool invariant) {
  if (!invariant) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view publicId = in.substr(0, nl);
  std::map<std::string, std::string> fields;
  while (nl != std::string_view::npos) {
    in.remove_prefix(nl + 1);
    nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    auto eq = line.find('=');
    if (eq != std::string_view::npos) fields[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  auto decoded = atrium::cluster::decodeSharedSession(publicId, fields);
  if (!decoded.ok()) return 0;
  auto again = atrium::cluster::sharedSessionFields(decoded->session, decoded->owner);
  auto redecoded = atrium::cluster::decodeSharedSession(publicId, {again.begin(), again.end()});
  check(redecoded.ok());
  check(redecoded->session == decoded->session && redecoded->owner == decoded->owner);
  return 0;
}
