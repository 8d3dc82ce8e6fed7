// Fuzzes the ticket parsers and verifiers: the bytes are tried as a ticket, as a userbuf, and as
// the JSON inside a ticket (packed here, so mutations reach the JSON and field checks instead of
// dying in base64 or zlib). Any crash, sanitizer report or broken invariant is a bug.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/ticket.h"
#include "crypto/crypto.h"

namespace {

using namespace atrium;

constexpr uint32_t kApp = 1400000000;
constexpr std::string_view kKey = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
constexpr std::string_view kUser = "xiaojun";
constexpr int64_t kNow = 1700000000;

void check(bool invariant) {
  if (!invariant) std::abort();
}

void tryToken(std::string_view token) {
  const auto decoded = auth::decodeTicket(token);
  const auto sig = auth::verifyUserSig(token, kApp, kKey, kUser, kNow, 5);
  const auto numeric = auth::verifyPrivateMapKey(token, kApp, kKey, kUser, base::RoomId{10000, ""}, auth::kPrivEnterRoom,
                                                 kNow, 5);
  const auto named = auth::verifyPrivateMapKey(token, kApp, kKey, kUser, base::RoomId{0, "room-abc_1"},
                                               auth::kPrivEnterRoom, kNow);
  // A verified ticket always decodes, and a decode failure is never anything but malformed/empty.
  if (sig.ok() || numeric.ok() || named.ok()) check(decoded.ok());
  if (!decoded.ok()) {
    check(decoded.error().code == auth::kTicketMalformed || decoded.error().code == auth::kTicketEmpty);
  }
  for (const base::Error* e : {sig.ok() ? nullptr : &sig.error(), numeric.ok() ? nullptr : &numeric.error()}) {
    if (e == nullptr) continue;
    check(!e->code.empty() && !e->message.empty());
    check(e->message.find(kKey) == std::string::npos);
  }
}

std::string packAsTicket(std::string_view json) {
  std::string b64 = crypto::base64Encode(crypto::zlibCompress(crypto::asBytes(json), 1));
  for (char& c : b64) c = c == '+' ? '*' : c == '/' ? '-' : c == '=' ? '_' : c;
  return b64;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  tryToken(input);
  if (const auto buf = auth::decodeUserBuf(input)) {
    check(auth::encodeUserBuf(*buf) == input);  // strict decoding means a lossless round trip
  }
  if (size <= auth::kMaxTicketJsonBytes) tryToken(packAsTicket(input));
  return 0;
}
