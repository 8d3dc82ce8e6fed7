// Test helper: builds the Binding requests a browser (a full, controlling ICE agent) sends.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ice/stun_writer.h"

namespace atrium::ice::testing {

struct CheckSpec {
  std::string username;           // empty: no USERNAME
  std::string password;           // empty: no MESSAGE-INTEGRITY
  bool useCandidate = false;
  bool controlling = true;        // ICE-CONTROLLING
  bool controlled = false;        // ICE-CONTROLLED
  bool fingerprint = true;
  uint32_t priority = 0x6e7f1eff;
  uint16_t type = stun::kBindingRequest;
  uint8_t transactionSeed = 1;
};

inline std::vector<uint8_t> buildCheck(const CheckSpec& spec) {
  std::array<uint8_t, stun::kTransactionIdBytes> tid{};
  for (size_t i = 0; i < tid.size(); ++i) tid[i] = static_cast<uint8_t>(spec.transactionSeed + i * 7);
  std::vector<uint8_t> buffer(512);
  StunWriter w(buffer, spec.type, tid);
  if (!spec.username.empty()) w.addString(stun::kAttrUsername, spec.username);
  w.addUint32(stun::kAttrPriority, spec.priority);
  if (spec.controlling) w.addUint64(stun::kAttrIceControlling, 0x1122334455667788ull);
  if (spec.controlled) w.addUint64(stun::kAttrIceControlled, 0x1122334455667788ull);
  if (spec.useCandidate) w.addFlag(stun::kAttrUseCandidate);
  if (!spec.password.empty()) w.addMessageIntegrity(spec.password);
  if (spec.fingerprint) w.addFingerprint();
  buffer.resize(w.finish().value_or(0));
  return buffer;
}

}  // namespace atrium::ice::testing
