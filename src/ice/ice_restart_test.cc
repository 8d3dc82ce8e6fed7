// ICE restart (RFC 8445 §9): old credentials and the selected pair survive until the peer
// proves it switched to the new credentials.
#include <gtest/gtest.h>

#include <vector>

#include "ice/ice_lite_agent.h"
#include "ice/ice_test_peer.h"

namespace atrium::ice {
namespace {

using testing::buildCheck;
using testing::CheckSpec;

const IceCredentials kLocal1{"FirstLocalUfrag1", "FirstLocalPassword0123456789+/ab"};
const IceCredentials kLocal2{"SecondLocalUfrag", "SecondLocalPassword0123456789+/a"};
const IceCredentials kRemote1{"rem1", "RemotePassword1+0123456"};
const IceCredentials kRemote2{"rem2", "RemotePassword2/0123456"};

CheckSpec checkWith(const IceCredentials& local, const IceCredentials& remote, bool useCandidate) {
  CheckSpec spec;
  spec.username = local.ufrag + ":" + remote.ufrag;
  spec.password = local.pwd;
  spec.useCandidate = useCandidate;
  return spec;
}

class IceRestartTest : public ::testing::Test {
 protected:
  IceRestartTest() : agent_(*IceLiteAgent::create(kLocal1)) {
    EXPECT_TRUE(agent_.setRemoteCredentials(kRemote1.ufrag, kRemote1.pwd));
  }

  IceDecision send(const CheckSpec& spec, const Endpoint& from) {
    now_ += 1000;
    return agent_.onStunDatagram(buildCheck(spec), from, now_, out_);
  }

