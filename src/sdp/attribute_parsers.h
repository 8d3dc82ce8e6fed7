// Internal to src/sdp: text helpers and the value parsers of the attributes SessionDescription
// models. Each parser takes the text after "a=<name>:" and returns nullopt when it is malformed;
// the line loop in session_description.cc turns that into an error naming the line.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/session_description.h"

namespace atrium::sdp::detail {

// Splits on runs of `separator`, dropping empty pieces ("a  b" → {"a", "b"}).
std::vector<std::string_view> splitTokens(std::string_view text, char separator = ' ');
// Splits on every `separator`, keeping empty pieces ("a;;b" → {"a", "", "b"}).
std::vector<std::string_view> splitAll(std::string_view text, char separator);
std::string_view skipSpaces(std::string_view text);
std::string joinTokens(std::string_view text);  // collapses runs of spaces, trims
bool equalsIgnoreCase(std::string_view a, std::string_view b);
std::string toLower(std::string_view text);

// Decimal digits only (no sign, no spaces), value <= max; false on anything else or overflow.
bool parseUint(std::string_view text, uint64_t max, uint64_t& out);
template <typename T>
bool parseNumber(std::string_view text, T& out) {
  uint64_t v = 0;
  if (!parseUint(text, std::numeric_limits<T>::max(), v)) return false;
  out = static_cast<T>(v);
  return true;
}

// rid-id = 1*(alpha-numeric / "-" / "_") (RFC 8851 §10); also used for mids we generate.
bool isRidId(std::string_view text);

std::optional<Direction> parseDirection(std::string_view text);
std::optional<Setup> parseSetup(std::string_view text);

struct RtpMap {
  uint8_t pt = 0;
  std::string encoding;
  uint32_t clockRate = 0;
  uint16_t channels = 0;
};
std::optional<RtpMap> parseRtpMap(std::string_view value);            // "96 VP8/90000"
// "<pt> <rest>" for fmtp and rtcp-fb; pt is a number or "*" (ptOut = nullopt for "*").
bool splitPtValue(std::string_view value, std::optional<uint8_t>& ptOut, std::string_view& rest);
std::optional<Extmap> parseExtmap(std::string_view value);
std::optional<SsrcAttribute> parseSsrc(std::string_view value);
std::optional<SsrcGroup> parseSsrcGroup(std::string_view value);
std::optional<Rid> parseRid(std::string_view value);
std::optional<Simulcast> parseSimulcast(std::string_view value);
std::optional<Fingerprint> parseFingerprint(std::string_view value);
std::optional<Msid> parseMsid(std::string_view value);
std::optional<Candidate> parseCandidateValue(std::string_view value);  // after "candidate:"

// The inverse of parseSimulcast's list form: "h;~l,l2".
std::string simulcastList(const std::vector<SimulcastStream>& streams);

}  // namespace atrium::sdp::detail
