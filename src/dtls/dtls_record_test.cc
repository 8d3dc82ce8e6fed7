#include "dtls/dtls_record.h"

#include <gtest/gtest.h>

#include <vector>

namespace atrium::dtls {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes record(uint8_t type, uint16_t version, uint16_t epoch, uint64_t seq, const Bytes& body) {
  Bytes out = {type, static_cast<uint8_t>(version >> 8), static_cast<uint8_t>(version),
               static_cast<uint8_t>(epoch >> 8), static_cast<uint8_t>(epoch)};
  for (int shift = 40; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(seq >> shift));
  out.push_back(static_cast<uint8_t>(body.size() >> 8));
  out.push_back(static_cast<uint8_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

TEST(DtlsRecordHeader, ParsesEveryField) {
  const Bytes r = record(22, 0xFEFD, 1, 0xA1B2C3D4E5F6ull, Bytes(5, 7));
  auto h = DtlsRecordHeader::parse(r);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->contentType, DtlsRecordHeader::kHandshake);
  EXPECT_EQ(h->version, DtlsRecordHeader::kVersion12);
  EXPECT_EQ(h->epoch, 1);
  EXPECT_EQ(h->sequenceNumber, 0xA1B2C3D4E5F6ull);
  EXPECT_EQ(h->length, 5);
}

TEST(DtlsRecordHeader, AcceptsDtls10VersionForFirstHellos) {
  EXPECT_TRUE(DtlsRecordHeader::parse(record(22, 0xFEFF, 0, 0, {1})).has_value());
}

TEST(DtlsRecordHeader, RejectsWhatIsNotADtls12Record) {
  EXPECT_FALSE(DtlsRecordHeader::parse({}).has_value());
  EXPECT_FALSE(DtlsRecordHeader::parse(Bytes(12, 22)).has_value());
  EXPECT_FALSE(DtlsRecordHeader::parse(record(19, 0xFEFD, 0, 0, {1})).has_value());
  EXPECT_FALSE(DtlsRecordHeader::parse(record(24, 0xFEFD, 0, 0, {1})).has_value());   // heartbeat
  EXPECT_FALSE(DtlsRecordHeader::parse(record(25, 0xFEFD, 0, 0, {1})).has_value());   // tls12_cid
  EXPECT_FALSE(DtlsRecordHeader::parse(record(22, 0x0303, 0, 0, {1})).has_value());   // TLS 1.2
  EXPECT_FALSE(DtlsRecordHeader::parse(record(22, 0xFEFC, 0, 0, {1})).has_value());   // DTLS 1.3
  EXPECT_FALSE(DtlsRecordHeader::parse(record(22, 0xFEFD, 0, 0, {})).has_value());    // empty
  Bytes truncated = record(22, 0xFEFD, 0, 0, Bytes(10, 1));
  truncated.pop_back();
  EXPECT_FALSE(DtlsRecordHeader::parse(truncated).has_value());
  Bytes huge = record(23, 0xFEFD, 1, 0, Bytes(DtlsRecordHeader::kMaxLength + 1, 0));
  EXPECT_FALSE(DtlsRecordHeader::parse(huge).has_value());
}

TEST(DtlsDatagram, AcceptsRecordsBackToBack) {
  Bytes d = record(20, 0xFEFD, 0, 5, {1});
  const Bytes second = record(22, 0xFEFD, 1, 0, Bytes(40, 9));
  d.insert(d.end(), second.begin(), second.end());
  EXPECT_TRUE(isWellFramedDtlsDatagram(d));
  d.push_back(0);  // a stray byte after the last record
  EXPECT_FALSE(isWellFramedDtlsDatagram(d));
  EXPECT_FALSE(isWellFramedDtlsDatagram({}));
}

TEST(DtlsRecordScreen, DecidesPerTypeEpochLengthAndHandshakeProgress) {
  constexpr uint8_t kCcs = 20, kAlert = 21, kHs = 22, kApp = 23;
  const RecordPolicy hello{false, 0};      // no cipher chosen yet
  const RecordPolicy keyed{false, 24};     // AES-GCM chosen, handshake running
  const RecordPolicy done{true, 24};       // handshake finished
  struct Case {
    const char* what;
    uint8_t type;
    uint16_t epoch;
    uint16_t length;
    RecordPolicy policy;
    RecordVerdict expected;
  } cases[] = {
      {"ClientHello", kHs, 0, 200, hello, RecordVerdict::kPass},
      {"plaintext alert in the handshake", kAlert, 0, 2, keyed, RecordVerdict::kPass},
      {"ChangeCipherSpec in the handshake", kCcs, 0, 1, keyed, RecordVerdict::kPass},
      {"epoch-0 application data", kApp, 0, 50, hello, RecordVerdict::kUnexpectedType},
      {"epoch 1 before a cipher", kHs, 1, 61, hello, RecordVerdict::kFutureEpoch},
      {"Finished", kHs, 1, 61, keyed, RecordVerdict::kPass},
      {"repeated Finished after the handshake", kHs, 1, 61, done, RecordVerdict::kPass},
      {"encrypted alert", kAlert, 1, 26, done, RecordVerdict::kPass},
      {"application data", kApp, 1, 24, done, RecordVerdict::kPass},
      {"the field report's forged CCS", kCcs, 1, 22, done, RecordVerdict::kUnexpectedType},
      {"a long epoch-1 CCS", kCcs, 1, 200, done, RecordVerdict::kUnexpectedType},
      {"data shorter than nonce and tag", kApp, 1, 22, done, RecordVerdict::kTooShort},
      {"alert shorter than nonce and tag", kAlert, 1, 23, done, RecordVerdict::kTooShort},
      {"short Finished in the handshake", kHs, 1, 10, keyed, RecordVerdict::kTooShort},
      {"plaintext alert after the handshake", kAlert, 0, 2, done, RecordVerdict::kOldEpoch},
      {"plaintext handshake after the handshake", kHs, 0, 100, done, RecordVerdict::kOldEpoch},
      {"epoch 2", kApp, 2, 100, done, RecordVerdict::kFutureEpoch},
      {"epoch 65535", kHs, 0xFFFF, 100, keyed, RecordVerdict::kFutureEpoch},
  };
  for (const auto& c : cases) {
    auto h = DtlsRecordHeader::parse(record(c.type, 0xFEFD, c.epoch, 1, Bytes(c.length, 0)));
    ASSERT_TRUE(h.has_value()) << c.what;
    EXPECT_EQ(screenRecord(*h, c.policy), c.expected) << c.what;
  }
}

TEST(DtlsDemux, FirstByteRangeFromRfc7983) {
  EXPECT_FALSE(looksLikeDtls(Bytes{19}));
  EXPECT_TRUE(looksLikeDtls(Bytes{20}));
  EXPECT_TRUE(looksLikeDtls(Bytes{63}));
  EXPECT_FALSE(looksLikeDtls(Bytes{64}));
  EXPECT_FALSE(looksLikeDtls(Bytes{}));
}

}  // namespace
}  // namespace atrium::dtls
