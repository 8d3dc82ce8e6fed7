// DTLS record framing (RFC 6347 §4.1), checked before a datagram reaches OpenSSL so that
// garbage is dropped and counted without touching the handshake state.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  ContentType  |    ProtocolVersion (0xFEFF / 0xFEFD)          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |            epoch              |                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+       sequence_number (48)    +
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |            length             |  fragment (length bytes) ...
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// A datagram carries one or more whole records back to back (RFC 6347 §4.1.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace atrium::dtls {

struct DtlsRecordHeader {
  static constexpr size_t kSize = 13;
  // Content types DTLS 1.2 uses (RFC 5246 §6.2.1). Heartbeat (24) and connection-id records
  // (25) are not negotiated, so they are malformed here.
  static constexpr uint8_t kChangeCipherSpec = 20;
  static constexpr uint8_t kAlert = 21;
  static constexpr uint8_t kHandshake = 22;
  static constexpr uint8_t kApplicationData = 23;
  static constexpr uint16_t kVersion10 = 0xFEFF;  // used by first ClientHellos for compatibility
  static constexpr uint16_t kVersion12 = 0xFEFD;
  // 2^14 plaintext + 2048 expansion (RFC 6347 §4.1 → RFC 5246 §6.2.3).
  static constexpr uint16_t kMaxLength = 16384 + 2048;

  uint8_t contentType = 0;
  uint16_t version = 0;
  uint16_t epoch = 0;
  uint64_t sequenceNumber = 0;  // 48 bits
  uint16_t length = 0;

  // The header at the start of `data` when it is well-formed and its fragment fits in `data`.
  static std::optional<DtlsRecordHeader> parse(std::span<const uint8_t> data);
};

// True when `datagram` is exactly a sequence of well-formed records (at least one).
bool isWellFramedDtlsDatagram(std::span<const uint8_t> datagram);

// Which well-framed records may reach OpenSSL. Anyone who can spoof a peer's address can put
// records on the wire, and whether OpenSSL discards a record that does not authenticate or fails
// the whole connection over it differs between builds (3.0.19 fails on a protected record too
// short for its nonce and tag). RFC 6347 §4.1.2.7 says invalid records are discarded silently,
// so we decide it here, by rules that hold for every build:
//  - epoch 0 is plaintext; once the handshake is done it carries nothing we need (a peer that
//    repeats its final flight is answered on that flight's epoch-1 Finished), so it is refused;
//    before that, application data in epoch 0 is refused (it cannot exist without keys);
//  - epoch 1 carries alerts, handshake (Finished) and application data, never ChangeCipherSpec
//    (sent in the old epoch), and every record is at least what the negotiated cipher adds
//    (explicit nonce or IV, tag or MAC, padding); none exists before a cipher is chosen;
//  - epoch 2 and later cannot exist: renegotiation is off.
enum class RecordVerdict : uint8_t { kPass, kOldEpoch, kFutureEpoch, kUnexpectedType, kTooShort };

struct RecordPolicy {
  bool handshakeDone = false;
  // Smallest fragment a record protected by the negotiated (or pending) cipher has; 0 while no
  // cipher is chosen.
  size_t minProtectedLength = 0;
};

RecordVerdict screenRecord(const DtlsRecordHeader& header, const RecordPolicy& policy);

// RFC 7983 §7: a first byte in [20, 63] demultiplexes to DTLS.
inline bool looksLikeDtls(std::span<const uint8_t> datagram) {
  return !datagram.empty() && datagram[0] >= 20 && datagram[0] <= 63;
}

}  // namespace atrium::dtls
