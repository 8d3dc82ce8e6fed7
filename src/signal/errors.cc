#include "signal/errors.h"

#include <array>

namespace atrium::signal {
namespace {

constexpr Cause C = Cause::kClient;
constexpr Cause S = Cause::kService;

constexpr std::array kErrors = {
    ProtocolError{4000, "BAD_REQUEST", C},
    ProtocolError{4001, "UNKNOWN_TYPE", C},
    ProtocolError{4002, "UNSUPPORTED_VERSION", C},
    ProtocolError{4003, "INVALID_STATE", C},
    ProtocolError{4004, "INVALID_PARAMETER", C},
    ProtocolError{4005, "INVALID_USER_ID", C},
    ProtocolError{4006, "INVALID_ROOM_ID", C},
    ProtocolError{4007, "SCENE_MISMATCH", C},
    ProtocolError{4008, "SESSION_NOT_FOUND", C},
    ProtocolError{4009, "RESUME_DENIED", C},
    ProtocolError{4010, "MESSAGE_TOO_LARGE", C},
    ProtocolError{4011, "BINARY_NOT_SUPPORTED", C},
    ProtocolError{4012, "INVALID_SDP", C},
    ProtocolError{4013, "STREAM_NOT_FOUND", C},
    ProtocolError{4030, "PERMISSION_DENIED", C},
    ProtocolError{4031, "ROOM_FULL", C},
    ProtocolError{4032, "ROOM_LIMIT", C},
    ProtocolError{4033, "PUBLISHER_LIMIT", C},
    ProtocolError{4040, "APP_NOT_FOUND", C},
    ProtocolError{4041, "APP_DISABLED", C},
    ProtocolError{4290, "RATE_LIMITED", C},
    ProtocolError{5000, "INTERNAL", S},
    ProtocolError{5030, "OVERLOADED", S},
    ProtocolError{70001, "USERSIG_EXPIRED", C},
    ProtocolError{70002, "USERSIG_EMPTY", C},
    ProtocolError{70003, "USERSIG_MALFORMED", C},
    ProtocolError{70004, "USERSIG_BAD_SIGNATURE", C},
    ProtocolError{70005, "USERSIG_WRONG_USER", C},
    ProtocolError{70006, "USERSIG_WRONG_APP", C},
    ProtocolError{70007, "USERSIG_UNEXPECTED_USERBUF", C},
    ProtocolError{70051, "PRIVMAPKEY_MISSING", C},
    ProtocolError{70052, "PRIVMAPKEY_MALFORMED", C},
    ProtocolError{70053, "PRIVMAPKEY_BAD_SIGNATURE", C},
    ProtocolError{70054, "PRIVMAPKEY_EXPIRED", C},
    ProtocolError{70055, "PRIVMAPKEY_WRONG_APP", C},
    ProtocolError{70056, "PRIVMAPKEY_WRONG_USER", C},
    ProtocolError{70057, "PRIVMAPKEY_WRONG_ROOM", C},
    ProtocolError{70058, "PRIVMAPKEY_NO_PRIVILEGE", C},
};

}  // namespace

const ProtocolError& protocolError(std::string_view name) {
  for (const auto& e : kErrors)
    if (e.name == name) return e;
  static constexpr ProtocolError kInternal{5000, "INTERNAL", S};
  return kInternal;
}

bool isBadInput(std::string_view name) {
  return name == "BAD_REQUEST" || name == "UNKNOWN_TYPE" || name == "UNSUPPORTED_VERSION" ||
         name == "MESSAGE_TOO_LARGE" || name == "BINARY_NOT_SUPPORTED";
}

const char* causeName(Cause cause) { return cause == Cause::kClient ? "client" : "service"; }

}  // namespace atrium::signal
