#include "dtls/dtls_record.h"

namespace atrium::dtls {

std::optional<DtlsRecordHeader> DtlsRecordHeader::parse(std::span<const uint8_t> data) {
  if (data.size() < kSize) return std::nullopt;
  DtlsRecordHeader h;
  h.contentType = data[0];
  h.version = static_cast<uint16_t>(data[1] << 8 | data[2]);
  h.epoch = static_cast<uint16_t>(data[3] << 8 | data[4]);
  for (size_t i = 5; i < 11; ++i) h.sequenceNumber = h.sequenceNumber << 8 | data[i];
  h.length = static_cast<uint16_t>(data[11] << 8 | data[12]);
  if (h.contentType < kChangeCipherSpec || h.contentType > kApplicationData) return std::nullopt;
  if (h.version != kVersion10 && h.version != kVersion12) return std::nullopt;
  // An empty record carries nothing in any content type DTLS 1.2 accepts from a peer.
  if (h.length == 0 || h.length > kMaxLength) return std::nullopt;
  if (data.size() - kSize < h.length) return std::nullopt;
  return h;
}

bool isWellFramedDtlsDatagram(std::span<const uint8_t> datagram) {
  if (datagram.empty()) return false;
  while (!datagram.empty()) {
    auto header = DtlsRecordHeader::parse(datagram);
    if (!header) return false;
    datagram = datagram.subspan(DtlsRecordHeader::kSize + header->length);
  }
  return true;
}

RecordVerdict screenRecord(const DtlsRecordHeader& h, const RecordPolicy& policy) {
  if (h.epoch == 0) {
    if (policy.handshakeDone) return RecordVerdict::kOldEpoch;
    return h.contentType == DtlsRecordHeader::kApplicationData ? RecordVerdict::kUnexpectedType : RecordVerdict::kPass;
  }
  if (h.epoch > 1) return RecordVerdict::kFutureEpoch;
  if (h.contentType == DtlsRecordHeader::kChangeCipherSpec) return RecordVerdict::kUnexpectedType;
  if (policy.minProtectedLength == 0) return RecordVerdict::kFutureEpoch;
  return h.length < policy.minProtectedLength ? RecordVerdict::kTooShort : RecordVerdict::kPass;
}

}  // namespace atrium::dtls
