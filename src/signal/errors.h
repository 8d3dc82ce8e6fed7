// The signaling protocol's error table (docs/protocol.md "Errors"): numeric code, name, and the
// cause class the SLA uses (client-caused failures never count against availability).
#pragma once

#include <cstdint>
#include <string_view>

namespace atrium::signal {

enum class Cause { kClient, kService };

struct ProtocolError {
  int code;
  std::string_view name;
  Cause cause;
};

// Looks up an error by name (the base::Error::code strings of auth, room and signal);
// unknown names map to INTERNAL so a missing table entry is visible, not silent.
const ProtocolError& protocolError(std::string_view name);
// Whether an error counts as "bad input" towards closing the connection.
bool isBadInput(std::string_view name);
const char* causeName(Cause cause);

}  // namespace atrium::signal
