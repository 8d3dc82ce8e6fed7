// IceLiteAgent: the ICE-lite side of one WebRTC transport (RFC 8445 §2.5), as a pure state
// machine — no sockets, no timers, no clock reads. The transport hands it every STUN datagram
// with the sender's endpoint and the current steady time, sends the response bytes the agent
// writes, and sends media only to selectedEndpoint().
//
// A lite agent never sends checks and is always the controlled agent (§6.1.1). For each
// Binding request it runs, in order (RFC 8489 §6.3, RFC 8445 §7.3):
//
//   1. Binding indication (a keepalive, §11)        → ignored, nothing sent
//      anything else that is not a Binding request → dropped, counted malformed
//   2. FINGERPRINT missing or wrong                 → dropped (may not even be STUN)
//   3. USERNAME or MESSAGE-INTEGRITY missing        → 400 Bad Request, no integrity
//   4. USERNAME not "<local ufrag>:<remote ufrag>"  → 401 Unauthorized, no integrity
//      (the remote half is checked only once the remote ufrag is known: a check may
//      legitimately arrive before the answer carrying it, §7.3)
//   5. MESSAGE-INTEGRITY wrong for the local pwd    → 401 Unauthorized, no integrity
//   6. ICE-CONTROLLED present (the peer also thinks it is controlled) → 487 Role Conflict
//      with integrity: a lite agent cannot take the controlling role, so it always keeps its
//      role, as if its tie-breaker were the largest (§7.3.1.1), and the full peer switches
//   7. accepted → success response (XOR-MAPPED-ADDRESS = sender, integrity, fingerprint);
//      the pair (sender endpoint, protocol) is recorded and its consent refreshed; with
//      USE-CANDIDATE it is nominated and becomes the selected pair — a later nomination of
//      another pair moves the selection there (the peer's network changed).
//
// Consent freshness (RFC 7675 §5.1): every accepted check from the selected pair refreshes its
// consent; tick() moves kConnected → kDisconnected when none arrived for consentTimeoutMs
// (30 s) and drops the selection — media must stop. Only a new nomination reconnects.
//
// ICE restart (RFC 8445 §9): restart() installs new local and remote credentials. The old
// ones, and the selected pair, keep working until the first check authenticated with the new
// credentials arrives; from then on the old credentials are refused, and the selection moves
// when the peer nominates under the new ones.
//
// Packet path: onStunDatagram / onBindingRequest / tick are allocation-free (pairs live in a
// fixed table of kMaxPairs, the response is written into the caller's buffer, HMAC-SHA1 and
// CRC-32 run on the stack) and never throw. Credentials are set on the control path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "ice/endpoint.h"
#include "ice/ice_credentials.h"
#include "ice/stun_message.h"
#include "ice/stun_writer.h"

namespace atrium::ice {

enum class IceState : uint8_t {
  kNew,           // no valid check yet
  kChecking,      // valid checks, nothing nominated
  kConnected,     // a nominated pair with fresh consent: media flows to selectedEndpoint()
  kDisconnected,  // consent expired; waiting for a new nomination (or an ICE restart)
};
std::string_view toString(IceState state);

enum class IceProtocol : uint8_t { kUdp, kTcp };  // kTcp: an RFC 6544 passive connection

struct IceLiteOptions {
  int64_t consentTimeoutMs = 30'000;  // RFC 7675 §5.1
};

enum class IceVerdict : uint8_t {
  kAccepted,         // success response written
  kIgnored,          // Binding indication: nothing to send, not an error
  kMalformed,        // not a parseable STUN message, or not a Binding request: dropped
  kBadFingerprint,   // dropped
  kBadRequest,       // 400 written
  kUnknownUsername,  // 401 written
  kBadIntegrity,     // 401 written
  kRoleConflict,     // 487 written
  kNoBuffer,         // the response buffer is smaller than kMaxStunResponseBytes: dropped
};
std::string_view toString(IceVerdict verdict);

struct IceDecision {
  IceVerdict verdict = IceVerdict::kMalformed;
  // When > 0, send the first responseBytes of the response buffer back to the sender (over
  // the same transport it came on).
  size_t responseBytes = 0;
  bool nominated = false;        // this check carried USE-CANDIDATE and was accepted
  bool selectedChanged = false;  // the selected pair is now the sender: move media (and DTLS) there
  bool stateChanged = false;     // state() differs from before this check
};

// Cumulative per-agent counters, for metrics. Everything but `accepted` and `indications` is
// a drop or a refusal.
struct IceCounters {
  uint64_t accepted = 0;
  uint64_t indications = 0;
  uint64_t malformed = 0;
  uint64_t badFingerprint = 0;
  uint64_t badRequest = 0;
  uint64_t unknownUsername = 0;
  uint64_t badIntegrity = 0;
  uint64_t roleConflicts = 0;
  uint64_t noBuffer = 0;
  uint64_t consentExpiries = 0;
};

struct IcePair {
  Endpoint remote;
  IceProtocol protocol = IceProtocol::kUdp;
  uint32_t priority = 0;   // the PRIORITY of the peer's last check (a peer-reflexive priority)
  int64_t lastCheckMs = 0;  // the last accepted check: consent freshness
  bool nominated = false;
};

class IceLiteAgent {
 public:
  static constexpr size_t kMaxPairs = 8;  // a browser checks a handful of pairs per transport

