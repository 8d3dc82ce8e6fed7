// Small pure checks on HTTP/WebSocket input that the Beast session applies, kept apart so they
// are unit-tested without compiling Beast.
#pragma once

#include <string_view>

namespace atrium::web {

// RFC 6455 §4.2.1: Sec-WebSocket-Key is the base64 of 16 bytes: 22 base64 characters and "==".
// (Beast only checks that it is present and short enough.)
bool isValidWebSocketKey(std::string_view key);

// The request line at the start of `received` (RFC 9112 §3: method SP request-target SP
// HTTP-version CRLF; leading empty lines are skipped). Beast waits for 8 bytes of version, so
// "FOO BAR BAZ\r\n\r\n" would sit unanswered until a deadline; this decides from the line
// alone, as soon as it is complete.
enum class RequestLine { kIncomplete, kValid, kInvalid };
RequestLine checkRequestLine(std::string_view received);

}  // namespace atrium::web
