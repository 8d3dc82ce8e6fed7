// Helpers for the negotiation tests: our LocalParams and offers derived from the Chrome offer.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "sdp/negotiation.h"
#include "sdp/sdp_test_data.h"
#include "sdp/session_description.h"

namespace atrium::sdp::testing {

inline LocalParams sfuLocal() {
  LocalParams local;
  local.iceUfrag = "sfu1";
  local.icePwd = "sfuPassword0123456789ab";
  local.fingerprints = {{"sha-256",
                         "8F:21:C0:5D:3A:9E:47:B6:12:7C:E8:04:6B:D3:95:2A:F1:08:4E:C7:39:A2:5F:D6:83:1B:70:E4:2C:9D:"
                         "56:B8"}};
  local.candidates = {Candidate::parse("candidate:1 1 udp 2130706431 203.0.113.5 40000 typ host").value(),
                      Candidate::parse("candidate:2 1 tcp 1518280447 203.0.113.5 443 typ host tcptype passive").value()};
  local.sessionId = "4242";
  local.sessionVersion = 1;
  return local;
}

inline SessionDescription parseOk(std::string_view text) {
  auto r = SessionDescription::parse(text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code + ": " + r.error().message);
  return r.ok() ? std::move(r).value() : SessionDescription{};
}

inline SessionDescription chromeOffer() { return parseOk(testdata::chromeOffer()); }

// Keeps only the sections whose mids are listed, and the BUNDLE group in step.
inline SessionDescription onlySections(SessionDescription d, const std::vector<std::string>& mids) {
  std::erase_if(d.media, [&](const auto& m) { return std::find(mids.begin(), mids.end(), m.mid) == mids.end(); });
  d.groups = {Group{"BUNDLE", mids}};
  return d;
}

// Keeps only the listed payload types of a section, in m= line order.
inline void keepPayloadTypes(MediaSection& m, const std::vector<int>& pts) {
  std::erase_if(m.payloadTypes,
                [&](const auto& p) { return std::find(pts.begin(), pts.end(), p.pt) == pts.end(); });
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (size_t end = text.find("\r\n"); end != std::string::npos; end = text.find("\r\n", pos)) {
    out.push_back(text.substr(pos, end - pos));
    pos = end + 2;
  }
  return out;
}

inline bool hasLine(const std::string& text, std::string_view line) {
  const auto all = lines(text);
  return std::find(all.begin(), all.end(), line) != all.end();
}

}  // namespace atrium::sdp::testing
