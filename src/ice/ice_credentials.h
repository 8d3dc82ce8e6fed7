// ICE short-term credentials (RFC 8445 §5.3, SDP syntax RFC 8839 §5.4):
//
//   ice-ufrag = 4*256ice-char        ice-pwd = 22*256ice-char
//   ice-char  = ALPHA / DIGIT / "+" / "/"
//
// The ufrag names the session in every connectivity check's USERNAME ("local:remote" from the
// receiver's point of view) and the password keys MESSAGE-INTEGRITY. Generated values draw
// from the 64 ice-chars, 6 random bits per character: a 16-character ufrag (96 bits, so a
// single-port demultiplexer can key sessions by it) and a 32-character password (192 bits;
// the RFC asks for at least 128).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace atrium::ice {

inline constexpr size_t kGeneratedUfragChars = 16;
inline constexpr size_t kGeneratedPasswordChars = 32;
inline constexpr size_t kMinUfragChars = 4;
inline constexpr size_t kMinPasswordChars = 22;
inline constexpr size_t kMaxCredentialChars = 256;

struct IceCredentials {
  std::string ufrag;
  std::string pwd;
  friend bool operator==(const IceCredentials&, const IceCredentials&) = default;
};

bool isIceChar(char c);
bool isValidUfrag(std::string_view ufrag);
bool isValidPassword(std::string_view pwd);

// Fresh random credentials from the system CSPRNG. Control path (allocates).
IceCredentials generateIceCredentials();

}  // namespace atrium::ice
