#include "ice/ice_credentials.h"

#include <algorithm>

#include "crypto/crypto.h"

namespace atrium::ice {
namespace {

constexpr std::string_view kIceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static_assert(kIceChars.size() == 64, "one character per 6 random bits keeps the draw uniform");

std::string randomIceString(size_t length) {
  const crypto::Bytes random = crypto::randomBytes(length);
  std::string out(length, '\0');
  for (size_t i = 0; i < length; ++i) out[i] = kIceChars[random[i] & 0x3F];
  return out;
}

bool allIceChars(std::string_view s) { return std::all_of(s.begin(), s.end(), isIceChar); }

}  // namespace

bool isIceChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

bool isValidUfrag(std::string_view ufrag) {
  return ufrag.size() >= kMinUfragChars && ufrag.size() <= kMaxCredentialChars && allIceChars(ufrag);
}

bool isValidPassword(std::string_view pwd) {
  return pwd.size() >= kMinPasswordChars && pwd.size() <= kMaxCredentialChars && allIceChars(pwd);
}

IceCredentials generateIceCredentials() {
  return IceCredentials{randomIceString(kGeneratedUfragChars), randomIceString(kGeneratedPasswordChars)};
}

}  // namespace atrium::ice
