// IceLiteAgent decisions: authentication, role conflict, nomination, pair switching, consent.
#include "ice/ice_lite_agent.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "base/clock.h"
#include "ice/ice_test_peer.h"

namespace atrium::ice {
namespace {

using testing::buildCheck;
using testing::CheckSpec;

constexpr char kLocalUfrag[] = "LocalUfrag0123AB";
constexpr char kLocalPwd[] = "LocalPassword0123456789+/abcdefg";
constexpr char kRemoteUfrag[] = "rUf1";
constexpr char kRemotePwd[] = "RemotePassword0123456789";

class IceLiteAgentTest : public ::testing::Test {
 protected:
  IceLiteAgentTest() : agent_(*IceLiteAgent::create({kLocalUfrag, kLocalPwd})) {
    EXPECT_TRUE(agent_.setRemoteCredentials(kRemoteUfrag, kRemotePwd));
  }

  // A valid check from the browser unless the spec says otherwise.
  static CheckSpec check(bool useCandidate = false) {
    CheckSpec spec;
    spec.username = std::string(kLocalUfrag) + ":" + kRemoteUfrag;
    spec.password = kLocalPwd;
    spec.useCandidate = useCandidate;
    return spec;
  }

  IceDecision send(const CheckSpec& spec, const Endpoint& from) {
    const std::vector<uint8_t> datagram = buildCheck(spec);
    response_.assign(kMaxStunResponseBytes, 0);
    return agent_.onStunDatagram(datagram, from, clock_.steadyMs(), response_);
  }

  std::optional<StunMessage> lastResponse(const IceDecision& d) const {
    return StunMessage::parse(std::span<const uint8_t>(response_.data(), d.responseBytes));
  }

