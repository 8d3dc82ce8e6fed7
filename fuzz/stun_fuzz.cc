// Fuzzes the STUN codec, the ICE-lite agent and ICE-TCP framing (src/ice).
//
// Input layout: <mode byte> rest. Mode (low two bits):
//   0  rest is one datagram: StunMessage::parse, every accessor, integrity with the agent's and
//      a wrong password, fingerprint, then IceLiteAgent::onStunDatagram.
//   1  rest is a script for the agent's state machine, 4 bytes per step:
//        [flags][endpoint index][time step in 100 ms][transaction seed]
//      flags bit 0 USE-CANDIDATE, 1 wrong password, 2 wrong ufrag, 3 ICE-CONTROLLED,
//      4 no FINGERPRINT, 5 indication, 6 ICE restart before the check, 7 use TCP.
//      Checks are built and signed here, so the accepted path is reached all the time.
//   2  rest is a TCP byte stream: [chunk size byte] then the stream, fed to an
//      IceTcpFrameDecoder (max frame 1500) in chunks of that size; frames go to the agent.
//   3  like 0, but the datagram is first re-signed: when it parses, a copy is rebuilt with
//      its USERNAME/PRIORITY/USE-CANDIDATE/ICE-CONTROLL* attributes and valid integrity and
//      fingerprint for the agent's credentials.
// Every response the agent asks to send must be a well-formed STUN message carrying the
// request's transaction id and a valid FINGERPRINT; accepted ones must authenticate with the
// local password and echo the sender. Any crash, sanitizer report or broken invariant is a bug.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ice/ice_lite_agent.h"
#include "ice/ice_tcp_framing.h"
#include "ice/stun_message.h"
#include "ice/stun_writer.h"

