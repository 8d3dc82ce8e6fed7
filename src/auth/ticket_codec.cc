// Ticket wire format: parsing (tolerant of every official encoder) and Node-shaped encoding.
#include "auth/ticket_codec.h"

#include <nlohmann/json.hpp>

#include <limits>

#include "crypto/crypto.h"

namespace atrium::auth::codec {
namespace {

using Json = nlohmann::json;

// Tickets carry Unix seconds and relative lifetimes. Bounding both keeps time + expire + skew far
// from int64 overflow while allowing any realistic value (2^40 s is ~35 000 years).
constexpr uint64_t kMaxTicketSeconds = uint64_t{1} << 40;
constexpr size_t kHmacBytes = 32;

base::Error malformed(const Wording& w, std::string_view what) {
  return base::makeError(std::string(w.malformedCode), std::string(w.noun) + " " + std::string(what));
}

// The npm package and the C++ library write '*' '-' '_' for '+' '/' '='. Go and PHP translate
// back without rejecting the standard characters, so neither do we: the signature covers the
// parsed content, never the encoding.
std::string toStandardBase64(std::string_view token) {
  std::string s(token);
  for (char& c : s) {
    if (c == '*') c = '+';
    else if (c == '-') c = '/';
    else if (c == '_') c = '=';
  }
  return s;
}

std::string toTicketAlphabet(std::string s) {
  for (char& c : s) {
    if (c == '+') c = '*';
    else if (c == '/') c = '-';
    else if (c == '=') c = '_';
  }
  return s;
}

const Json* field(const Json& object, const char* name) {
  const auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

// A JSON integer in [0, kMaxTicketSeconds]; floats ("1.7e9"), negatives and strings are refused.
std::optional<uint64_t> boundedUnsigned(const Json* value, uint64_t max) {
  if (value == nullptr || !value->is_number_unsigned()) return std::nullopt;
  const uint64_t v = value->get<uint64_t>();
  if (v > max) return std::nullopt;
  return v;
}

// JSON.stringify's string escaping, which the npm package's tokens carry.
void appendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

base::Result<DecodedTicket> decode(std::string_view token, const Wording& w) {
  if (token.empty()) return base::makeError(std::string(w.emptyCode), std::string(w.noun) + " is empty");
  if (token.size() > kMaxTicketChars) {
    return malformed(w, "is longer than " + std::to_string(kMaxTicketChars) + " characters");
  }
  const auto packed = crypto::base64Decode(toStandardBase64(token));
  if (!packed) return malformed(w, "is not valid base64url");
  const auto text = crypto::zlibInflate(*packed, kMaxTicketJsonBytes);
  if (!text) {
    return malformed(w, "payload is not a zlib stream or inflates beyond " + std::to_string(kMaxTicketJsonBytes) +
                            " bytes");
  }
  // Exceptions stay off: a discarded value marks any syntax error, including invalid UTF-8.
  const Json doc = Json::parse(text->begin(), text->end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return malformed(w, "payload is not valid JSON");
  if (!doc.is_object()) return malformed(w, "payload is not a JSON object");

  DecodedTicket t;
  const Json* ver = field(doc, "TLS.ver");
  const Json* identifier = field(doc, "TLS.identifier");
  const Json* sig = field(doc, "TLS.sig");
  const Json* userbuf = field(doc, "TLS.userbuf");
  if (ver == nullptr || !ver->is_string()) return malformed(w, "field TLS.ver is missing or not a string");
  if (identifier == nullptr || !identifier->is_string()) {
    return malformed(w, "field TLS.identifier is missing or not a string");
  }
  const auto app = boundedUnsigned(field(doc, "TLS.sdkappid"), std::numeric_limits<uint64_t>::max());
  if (!app) return malformed(w, "field TLS.sdkappid is missing or not a non-negative integer");
  const auto time = boundedUnsigned(field(doc, "TLS.time"), kMaxTicketSeconds);
  if (!time) return malformed(w, "field TLS.time is missing or not a Unix time in seconds");
  const auto expire = boundedUnsigned(field(doc, "TLS.expire"), kMaxTicketSeconds);
  if (!expire) return malformed(w, "field TLS.expire is missing or not a non-negative number of seconds");
  if (sig == nullptr || !sig->is_string()) return malformed(w, "field TLS.sig is missing or not a string");
  const auto sigBytes = crypto::base64Decode(sig->get_ref<const std::string&>());
  if (!sigBytes || sigBytes->size() != kHmacBytes) {
    return malformed(w, "field TLS.sig is not the base64 of a 32-byte HMAC-SHA256");
  }
  if (userbuf != nullptr) {
    if (!userbuf->is_string() || !crypto::base64Decode(userbuf->get_ref<const std::string&>())) {
      return malformed(w, "field TLS.userbuf is not a base64 string");
    }
    t.userbufBase64 = userbuf->get<std::string>();
  }
  t.version = ver->get<std::string>();
  t.identifier = identifier->get<std::string>();
  t.sdkAppId = *app;
  t.time = static_cast<int64_t>(*time);
  t.expire = static_cast<int64_t>(*expire);
  t.sigBase64 = sig->get<std::string>();
  return t;
}

std::string signedContent(std::string_view identifier, uint64_t sdkAppId, int64_t time, int64_t expire,
                          const std::optional<std::string>& userbufBase64) {
  std::string content;
  content.reserve(96 + identifier.size() + (userbufBase64 ? userbufBase64->size() : 0));
  content += "TLS.identifier:";
  content += identifier;
  content += "\nTLS.sdkappid:";
  content += std::to_string(sdkAppId);
  content += "\nTLS.time:";
  content += std::to_string(time);
  content += "\nTLS.expire:";
  content += std::to_string(expire);
  content += "\n";
  if (userbufBase64) {
    content += "TLS.userbuf:";
    content += *userbufBase64;
    content += "\n";
  }
  return content;
}

std::string encode(std::string_view identifier, uint64_t sdkAppId, int64_t time, int64_t expire,
                   const std::optional<std::string>& userbufBase64, std::string_view sigBase64, int zlibLevel) {
  std::string json = R"({"TLS.ver":"2.0","TLS.identifier":)";
  appendJsonString(json, identifier);
  json += R"(,"TLS.sdkappid":)" + std::to_string(sdkAppId);
  json += R"(,"TLS.time":)" + std::to_string(time);
  json += R"(,"TLS.expire":)" + std::to_string(expire);
  if (userbufBase64) {
    json += R"(,"TLS.userbuf":)";
    appendJsonString(json, *userbufBase64);
  }
  json += R"(,"TLS.sig":)";
  appendJsonString(json, sigBase64);
  json += "}";
  const crypto::Bytes packed = crypto::zlibCompress(crypto::asBytes(json), zlibLevel);
  return toTicketAlphabet(crypto::base64Encode(packed));
}

}  // namespace atrium::auth::codec