  base::ManualClock clock_;
  IceLiteAgent agent_;
  std::vector<uint8_t> response_;
  const Endpoint a_ = Endpoint::ipv4({198, 51, 100, 10}, 40000);
  const Endpoint b_ = *Endpoint::parse("[2001:db8::10]:40002");
};

TEST_F(IceLiteAgentTest, AnswersAValidCheck) {
  const IceDecision d = send(check(), a_);
  EXPECT_EQ(d.verdict, IceVerdict::kAccepted);
  EXPECT_TRUE(d.stateChanged);
  EXPECT_FALSE(d.nominated);
  EXPECT_EQ(agent_.state(), IceState::kChecking);
  EXPECT_FALSE(agent_.selectedEndpoint());
  const auto r = lastResponse(d);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type(), stun::kBindingSuccessResponse);
  EXPECT_EQ(r->xorMappedAddress(), a_);
  EXPECT_TRUE(r->verifyMessageIntegrity(kLocalPwd));
  EXPECT_TRUE(r->verifyFingerprint());
  const auto request = buildCheck(check());
  EXPECT_TRUE(std::equal(r->transactionId().begin(), r->transactionId().end(), request.begin() + 8));
  ASSERT_EQ(agent_.pairs().size(), 1u);
  EXPECT_EQ(agent_.pairs()[0].priority, 0x6e7f1effu);
  EXPECT_EQ(agent_.counters().accepted, 1u);
}

TEST_F(IceLiteAgentTest, NominationSelectsThePair) {
  const IceDecision d = send(check(true), a_);
  EXPECT_EQ(d.verdict, IceVerdict::kAccepted);
  EXPECT_TRUE(d.nominated);
  EXPECT_TRUE(d.selectedChanged);
  EXPECT_TRUE(d.stateChanged);
  EXPECT_EQ(agent_.state(), IceState::kConnected);
  EXPECT_EQ(agent_.selectedEndpoint(), a_);
  ASSERT_NE(agent_.selectedPair(), nullptr);
  EXPECT_TRUE(agent_.selectedPair()->nominated);
  // Re-nominating the same pair changes nothing.
  const IceDecision again = send(check(true), a_);
  EXPECT_TRUE(again.nominated);
  EXPECT_FALSE(again.selectedChanged);
  EXPECT_FALSE(again.stateChanged);
}

TEST_F(IceLiteAgentTest, NewNominationSwitchesThePair) {
  send(check(true), a_);
  // Checks without USE-CANDIDATE on another pair do not move media.
  IceDecision d = send(check(false), b_);
  EXPECT_EQ(d.verdict, IceVerdict::kAccepted);
  EXPECT_FALSE(d.selectedChanged);
  EXPECT_EQ(agent_.selectedEndpoint(), a_);
  d = send(check(true), b_);
  EXPECT_TRUE(d.selectedChanged);
  EXPECT_FALSE(d.stateChanged);
  EXPECT_EQ(agent_.selectedEndpoint(), b_);
  d = send(check(true), a_);
  EXPECT_TRUE(d.selectedChanged);
  EXPECT_EQ(agent_.selectedEndpoint(), a_);
}

TEST_F(IceLiteAgentTest, SameAddressOverTcpIsAnotherPair) {
  send(check(true), a_);
  const std::vector<uint8_t> datagram = buildCheck(check(true));
  response_.assign(kMaxStunResponseBytes, 0);
  const IceDecision d = agent_.onStunDatagram(datagram, a_, clock_.steadyMs(), response_, IceProtocol::kTcp);
  EXPECT_TRUE(d.selectedChanged);
  EXPECT_EQ(agent_.pairs().size(), 2u);
  EXPECT_EQ(agent_.selectedPair()->protocol, IceProtocol::kTcp);
}

// A closed ICE-TCP connection takes its pair with it: media stops until a new nomination.
TEST_F(IceLiteAgentTest, ForgettingTheSelectedTcpPairDisconnects) {
  send(check(), a_);  // an unnominated UDP pair stays
  const std::vector<uint8_t> datagram = buildCheck(check(true));
  response_.assign(kMaxStunResponseBytes, 0);
  agent_.onStunDatagram(datagram, b_, clock_.steadyMs(), response_, IceProtocol::kTcp);
  ASSERT_EQ(agent_.state(), IceState::kConnected);
  EXPECT_FALSE(agent_.forgetPair(b_, IceProtocol::kUdp)) << "no such pair: nothing changes";
  EXPECT_EQ(agent_.pairs().size(), 2u);
  EXPECT_TRUE(agent_.forgetPair(b_, IceProtocol::kTcp));
  EXPECT_EQ(agent_.state(), IceState::kDisconnected);
  EXPECT_EQ(agent_.selectedPair(), nullptr);
  ASSERT_EQ(agent_.pairs().size(), 1u);
  EXPECT_EQ(agent_.pairs()[0].remote, a_);
  EXPECT_EQ(send(check(true), a_).selectedChanged, true) << "a new nomination reconnects";
  EXPECT_EQ(agent_.state(), IceState::kConnected);
}

// Forgetting another pair keeps the selection on the right pair (the table is compacted).
TEST_F(IceLiteAgentTest, ForgettingAnotherPairKeepsTheSelection) {
  send(check(), a_);
  send(check(true), b_);
  ASSERT_EQ(agent_.selectedEndpoint(), b_);
  EXPECT_FALSE(agent_.forgetPair(a_, IceProtocol::kUdp));
  EXPECT_EQ(agent_.selectedEndpoint(), b_);
  EXPECT_EQ(agent_.state(), IceState::kConnected);
}

TEST_F(IceLiteAgentTest, WrongUfragIs401) {
  for (const std::string& username : {std::string("otherUfrag:") + kRemoteUfrag, std::string(kLocalUfrag) + ":zzzz",
                                      std::string(kLocalUfrag), std::string(":") + kRemoteUfrag,
                                      std::string(kRemoteUfrag) + ":" + kLocalUfrag}) {
    CheckSpec spec = check(true);
    spec.username = username;
    const IceDecision d = send(spec, a_);
    EXPECT_EQ(d.verdict, IceVerdict::kUnknownUsername) << username;
    const auto r = lastResponse(d);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->errorCode(), 401);
    EXPECT_FALSE(r->hasMessageIntegrity());
    EXPECT_TRUE(r->verifyFingerprint());
  }
  EXPECT_EQ(agent_.counters().unknownUsername, 5u);
  EXPECT_EQ(agent_.state(), IceState::kNew);
  EXPECT_TRUE(agent_.pairs().empty());
}

