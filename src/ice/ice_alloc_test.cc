// The binding-request path allocates nothing: global operator new is counted for this test
// binary, and a full accept + nominate + respond cycle (plus garbage and refusals) must not
// move the counter. (OpenSSL's allocator is covered by crypto's legacy_digest_test.)
#include <gtest/gtest.h>

#include <vector>

#include "base/testing/counting_new.h"
#include "ice/ice_lite_agent.h"
#include "ice/ice_tcp_framing.h"
#include "ice/ice_test_peer.h"

namespace atrium::ice {
namespace {

TEST(IceAllocations, BindingRequestPathDoesNotAllocate) {
  IceLiteAgent agent = *IceLiteAgent::create({"AllocUfrag012345", "AllocPassword0123456789+/abcdefg"});
  ASSERT_TRUE(agent.setRemoteCredentials("peer", "PeerPassword0123456789xx"));
  testing::CheckSpec good;
  good.username = "AllocUfrag012345:peer";
  good.password = "AllocPassword0123456789+/abcdefg";
  good.useCandidate = true;
  testing::CheckSpec wrong = good;
  wrong.password = "WrongPassword0123456789+/abcdefg";
  testing::CheckSpec unknown = good;
  unknown.username = "nobody:peer";
  const std::vector<uint8_t> goodBytes = testing::buildCheck(good);
  const std::vector<uint8_t> wrongBytes = testing::buildCheck(wrong);
  const std::vector<uint8_t> unknownBytes = testing::buildCheck(unknown);
  const std::vector<uint8_t> garbage(64, 0x5a);
  std::vector<uint8_t> framed(goodBytes.size() + 2);
  ASSERT_TRUE(writeIceTcpFrame(framed, goodBytes));
  IceTcpFrameDecoder decoder;
  std::array<uint8_t, kMaxStunResponseBytes> out{};
  const Endpoint a = Endpoint::ipv4({192, 0, 2, 1}, 1000);
  const Endpoint b = *Endpoint::parse("[2001:db8::1]:2000");

  const long before = atrium::testing::allocationCount();
  int64_t now = 0;
  for (int i = 0; i < 100; ++i) {
    now += 1000;
    const IceDecision d = agent.onStunDatagram(goodBytes, i % 2 ? a : b, now, out);
    ASSERT_EQ(d.verdict, IceVerdict::kAccepted);
    ASSERT_GT(d.responseBytes, 0u);
    agent.onStunDatagram(wrongBytes, a, now, out);
    agent.onStunDatagram(unknownBytes, a, now, out);
    agent.onStunDatagram(garbage, a, now, out);
    agent.tick(now);
    decoder.feed(framed, [&](std::span<const uint8_t> frame) {
      agent.onStunDatagram(frame, a, now, out, IceProtocol::kTcp);
    });
  }
  EXPECT_EQ(atrium::testing::allocationCount(), before);
  EXPECT_EQ(agent.state(), IceState::kConnected);
  // The counter is live (a vacuous pass would prove nothing): the control path does allocate.
  const IceLiteAgent fresh;
  EXPECT_GT(atrium::testing::allocationCount(), before);
}

}  // namespace
}  // namespace atrium::ice