namespace {

using namespace atrium::ice;

const IceCredentials kLocal{"FuzzLocalUfrag00", "FuzzLocalPassword0123456789+/abc"};
const IceCredentials kRemote{"peer", "PeerPassword0123456789xx"};
const IceCredentials kLocalAfterRestart{"FuzzRestartUfrag", "FuzzRestartPassword0123456789+/a"};

void check(bool invariant) {
  if (!invariant) std::abort();
}

IceLiteAgent makeAgent() {
  auto agent = IceLiteAgent::create(kLocal);
  check(agent.ok());
  check(agent->setRemoteCredentials(kRemote.ufrag, kRemote.pwd).ok());
  return std::move(agent).value();
}

Endpoint endpointFor(uint8_t index) {
  if (index & 0x80) {
    std::array<uint8_t, 16> v6{0x20, 0x01, 0x0d, 0xb8};
    v6[15] = index;
    return Endpoint::ipv6(v6, static_cast<uint16_t>(40000 + (index & 7)));
  }
  return Endpoint::ipv4({198, 51, 100, static_cast<uint8_t>(index & 0x0f)}, static_cast<uint16_t>(50000 + index));
}

void checkAgentInvariants(const IceLiteAgent& agent) {
  const bool connected = agent.state() == IceState::kConnected;
  check(connected == (agent.selectedPair() != nullptr));
  check(connected == agent.selectedEndpoint().has_value());
  check(agent.pairs().size() <= IceLiteAgent::kMaxPairs);
  if (connected) check(agent.selectedPair()->nominated);
}

void checkDecision(const IceDecision& d, std::span<const uint8_t> request, const Endpoint& from,
                   std::span<const uint8_t> response, std::string_view localPwd) {
  check(d.responseBytes <= kMaxStunResponseBytes);
  const bool responds = d.verdict == IceVerdict::kAccepted || d.verdict == IceVerdict::kBadRequest ||
                        d.verdict == IceVerdict::kUnknownUsername || d.verdict == IceVerdict::kBadIntegrity ||
                        d.verdict == IceVerdict::kRoleConflict;
  check(responds == (d.responseBytes > 0));
  if (d.verdict != IceVerdict::kAccepted) check(!d.nominated && !d.selectedChanged && !d.stateChanged);
  if (!responds) return;
  const auto r = StunMessage::parse(response.first(d.responseBytes));
  check(r.has_value());
  check(r->verifyFingerprint());
  const auto req = StunMessage::parse(request);
  check(req.has_value());
  check(std::equal(r->transactionId().begin(), r->transactionId().end(), req->transactionId().begin()));
  if (d.verdict == IceVerdict::kAccepted) {
    check(r->type() == stun::kBindingSuccessResponse);
    check(r->xorMappedAddress() == from);
    check(r->verifyMessageIntegrity(localPwd));
  } else {
    check(r->type() == stun::kBindingErrorResponse);
    check(r->errorCode().has_value());
    check(r->hasMessageIntegrity() == (d.verdict == IceVerdict::kRoleConflict));
  }
}

void exploreMessage(const StunMessage& m) {
  check(m.attributeCount() <= stun::kMaxAttributes);
  check(m.bytes().size() >= stun::kHeaderBytes && m.bytes().size() % 4 == 0);
  (void)m.method();
  (void)m.messageClass();
  if (auto u = m.username()) check(u->size() <= stun::kMaxUsernameBytes);
  (void)m.priority();
  (void)m.useCandidate();
  (void)m.iceControlling();
  (void)m.iceControlled();
  (void)m.xorMappedAddress();
  if (auto e = m.errorCode()) check(*e >= 300 && *e <= 699);
  const bool good = m.verifyMessageIntegrity(kLocal.pwd);
  const bool wrong = m.verifyMessageIntegrity(kRemote.pwd);
  check(!(good && wrong));  // two keys cannot both authenticate (barring an HMAC collision)
  check(!good || m.hasMessageIntegrity());
  check(!m.verifyFingerprint() || m.hasFingerprint());
}

// Rebuilds `m` as a signed Binding request for the agent's credentials.
std::vector<uint8_t> resign(const StunMessage& m) {
  std::vector<uint8_t> out(2048);
  StunWriter w(out, stun::kBindingRequest, m.transactionId());
  if (auto u = m.username()) w.addString(stun::kAttrUsername, *u);
  if (auto p = m.priority()) w.addUint32(stun::kAttrPriority, *p);
  if (auto c = m.iceControlling()) w.addUint64(stun::kAttrIceControlling, *c);
  if (auto c = m.iceControlled()) w.addUint64(stun::kAttrIceControlled, *c);
  if (m.useCandidate()) w.addFlag(stun::kAttrUseCandidate);
  w.addMessageIntegrity(kLocal.pwd).addFingerprint();
  const auto size = w.finish();
  check(size.has_value());
  out.resize(*size);
  return out;
}

void runDatagram(std::span<const uint8_t> datagram, const Endpoint& from) {
  IceLiteAgent agent = makeAgent();
  std::array<uint8_t, kMaxStunResponseBytes> response{};
  const auto m = StunMessage::parse(datagram);
  if (m) {
    exploreMessage(*m);
    if (datagram[0] <= 3) check(StunMessage::looksLikeStun(datagram));  // RFC 7983's STUN range
  }
  const IceDecision d = agent.onStunDatagram(datagram, from, 1000, response);
  check((d.verdict == IceVerdict::kMalformed) || m.has_value());
  checkDecision(d, datagram, from, response, kLocal.pwd);
  checkAgentInvariants(agent);
}

void runScript(std::span<const uint8_t> script) {
  IceLiteAgent agent = makeAgent();
  IceCredentials local = kLocal;
  IceCredentials remote = kRemote;
  int64_t now = 1'000'000;
  std::array<uint8_t, kMaxStunResponseBytes> response{};
  for (size_t at = 0; at + 4 <= script.size(); at += 4) {
    const uint8_t flags = script[at];
    const Endpoint from = endpointFor(script[at + 1]);
    now += int64_t{script[at + 2]} * 100;
    if (flags & 0x40) {
      const bool toggle = local.ufrag == kLocal.ufrag;
      const IceCredentials next = toggle ? kLocalAfterRestart : kLocal;
      auto restarted = agent.restart(remote.ufrag, remote.pwd, next);
      check(restarted.ok() && *restarted == next);
      local = next;
    }
    const bool wasConnected = agent.state() == IceState::kConnected;
    if (agent.tick(now)) check(wasConnected && agent.state() == IceState::kDisconnected);
    checkAgentInvariants(agent);

    std::array<uint8_t, stun::kTransactionIdBytes> tid{};
    tid.fill(script[at + 3]);
    std::array<uint8_t, 256> request{};
    StunWriter w(request, (flags & 0x20) ? stun::kBindingIndication : stun::kBindingRequest, tid);
    w.addString(stun::kAttrUsername, ((flags & 0x04) ? std::string("nobody") : local.ufrag) + ":" + remote.ufrag);
    w.addUint32(stun::kAttrPriority, 0x6e7f1eff);
    w.addUint64(stun::kAttrIceControlling, 42);
    if (flags & 0x08) w.addUint64(stun::kAttrIceControlled, 43);
    if (flags & 0x01) w.addFlag(stun::kAttrUseCandidate);
    w.addMessageIntegrity((flags & 0x02) ? kRemote.pwd : local.pwd);
    if (!(flags & 0x10)) w.addFingerprint();
    const auto size = w.finish();
    check(size.has_value());
    const std::span<const uint8_t> bytes(request.data(), *size);

    const auto before = agent.selectedEndpoint();
    const IceProtocol protocol = (flags & 0x80) ? IceProtocol::kTcp : IceProtocol::kUdp;
    const IceDecision d = agent.onStunDatagram(bytes, from, now, response, protocol);
    checkDecision(d, bytes, from, response, local.pwd);
    checkAgentInvariants(agent);
    // A check that is fully valid is always accepted; a nomination always selects its sender.
    if ((flags & 0x3e) == 0) check(d.verdict == IceVerdict::kAccepted);
    if (d.nominated) check(agent.selectedEndpoint() == from && agent.selectedPair()->protocol == protocol);
    if (d.verdict != IceVerdict::kAccepted) check(agent.selectedEndpoint() == before);
  }
}

void runStream(std::span<const uint8_t> input) {
  if (input.empty()) return;
  const size_t chunk = size_t{input[0]} + 1;
  std::span<const uint8_t> stream = input.subspan(1);
  IceLiteAgent agent = makeAgent();
  IceTcpFrameDecoder decoder(1500);
  std::array<uint8_t, kMaxStunResponseBytes> response{};
  const Endpoint from = endpointFor(1);
  bool ok = true;
  while (!stream.empty()) {
    const size_t n = std::min(chunk, stream.size());
    ok = decoder.feed(stream.first(n), [&](std::span<const uint8_t> frame) {
      check(!frame.empty() && frame.size() <= 1500);
      const IceDecision d = agent.onStunDatagram(frame, from, 1000, response, IceProtocol::kTcp);
      checkDecision(d, frame, from, response, kLocal.pwd);
    });
    stream = stream.subspan(n);
    check(ok == !decoder.failed());
  }
  checkAgentInvariants(agent);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> rest(data + 1, size - 1);
  switch (data[0] & 3) {
    case 0: runDatagram(rest, endpointFor(data[0])); break;
    case 1: runScript(rest); break;
    case 2: runStream(rest); break;
    case 3: {
      const auto m = StunMessage::parse(rest);
      if (!m) {
        runDatagram(rest, endpointFor(data[0]));
        break;
      }
      const std::vector<uint8_t> signed_ = resign(*m);
      check(StunMessage::parse(signed_).has_value());
      check(StunMessage::parse(signed_)->verifyMessageIntegrity(kLocal.pwd));
      runDatagram(signed_, endpointFor(data[0]));
      break;
    }
  }
  return 0;
}