TEST_F(IceLiteAgentTest, WrongPasswordIs401) {
  CheckSpec spec = check(true);
  spec.password = kRemotePwd;  // a classic mistake: signing with one's own password
  const IceDecision d = send(spec, a_);
  EXPECT_EQ(d.verdict, IceVerdict::kBadIntegrity);
  EXPECT_EQ(lastResponse(d)->errorCode(), 401);
  EXPECT_FALSE(lastResponse(d)->hasMessageIntegrity());
  EXPECT_EQ(agent_.counters().badIntegrity, 1u);
  EXPECT_EQ(agent_.state(), IceState::kNew);
  EXPECT_FALSE(agent_.selectedEndpoint());
}

TEST_F(IceLiteAgentTest, MissingUsernameOrIntegrityIs400) {
  CheckSpec noUser = check(true);
  noUser.username.clear();
  CheckSpec noIntegrity = check(true);
  noIntegrity.password.clear();
  for (const CheckSpec& spec : {noUser, noIntegrity}) {
    const IceDecision d = send(spec, a_);
    EXPECT_EQ(d.verdict, IceVerdict::kBadRequest);
    EXPECT_EQ(lastResponse(d)->errorCode(), 400);
  }
  EXPECT_EQ(agent_.counters().badRequest, 2u);
  EXPECT_EQ(agent_.state(), IceState::kNew);
}

TEST_F(IceLiteAgentTest, MissingOrWrongFingerprintIsDropped) {
  CheckSpec spec = check(true);
  spec.fingerprint = false;
  IceDecision d = send(spec, a_);
  EXPECT_EQ(d.verdict, IceVerdict::kBadFingerprint);
  EXPECT_EQ(d.responseBytes, 0u);
  std::vector<uint8_t> datagram = buildCheck(check(true));
  datagram.back() ^= 1;
  response_.assign(kMaxStunResponseBytes, 0);
  d = agent_.onStunDatagram(datagram, a_, 0, response_);
  EXPECT_EQ(d.verdict, IceVerdict::kBadFingerprint);
  EXPECT_EQ(d.responseBytes, 0u);
  EXPECT_EQ(agent_.counters().badFingerprint, 2u);
  EXPECT_EQ(agent_.state(), IceState::kNew);
}

TEST_F(IceLiteAgentTest, ControlledPeerGetsRoleConflict) {
  CheckSpec spec = check(true);
  spec.controlling = false;
  spec.controlled = true;
  const IceDecision d = send(spec, a_);
  EXPECT_EQ(d.verdict, IceVerdict::kRoleConflict);
  const auto r = lastResponse(d);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->errorCode(), 487);
  EXPECT_TRUE(r->verifyMessageIntegrity(kLocalPwd));  // authenticated request, authenticated answer
  EXPECT_TRUE(r->verifyFingerprint());
  EXPECT_FALSE(d.nominated);
  EXPECT_EQ(agent_.state(), IceState::kNew);
  EXPECT_TRUE(agent_.pairs().empty());
  EXPECT_EQ(agent_.counters().roleConflicts, 1u);
  // The peer switches to controlling and retries.
  EXPECT_EQ(send(check(true), a_).verdict, IceVerdict::kAccepted);
  // A peer sending neither role attribute is tolerated.
  spec.controlled = false;
  EXPECT_EQ(send(spec, b_).verdict, IceVerdict::kAccepted);
}

