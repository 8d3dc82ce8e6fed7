// Full handshakes between two in-memory DtlsTransports: profiles, preference, loss and
// retransmission, fragmented ClientHellos.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "dtls/dtls_record.h"
#include "dtls/dtls_test_util.h"

namespace atrium::dtls {
namespace {

using testing::drain;
using testing::Pair;

DtlsTransportOptions withProfiles(std::vector<SrtpProfile> profiles) {
  DtlsTransportOptions options;
  options.srtpProfiles = std::move(profiles);
  return options;
}

void expectSameKeys(const Pair& pair, SrtpProfile profile) {
  ASSERT_TRUE(pair.connected());
  const auto& c = *pair.client->srtpKeys();
  const auto& s = *pair.server->srtpKeys();
  EXPECT_EQ(c.profile, profile);
  EXPECT_EQ(s.profile, profile);
  EXPECT_EQ(c.clientKey, s.clientKey);
  EXPECT_EQ(c.clientSalt, s.clientSalt);
  EXPECT_EQ(c.serverKey, s.serverKey);
  EXPECT_EQ(c.serverSalt, s.serverSalt);
  EXPECT_EQ(c.clientKey.size(), srtpMasterKeyLength(profile));
  EXPECT_EQ(c.serverSalt.size(), srtpMasterSaltLength(profile));
  EXPECT_NE(c.clientKey, c.serverKey);
  // What one side sends with, the other receives with.
  EXPECT_EQ(c.localKey(DtlsRole::kClient), s.remoteKey(DtlsRole::kServer));
  EXPECT_EQ(c.remoteSalt(DtlsRole::kClient), s.localSalt(DtlsRole::kServer));
}

class EachProfile : public ::testing::TestWithParam<SrtpProfile> {};

TEST_P(EachProfile, HandshakeAgreesOnProfileAndKeys) {
  Pair pair(withProfiles({GetParam()}), withProfiles({GetParam()}));
  pair.handshake();
  expectSameKeys(pair, GetParam());
  EXPECT_EQ(pair.client->stats().malformedDropped, 0u);
  EXPECT_EQ(pair.client->stats().retransmissions, 0u);
  // Nothing left to retransmit on either side.
  EXPECT_FALSE(pair.client->nextTimeoutMs().has_value());
  EXPECT_FALSE(pair.server->nextTimeoutMs().has_value());
}

INSTANTIATE_TEST_SUITE_P(Dtls, EachProfile,
                         ::testing::Values(SrtpProfile::kAes128CmHmacSha1_80, SrtpProfile::kAeadAes128Gcm,
                                           SrtpProfile::kAeadAes256Gcm),
                         [](const auto& info) { return std::string(toString(info.param)).substr(5); });

TEST(DtlsHandshake, DefaultsPickAes128Gcm) {
  Pair pair;
  pair.handshake();
  expectSameKeys(pair, SrtpProfile::kAeadAes128Gcm);
}

TEST(DtlsHandshake, ServerPreferenceWins) {
  Pair pair(withProfiles({SrtpProfile::kAes128CmHmacSha1_80, SrtpProfile::kAeadAes256Gcm}),
            withProfiles({SrtpProfile::kAeadAes256Gcm, SrtpProfile::kAes128CmHmacSha1_80}));
  pair.handshake();
  expectSameKeys(pair, SrtpProfile::kAeadAes256Gcm);
}

TEST(DtlsHandshake, NoCommonSrtpProfileFails) {
  Pair pair(withProfiles({SrtpProfile::kAes128CmHmacSha1_80}), withProfiles({SrtpProfile::kAeadAes128Gcm}));
  pair.handshake();
  EXPECT_EQ(pair.server->state(), DtlsState::kFailed);
  EXPECT_NE(pair.client->state(), DtlsState::kConnected);
  EXPECT_FALSE(pair.server->srtpKeys().has_value());
}

TEST(DtlsHandshake, ClientRoleOnTheSfuSideWorksToo) {
  // Roles are symmetric in the transport: the "client" context plays server here.
  DtlsTransportOptions serverOptions;
  serverOptions.role = DtlsRole::kServer;
  auto server = DtlsTransport::create(testing::clientContext(), serverOptions);
  DtlsTransportOptions clientOptions;
  clientOptions.role = DtlsRole::kClient;
  auto client = DtlsTransport::create(testing::serverContext(), clientOptions);
  ASSERT_TRUE(server.ok() && client.ok());
  ASSERT_TRUE((*server)->setRemoteFingerprint("sha-256", testing::serverContext().fingerprintSha256(), 0).ok());
  ASSERT_TRUE((*client)->setRemoteFingerprint("sha-256", testing::clientContext().fingerprintSha256(), 0).ok());
  (*client)->start(0);
  for (int i = 0; i < 10; ++i) {
    testing::deliver(drain(**client), **server, 0);
    testing::deliver(drain(**server), **client, 0);
  }
  EXPECT_EQ((*client)->state(), DtlsState::kConnected);
  EXPECT_EQ((*server)->state(), DtlsState::kConnected);
}

// OpenSSL runs retransmission timers on its own clock (OpenSSL 3.0 cannot take a fake one), so
// loss tests use a short timer and wait for it on the real clock, bounded by a deadline. OpenSSL
// counts a timer with less than 15 ms left as expired, hence 30 ms (and why a timer of 15 ms or
// less would retransmit in a loop inside one call).
DtlsTransportOptions shortTimer() {
  DtlsTransportOptions options;
  options.initialRetransmitMs = 30;
  options.maxRetransmitMs = 60;
  return options;
}

// Calls handleTimeout until `t` retransmits (true) or 5 s pass (false).
bool waitForRetransmission(DtlsTransport& t, int64_t nowMs) {
  const uint64_t before = t.stats().retransmissions;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    t.handleTimeout(nowMs);
    if (t.stats().retransmissions > before) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

TEST(DtlsHandshake, LostClientHelloIsRetransmittedOnTimeout) {
  Pair pair(shortTimer());
  pair.client->start(pair.now);
  auto lost = drain(*pair.client);
  ASSERT_FALSE(lost.empty());
  ASSERT_TRUE(pair.client->nextTimeoutMs().has_value());
  ASSERT_TRUE(waitForRetransmission(*pair.client, pair.now));
  auto again = drain(*pair.client);
  ASSERT_EQ(again.size(), lost.size());
  EXPECT_NE(again[0], lost[0]);  // same hello, new record sequence number
  testing::deliver(again, *pair.server, pair.now);
  pair.pump();
  expectSameKeys(pair, SrtpProfile::kAeadAes128Gcm);
}

TEST(DtlsHandshake, LostServerFlightIsRetransmittedByTheServerTimer) {
  Pair pair(shortTimer(), shortTimer());
  pair.client->start(pair.now);
  testing::deliver(drain(*pair.client), *pair.server, pair.now);
  const auto lost = drain(*pair.server);  // the whole server flight
  ASSERT_FALSE(lost.empty());
  // OpenSSL ignores a repeated ClientHello; the server's own timer brings the flight back.
  ASSERT_TRUE(waitForRetransmission(*pair.server, pair.now));
  // The first flight went out packed into one datagram; OpenSSL re-sends one record per datagram.
  auto again = drain(*pair.server);
  size_t lostBytes = 0, againBytes = 0;
  for (const auto& d : lost) lostBytes += d.size();
  for (const auto& d : again) againBytes += d.size();
  EXPECT_EQ(againBytes, lostBytes);
  testing::deliver(again, *pair.client, pair.now);
  pair.pump();
  expectSameKeys(pair, SrtpProfile::kAeadAes128Gcm);
}

TEST(DtlsHandshake, LostFinalServerFlightIsRecovered) {
  Pair pair(shortTimer());
  pair.client->start(pair.now);
  testing::deliver(drain(*pair.client), *pair.server, pair.now);  // ClientHello
  testing::deliver(drain(*pair.server), *pair.client, pair.now);  // ServerHello ... Done
  testing::deliver(drain(*pair.client), *pair.server, pair.now);  // Certificate ... Finished
  ASSERT_EQ(pair.server->state(), DtlsState::kConnected);
  ASSERT_FALSE(drain(*pair.server).empty());  // ChangeCipherSpec + Finished lost
  EXPECT_EQ(pair.client->state(), DtlsState::kConnecting);
  // The client repeats its last flight; the connected server answers with its own again.
  ASSERT_TRUE(waitForRetransmission(*pair.client, pair.now));
  pair.pump();
  expectSameKeys(pair, SrtpProfile::kAeadAes128Gcm);
}

// The backoff on the real clock: not before the timer, doubled after each timeout.
TEST(DtlsHandshake, RealTimerRetransmitsAfterTheInitialTimeout) {
  DtlsTransportOptions options;
  options.initialRetransmitMs = 50;
  Pair pair(options);
  const auto started = std::chrono::steady_clock::now();
  pair.client->start(pair.now);
  drain(*pair.client);  // lost
  const int64_t due = *pair.client->nextTimeoutMs();
  EXPECT_GT(due, pair.now);
  EXPECT_LE(due, pair.now + 50);
  pair.client->handleTimeout(pair.now);  // too early
  if (std::chrono::steady_clock::now() - started < std::chrono::milliseconds(30)) {
    EXPECT_EQ(pair.client->stats().retransmissions, 0u);
  }
  ASSERT_TRUE(waitForRetransmission(*pair.client, pair.now));
  EXPECT_EQ(pair.client->stats().retransmissions, 1u);
  // The next wait is doubled.
  const auto left = *pair.client->nextTimeoutMs() - pair.now;
  EXPECT_GT(left, 50);
  EXPECT_LE(left, 100);
  pair.pump();
  EXPECT_TRUE(pair.connected());
}

TEST(DtlsHandshake, FailsAtTheHandshakeDeadlineOnTheCallersClock) {
  DtlsTransportOptions options;
  options.handshakeTimeoutMs = 5'000;
  Pair pair({}, options);
  pair.client->start(pair.now);
  testing::deliver(drain(*pair.client), *pair.server, pair.now);  // the client then goes silent
  ASSERT_EQ(pair.server->state(), DtlsState::kConnecting);
  ASSERT_TRUE(pair.server->nextTimeoutMs().has_value());
  EXPECT_LE(*pair.server->nextTimeoutMs(), pair.now + 5'000);
  EXPECT_EQ(pair.server->handleTimeout(pair.now + 4'999), DtlsState::kConnecting);
  EXPECT_EQ(pair.server->handleTimeout(pair.now + 5'000), DtlsState::kFailed);
  EXPECT_NE(pair.server->failureReason().find("timed out"), std::string::npos);
  EXPECT_FALSE(pair.server->nextTimeoutMs().has_value());
}

// Chrome's ClientHello (~1.4 KB) arrives as handshake fragments in two datagrams; a client with
// a small MTU makes OpenSSL fragment ours the same way.
DtlsTransportOptions smallMtu() {
  DtlsTransportOptions options;
  options.mtu = 128;
  return options;
}

std::vector<Bytes> clientHelloDatagrams(Pair& pair) {
  pair.client->start(pair.now);
  return drain(*pair.client);
}

TEST(DtlsHandshake, FragmentedClientHelloIsReassembled) {
  Pair pair(smallMtu());
  auto hello = clientHelloDatagrams(pair);
  ASSERT_GE(hello.size(), 2u);
  for (const auto& d : hello) {
    EXPECT_LE(d.size(), 128u);
    auto header = DtlsRecordHeader::parse(d);
    ASSERT_TRUE(header.has_value());
    EXPECT_EQ(header->contentType, DtlsRecordHeader::kHandshake);
  }
  pair.server->feed(hello[0], pair.now);
  EXPECT_TRUE(drain(*pair.server).empty());  // nothing to answer until the whole hello is in
  for (size_t i = 1; i < hello.size(); ++i) pair.server->feed(hello[i], pair.now);
  pair.pump();
  expectSameKeys(pair, SrtpProfile::kAeadAes128Gcm);
}

TEST(DtlsHandshake, FragmentsInReverseOrderAreReassembled) {
  Pair pair(smallMtu());
  auto hello = clientHelloDatagrams(pair);
  ASSERT_GE(hello.size(), 2u);
  for (auto it = hello.rbegin(); it != hello.rend(); ++it) pair.server->feed(*it, pair.now);
  pair.pump();
  expectSameKeys(pair, SrtpProfile::kAeadAes128Gcm);
}

TEST(DtlsHandshake, EveryDatagramRespectsTheMtu) {
  Pair pair(smallMtu(), smallMtu());
  pair.client->start(pair.now);
  size_t largest = 0;
  for (int round = 0; round < 10; ++round) {
    for (auto& d : drain(*pair.client)) largest = std::max(largest, d.size()), pair.server->feed(d, pair.now);
    for (auto& d : drain(*pair.server)) largest = std::max(largest, d.size()), pair.client->feed(d, pair.now);
  }
  EXPECT_TRUE(pair.connected());
  EXPECT_LE(largest, 128u);
}

// Writes the seed corpus for fuzz/dtls_fuzz.cc when ATRIUM_WRITE_DTLS_CORPUS names a folder:
// input = mode byte (0: into a server, 1: into a client) + datagrams, each prefixed by a 16-bit
// length.
TEST(DtlsHandshake, WritesFuzzSeedsOnRequest) {
  const char* dir = std::getenv("ATRIUM_WRITE_DTLS_CORPUS");
  if (!dir) GTEST_SKIP() << "set ATRIUM_WRITE_DTLS_CORPUS to write the seeds";
  auto write = [&](const std::string& name, const std::vector<Bytes>& datagrams, char mode = 0) {
    std::ofstream out(std::string(dir) + "/" + name, std::ios::binary);
    out.put(mode);
    for (const auto& d : datagrams) {
      out.put(static_cast<char>(d.size() >> 8)).put(static_cast<char>(d.size() & 0xff));
      out.write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(d.size()));
    }
  };
  Pair whole;
  auto hello = clientHelloDatagrams(whole);
  write("client_hello", hello);
  testing::deliver(hello, *whole.server, whole.now);
  auto serverFlight = drain(*whole.server);
  write("server_flight", serverFlight, 1);
  testing::deliver(serverFlight, *whole.client, whole.now);
  auto flight3 = drain(*whole.client);
  hello.insert(hello.end(), flight3.begin(), flight3.end());
  write("client_flights", hello);
  Pair fragmented(smallMtu());
  write("client_hello_fragmented", clientHelloDatagrams(fragmented));
}

}  // namespace
}  // namespace atrium::dtls