  IceLiteAgent agent_;
  std::vector<uint8_t> out_ = std::vector<uint8_t>(kMaxStunResponseBytes);
  int64_t now_ = 1'000'000;
  const Endpoint wifi_ = Endpoint::ipv4({192, 168, 1, 20}, 50000);
  const Endpoint lte_ = Endpoint::ipv4({100, 64, 7, 9}, 61000);
};

TEST_F(IceRestartTest, OldPairServesUntilTheNewCredentialsAreUsed) {
  ASSERT_EQ(send(checkWith(kLocal1, kRemote1, true), wifi_).verdict, IceVerdict::kAccepted);
  ASSERT_EQ(agent_.selectedEndpoint(), wifi_);

  const auto local = agent_.restart(kRemote2.ufrag, kRemote2.pwd, kLocal2);
  ASSERT_TRUE(local);
  EXPECT_EQ(*local, kLocal2);
  EXPECT_EQ(agent_.localCredentials(), kLocal2);
  EXPECT_TRUE(agent_.restartPending());
  // Nothing changed for media yet, and consent checks on the old credentials still work.
  EXPECT_EQ(agent_.state(), IceState::kConnected);
  EXPECT_EQ(agent_.selectedEndpoint(), wifi_);
  EXPECT_EQ(send(checkWith(kLocal1, kRemote1, false), wifi_).verdict, IceVerdict::kAccepted);
  // Old local ufrag with the new remote ufrag is neither generation.
  EXPECT_EQ(send(checkWith(kLocal1, kRemote2, false), wifi_).verdict, IceVerdict::kUnknownUsername);

  // The first check on the new credentials, from the new network, without nomination yet.
  IceDecision d = send(checkWith(kLocal2, kRemote2, false), lte_);
  EXPECT_EQ(d.verdict, IceVerdict::kAccepted);
  EXPECT_FALSE(agent_.restartPending());
  EXPECT_FALSE(d.selectedChanged);
  EXPECT_EQ(agent_.selectedEndpoint(), wifi_);
  const auto r = StunMessage::parse(std::span<const uint8_t>(out_.data(), d.responseBytes));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->verifyMessageIntegrity(kLocal2.pwd));
  // From now on the old credentials are refused.
  EXPECT_EQ(send(checkWith(kLocal1, kRemote1, false), wifi_).verdict, IceVerdict::kUnknownUsername);
  // The nomination under the new credentials moves media.
  d = send(checkWith(kLocal2, kRemote2, true), lte_);
  EXPECT_TRUE(d.selectedChanged);
  EXPECT_EQ(agent_.selectedEndpoint(), lte_);
  EXPECT_EQ(agent_.state(), IceState::kConnected);
}

TEST_F(IceRestartTest, OldPasswordDoesNotAuthenticateTheNewUfrag) {
  send(checkWith(kLocal1, kRemote1, true), wifi_);
  ASSERT_TRUE(agent_.restart(kRemote2.ufrag, kRemote2.pwd, kLocal2));
  CheckSpec mixed = checkWith(kLocal2, kRemote2, true);
  mixed.password = kLocal1.pwd;
  EXPECT_EQ(send(mixed, lte_).verdict, IceVerdict::kBadIntegrity);
  EXPECT_TRUE(agent_.restartPending());
  EXPECT_EQ(agent_.selectedEndpoint(), wifi_);
}

TEST_F(IceRestartTest, RandomNewCredentialsAndRepeatedRestarts) {
  send(checkWith(kLocal1, kRemote1, true), wifi_);
  const auto second = agent_.restart(kRemote2.ufrag, kRemote2.pwd);
  ASSERT_TRUE(second);
  EXPECT_NE(second->ufrag, kLocal1.ufrag);
  EXPECT_TRUE(isValidUfrag(second->ufrag));
  EXPECT_TRUE(isValidPassword(second->pwd));
  // A second restart before the first completed: the first set is still the fallback, the
  // unused middle set is gone.
  const auto third = agent_.restart(kRemote1.ufrag, kRemote1.pwd, kLocal2);
  ASSERT_TRUE(third);
  EXPECT_EQ(send(checkWith(*second, kRemote2, false), lte_).verdict, IceVerdict::kUnknownUsername);
  EXPECT_EQ(send(checkWith(kLocal1, kRemote1, false), wifi_).verdict, IceVerdict::kAccepted);
  EXPECT_EQ(send(checkWith(kLocal2, kRemote1, true), lte_).verdict, IceVerdict::kAccepted);
  EXPECT_FALSE(agent_.restartPending());
  EXPECT_EQ(agent_.selectedEndpoint(), lte_);
}

TEST_F(IceRestartTest, ServerOfferedRestartLearnsRemoteCredentialsLater) {
  send(checkWith(kLocal1, kRemote1, true), wifi_);
  ASSERT_TRUE(agent_.restart("", "", kLocal2));
  // The browser may check before its answer reaches us: any remote ufrag is accepted.
  CheckSpec early = checkWith(kLocal2, kRemote2, false);
  EXPECT_EQ(send(early, wifi_).verdict, IceVerdict::kAccepted);
  ASSERT_TRUE(agent_.setRemoteCredentials(kRemote2.ufrag, kRemote2.pwd));
  EXPECT_EQ(send(checkWith(kLocal2, kRemote1, false), wifi_).verdict, IceVerdict::kUnknownUsername);
  EXPECT_EQ(send(checkWith(kLocal2, kRemote2, true), wifi_).verdict, IceVerdict::kAccepted);
}

TEST_F(IceRestartTest, InvalidCredentialsLeaveTheAgentUnchanged) {
  send(checkWith(kLocal1, kRemote1, true), wifi_);
  EXPECT_FALSE(agent_.restart("x", kRemote2.pwd));
  EXPECT_FALSE(agent_.restart(kRemote2.ufrag, kRemote2.pwd, IceCredentials{"ok-no", "short"}));
  EXPECT_EQ(agent_.restart("x", kRemote2.pwd).error().code, "ICE_BAD_CREDENTIALS");
  EXPECT_FALSE(agent_.restartPending());
  EXPECT_EQ(agent_.localCredentials(), kLocal1);
  EXPECT_EQ(send(checkWith(kLocal1, kRemote1, false), wifi_).verdict, IceVerdict::kAccepted);
}

}  // namespace
}  // namespace atrium::ice