TEST_F(IceLiteAgentTest, IndicationsAreIgnoredAndOtherMessagesDropped) {
  CheckSpec indication = check();
  indication.type = stun::kBindingIndication;
  IceDecision d = send(indication, a_);
  EXPECT_EQ(d.verdict, IceVerdict::kIgnored);
  EXPECT_EQ(d.responseBytes, 0u);
  CheckSpec response = check();
  response.type = stun::kBindingSuccessResponse;
  EXPECT_EQ(send(response, a_).verdict, IceVerdict::kMalformed);
  const std::vector<uint8_t> garbage = {0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  response_.assign(kMaxStunResponseBytes, 0);
  d = agent_.onStunDatagram(garbage, a_, 0, response_);
  EXPECT_EQ(d.verdict, IceVerdict::kMalformed);
  EXPECT_EQ(agent_.counters().indications, 1u);
  EXPECT_EQ(agent_.counters().malformed, 2u);
  EXPECT_EQ(agent_.state(), IceState::kNew);
}

TEST_F(IceLiteAgentTest, SmallResponseBufferIsADrop) {
  const std::vector<uint8_t> datagram = buildCheck(check(true));
  std::vector<uint8_t> small(kMaxStunResponseBytes - 1);
  const IceDecision d = agent_.onStunDatagram(datagram, a_, 0, small);
  EXPECT_EQ(d.verdict, IceVerdict::kNoBuffer);
  EXPECT_EQ(d.responseBytes, 0u);
  EXPECT_EQ(agent_.counters().noBuffer, 1u);
  EXPECT_EQ(agent_.state(), IceState::kNew);
}

TEST_F(IceLiteAgentTest, UnknownRemoteUfragAcceptsAnyRemoteHalf) {
  IceLiteAgent early = *IceLiteAgent::create({kLocalUfrag, kLocalPwd});
  CheckSpec spec = check(true);
  spec.username = std::string(kLocalUfrag) + ":whatever";
  const std::vector<uint8_t> datagram = buildCheck(spec);
  std::vector<uint8_t> out(kMaxStunResponseBytes);
  EXPECT_EQ(early.onStunDatagram(datagram, a_, 0, out).verdict, IceVerdict::kAccepted);
  ASSERT_TRUE(early.setRemoteCredentials("abcd", kRemotePwd));
  EXPECT_EQ(early.onStunDatagram(datagram, a_, 0, out).verdict, IceVerdict::kUnknownUsername);
}

TEST_F(IceLiteAgentTest, ConsentExpiresAfterThirtySecondsWithoutChecks) {
  send(check(true), a_);
  ASSERT_EQ(agent_.state(), IceState::kConnected);
  // Browsers send consent checks every ~5 s; those keep the pair alive indefinitely.
  for (int i = 0; i < 20; ++i) {
    clock_.advanceMs(5000);
    EXPECT_FALSE(agent_.tick(clock_.steadyMs()));
    send(check(false), a_);
  }
  EXPECT_EQ(agent_.state(), IceState::kConnected);
  // Checks on another pair do not refresh the selected pair's consent.
  clock_.advanceMs(29'999);
  send(check(false), b_);
  EXPECT_FALSE(agent_.tick(clock_.steadyMs()));
  EXPECT_EQ(agent_.state(), IceState::kConnected);
  clock_.advanceMs(1);
  EXPECT_TRUE(agent_.tick(clock_.steadyMs()));
  EXPECT_EQ(agent_.state(), IceState::kDisconnected);
  EXPECT_FALSE(agent_.selectedEndpoint());
  EXPECT_EQ(agent_.selectedPair(), nullptr);
  EXPECT_EQ(agent_.counters().consentExpiries, 1u);
  EXPECT_FALSE(agent_.tick(clock_.steadyMs() + 60'000));
  // A check without nomination does not bring media back.
  IceDecision d = send(check(false), a_);
  EXPECT_EQ(d.verdict, IceVerdict::kAccepted);
  EXPECT_EQ(agent_.state(), IceState::kDisconnected);
  // A new nomination does.
  d = send(check(true), b_);
  EXPECT_TRUE(d.stateChanged);
  EXPECT_TRUE(d.selectedChanged);
  EXPECT_EQ(agent_.state(), IceState::kConnected);
  EXPECT_EQ(agent_.selectedEndpoint(), b_);
}

TEST_F(IceLiteAgentTest, ConsentTimeoutIsConfigurable) {
  IceLiteAgent quick = *IceLiteAgent::create({kLocalUfrag, kLocalPwd}, IceLiteOptions{.consentTimeoutMs = 2000});
  std::vector<uint8_t> out(kMaxStunResponseBytes);
  const int64_t t0 = clock_.steadyMs();
  quick.onStunDatagram(buildCheck(check(true)), a_, t0, out);
  EXPECT_FALSE(quick.tick(t0 + 1999));
  EXPECT_TRUE(quick.tick(t0 + 2000));
  EXPECT_EQ(quick.state(), IceState::kDisconnected);
}

TEST_F(IceLiteAgentTest, PairTableIsBoundedAndKeepsTheSelectedPair) {
  send(check(true), a_);
  for (uint8_t i = 0; i < 3 * IceLiteAgent::kMaxPairs; ++i) {
    clock_.advanceMs(10);
    EXPECT_EQ(send(check(false), Endpoint::ipv4({10, 0, 0, i}, 5000)).verdict, IceVerdict::kAccepted);
  }
  EXPECT_EQ(agent_.pairs().size(), IceLiteAgent::kMaxPairs);
  EXPECT_EQ(agent_.selectedEndpoint(), a_);
  std::set<Endpoint> remotes;
  for (const IcePair& p : agent_.pairs()) remotes.insert(p.remote);
  EXPECT_EQ(remotes.size(), IceLiteAgent::kMaxPairs);
  EXPECT_TRUE(remotes.count(a_));
  EXPECT_TRUE(remotes.count(Endpoint::ipv4({10, 0, 0, 3 * IceLiteAgent::kMaxPairs - 1}, 5000)));
}

TEST(IceCredentials, GeneratedOnesFollowRfc8839) {
  std::set<std::string> ufrags;
  for (int i = 0; i < 200; ++i) {
    const IceCredentials c = generateIceCredentials();
    EXPECT_EQ(c.ufrag.size(), kGeneratedUfragChars);
    EXPECT_EQ(c.pwd.size(), kGeneratedPasswordChars);
    EXPECT_TRUE(isValidUfrag(c.ufrag));
    EXPECT_TRUE(isValidPassword(c.pwd));
    ufrags.insert(c.ufrag);
  }
  EXPECT_EQ(ufrags.size(), 200u);
  const IceLiteAgent a;
  const IceLiteAgent b;
  EXPECT_NE(a.localCredentials(), b.localCredentials());
}

TEST(IceCredentials, Validation) {
  EXPECT_TRUE(isValidUfrag("abcd"));
  EXPECT_TRUE(isValidUfrag("a+/9"));
  EXPECT_FALSE(isValidUfrag("abc"));
  EXPECT_FALSE(isValidUfrag("ab:d"));
  EXPECT_FALSE(isValidUfrag("ab d"));
  EXPECT_FALSE(isValidUfrag(std::string(257, 'a')));
  EXPECT_TRUE(isValidPassword(std::string(22, 'x')));
  EXPECT_FALSE(isValidPassword(std::string(21, 'x')));
  EXPECT_FALSE(IceLiteAgent::create({"ab", kLocalPwd}));
  EXPECT_FALSE(IceLiteAgent::create({kLocalUfrag, "short"}));
  EXPECT_EQ(IceLiteAgent::create({"ab", kLocalPwd}).error().code, "ICE_BAD_CREDENTIALS");
  IceLiteAgent agent;
  EXPECT_FALSE(agent.setRemoteCredentials("abc", kRemotePwd));
  EXPECT_FALSE(agent.setRemoteCredentials("abcd", "tooshort"));
  EXPECT_TRUE(agent.setRemoteCredentials("", ""));
}

TEST(IceState, Names) {
  EXPECT_EQ(toString(IceState::kConnected), "connected");
  EXPECT_EQ(toString(IceVerdict::kRoleConflict), "role-conflict");
}

}  // namespace
}  // namespace atrium::ice