  // Random local credentials.
  explicit IceLiteAgent(IceLiteOptions options = {});
  // Given local credentials (tests, or a session restored elsewhere). Error code
  // "ICE_BAD_CREDENTIALS" when they break the RFC 8839 syntax.
  static base::Result<IceLiteAgent> create(IceCredentials local, IceLiteOptions options = {});

  const IceCredentials& localCredentials() const { return current_.local; }
  // The peer's a=ice-ufrag / a=ice-pwd (control path). Error code "ICE_BAD_CREDENTIALS".
  base::Status setRemoteCredentials(std::string_view ufrag, std::string_view pwd);
  // ICE restart on a new remote offer: installs the offer's credentials and new local ones
  // (`newLocal`, or random), which are returned for the answer. Empty remote credentials mean
  // "not known yet" (when the server offers the restart; set them from the answer with
  // setRemoteCredentials). Error code "ICE_BAD_CREDENTIALS"; the agent is unchanged then.
  base::Result<IceCredentials> restart(std::string_view remoteUfrag, std::string_view remotePwd,
                                       std::optional<IceCredentials> newLocal = {});
  // True between restart() and the first check authenticated with the new credentials.
  bool restartPending() const { return previous_.has_value(); }

  // Parses `datagram` (counting it malformed when it is not STUN) and handles it.
  IceDecision onStunDatagram(std::span<const uint8_t> datagram, const Endpoint& from, int64_t nowMs,
                             std::span<uint8_t> response, IceProtocol protocol = IceProtocol::kUdp);
  // `response` must hold kMaxStunResponseBytes; the decision says how much of it to send.
  IceDecision onBindingRequest(const StunMessage& message, const Endpoint& from, int64_t nowMs,
                               std::span<uint8_t> response, IceProtocol protocol = IceProtocol::kUdp);
  // Consent freshness; call about once a second. Returns true when the state changed.
  bool tick(int64_t nowMs);
  // The path to `remote` is gone for good (an ICE-TCP connection closed): its pair is
  // forgotten, and when it carried media the agent goes kDisconnected as on a consent expiry —
  // media must not be sent into a closed connection; a new nomination reconnects. Returns true
  // when the state changed.
  bool forgetPair(const Endpoint& remote, IceProtocol protocol);

  IceState state() const { return state_; }
  // The pair media goes to; nullptr unless kConnected.
  const IcePair* selectedPair() const;
  std::optional<Endpoint> selectedEndpoint() const;
  std::span<const IcePair> pairs() const { return {pairs_.data(), pairCount_}; }
  const IceCounters& counters() const { return counters_; }

 private:
  struct Generation {
    IceCredentials local;
    std::string remoteUfrag;  // empty: not known yet
    std::string remotePwd;
  };
  IceLiteAgent(IceCredentials local, IceLiteOptions options);
  // The credentials generation whose local ufrag a USERNAME names, or nullptr.
  const Generation* matchUsername(std::string_view username) const;
  IcePair& recordPair(const Endpoint& from, IceProtocol protocol, int64_t nowMs);
  IceDecision refuse(IceVerdict verdict, const StunMessage& message, std::span<uint8_t> response,
                     std::string_view integrityPassword);
  void setState(IceState next, IceDecision* decision);

  // Allocated by this (control path only).
  Generation current_;
  std::optional<Generation> previous_;  // during an ICE restart

  // Others.
  IceLiteOptions options_;
  std::array<IcePair, kMaxPairs> pairs_{};
  size_t pairCount_ = 0;
  int selected_ = -1;  // index into pairs_
  IceState state_ = IceState::kNew;
  IceCounters counters_;
};

}  // namespace atrium::ice
