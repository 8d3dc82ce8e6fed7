#include "ice/ice_lite_agent.h"

#include <utility>

namespace atrium::ice {
namespace {

constexpr char kBadCredentials[] = "ICE_BAD_CREDENTIALS";

// Empty remote credentials are allowed: "not known yet".
base::Status checkRemote(std::string_view ufrag, std::string_view pwd) {
  if (ufrag.empty() && pwd.empty()) return base::Ok{};
  if (!isValidUfrag(ufrag)) return base::makeError(kBadCredentials, "remote ice-ufrag is not 4-256 ice-chars");
  if (!isValidPassword(pwd)) return base::makeError(kBadCredentials, "remote ice-pwd is not 22-256 ice-chars");
  return base::Ok{};
}

base::Status checkLocal(const IceCredentials& local) {
  if (!isValidUfrag(local.ufrag) || !isValidPassword(local.pwd)) {
    return base::makeError(kBadCredentials, "local ICE credentials break the ice-ufrag/ice-pwd syntax");
  }
  return base::Ok{};
}

}  // namespace

std::string_view toString(IceState state) {
  switch (state) {
    case IceState::kNew: return "new";
    case IceState::kChecking: return "checking";
    case IceState::kConnected: return "connected";
    case IceState::kDisconnected: return "disconnected";
  }
  return "unknown";
}

std::string_view toString(IceVerdict verdict) {
  switch (verdict) {
    case IceVerdict::kAccepted: return "accepted";
    case IceVerdict::kIgnored: return "ignored";
    case IceVerdict::kMalformed: return "malformed";
    case IceVerdict::kBadFingerprint: return "bad-fingerprint";
    case IceVerdict::kBadRequest: return "bad-request";
    case IceVerdict::kUnknownUsername: return "unknown-username";
    case IceVerdict::kBadIntegrity: return "bad-integrity";
    case IceVerdict::kRoleConflict: return "role-conflict";
    case IceVerdict::kNoBuffer: return "no-buffer";
  }
  return "unknown";
}

IceLiteAgent::IceLiteAgent(IceLiteOptions options) : IceLiteAgent(generateIceCredentials(), options) {}

IceLiteAgent::IceLiteAgent(IceCredentials local, IceLiteOptions options) : options_(options) {
  current_.local = std::move(local);
}

base::Result<IceLiteAgent> IceLiteAgent::create(IceCredentials local, IceLiteOptions options) {
  if (auto status = checkLocal(local); !status) return status.error();
  return IceLiteAgent(std::move(local), options);
}

base::Status IceLiteAgent::setRemoteCredentials(std::string_view ufrag, std::string_view pwd) {
  if (auto status = checkRemote(ufrag, pwd); !status) return status;
  current_.remoteUfrag = std::string(ufrag);
  current_.remotePwd = std::string(pwd);
  return base::Ok{};
}

base::Result<IceCredentials> IceLiteAgent::restart(std::string_view remoteUfrag, std::string_view remotePwd,
                                                   std::optional<IceCredentials> newLocal) {
  if (auto status = checkRemote(remoteUfrag, remotePwd); !status) return status.error();
  if (newLocal) {
    if (auto status = checkLocal(*newLocal); !status) return status.error();
  }
  Generation next;
  next.local = newLocal ? std::move(*newLocal) : generateIceCredentials();
  next.remoteUfrag = std::string(remoteUfrag);
  next.remotePwd = std::string(remotePwd);
  // A restart during a restart: the credentials in use are still the oldest ones that ever
  // authenticated a check, so those stay as the fallback and the unused middle set is dropped.
  if (!previous_) previous_ = std::move(current_);
  current_ = std::move(next);
  return current_.local;
}

IceDecision IceLiteAgent::onStunDatagram(std::span<const uint8_t> datagram, const Endpoint& from, int64_t nowMs,
                                         std::span<uint8_t> response, IceProtocol protocol) {
  const auto message = StunMessage::parse(datagram);
  if (!message) {
    ++counters_.malformed;
    return IceDecision{IceVerdict::kMalformed};
  }
  return onBindingRequest(*message, from, nowMs, response, protocol);
}

const IceLiteAgent::Generation* IceLiteAgent::matchUsername(std::string_view username) const {
  const size_t colon = username.find(':');
  if (colon == std::string_view::npos) return nullptr;
  const std::string_view localPart = username.substr(0, colon);
  const std::string_view remotePart = username.substr(colon + 1);
  for (const Generation* g : {&current_, previous_ ? &*previous_ : nullptr}) {
    if (g == nullptr || localPart != g->local.ufrag) continue;
    if (!g->remoteUfrag.empty() && remotePart != g->remoteUfrag) return nullptr;
    return g;
  }
  return nullptr;
}

IceDecision IceLiteAgent::refuse(IceVerdict verdict, const StunMessage& message, std::span<uint8_t> response,
                                 std::string_view integrityPassword) {
  StunErrorCode code = StunErrorCode::kBadRequest;
  switch (verdict) {
    case IceVerdict::kBadRequest: ++counters_.badRequest; break;
    case IceVerdict::kUnknownUsername:
      ++counters_.unknownUsername;
      code = StunErrorCode::kUnauthorized;
      break;
    case IceVerdict::kBadIntegrity:
      ++counters_.badIntegrity;
      code = StunErrorCode::kUnauthorized;
      break;
    case IceVerdict::kRoleConflict:
      ++counters_.roleConflicts;
      code = StunErrorCode::kRoleConflict;
      break;
    default: break;
  }
  IceDecision decision{verdict};
  // The buffer size was checked up front, so this cannot fail; if it did, nothing is sent.
  decision.responseBytes = writeBindingError(response, message, code, integrityPassword).value_or(0);
  return decision;
}

IceDecision IceLiteAgent::onBindingRequest(const StunMessage& message, const Endpoint& from, int64_t nowMs,
                                           std::span<uint8_t> response, IceProtocol protocol) {
  if (!message.isBindingRequest()) {
    if (message.type() == stun::kBindingIndication) {
      ++counters_.indications;
      return IceDecision{IceVerdict::kIgnored};
    }
    ++counters_.malformed;
    return IceDecision{IceVerdict::kMalformed};
  }
  if (!message.hasFingerprint() || !message.verifyFingerprint()) {
    ++counters_.badFingerprint;
    return IceDecision{IceVerdict::kBadFingerprint};
  }
  if (response.size() < kMaxStunResponseBytes) {
    ++counters_.noBuffer;
    return IceDecision{IceVerdict::kNoBuffer};
  }
  const auto username = message.username();
  if (!username || !message.hasMessageIntegrity()) return refuse(IceVerdict::kBadRequest, message, response, {});
  const Generation* generation = matchUsername(*username);
  if (generation == nullptr) return refuse(IceVerdict::kUnknownUsername, message, response, {});
  const std::string_view password = generation->local.pwd;
  if (!message.verifyMessageIntegrity(password)) return refuse(IceVerdict::kBadIntegrity, message, response, {});
  if (message.iceControlled()) return refuse(IceVerdict::kRoleConflict, message, response, password);

  IceDecision decision{IceVerdict::kAccepted};
  // Write the answer before any state changes: `password` points into a generation that
  // retiring the previous credentials below would free.
  decision.responseBytes = writeBindingSuccess(response, message, from, password).value_or(0);
  ++counters_.accepted;
  if (generation == &current_ && previous_) previous_.reset();  // the restart took effect

  IcePair& pair = recordPair(from, protocol, nowMs);
  pair.priority = message.priority().value_or(pair.priority);
  if (message.useCandidate()) {
    decision.nominated = true;
    pair.nominated = true;
    const int index = static_cast<int>(&pair - pairs_.data());
    if (selected_ != index) {
      selected_ = index;
      decision.selectedChanged = true;
    }
  }
  if (selected_ >= 0) {
    setState(IceState::kConnected, &decision);
  } else if (state_ == IceState::kNew) {
    setState(IceState::kChecking, &decision);
  }
  return decision;
}

IcePair& IceLiteAgent::recordPair(const Endpoint& from, IceProtocol protocol, int64_t nowMs) {
  size_t slot = pairCount_;
  for (size_t i = 0; i < pairCount_; ++i) {
    if (pairs_[i].remote == from && pairs_[i].protocol == protocol) {
      slot = i;
      break;
    }
  }
  if (slot == pairCount_) {
    if (pairCount_ < pairs_.size()) {
      ++pairCount_;
    } else {
      // Full: reuse the least recently checked pair that is not carrying media.
      slot = selected_ == 0 ? 1 : 0;
      for (size_t i = 0; i < pairCount_; ++i) {
        if (static_cast<int>(i) != selected_ && pairs_[i].lastCheckMs < pairs_[slot].lastCheckMs) slot = i;
      }
    }
    pairs_[slot] = IcePair{from, protocol};
  }
  pairs_[slot].lastCheckMs = nowMs;
  return pairs_[slot];
}

bool IceLiteAgent::tick(int64_t nowMs) {
  if (state_ != IceState::kConnected || selected_ < 0) return false;
  IcePair& pair = pairs_[static_cast<size_t>(selected_)];
  if (nowMs - pair.lastCheckMs < options_.consentTimeoutMs) return false;
  // RFC 7675 §5.1: consent is lost for good on this pair; only a new nomination brings media back.
  pair.nominated = false;
  selected_ = -1;
  ++counters_.consentExpiries;
  setState(IceState::kDisconnected, nullptr);
  return true;
}

bool IceLiteAgent::forgetPair(const Endpoint& remote, IceProtocol protocol) {
  for (size_t i = 0; i < pairCount_; ++i) {
    if (!(pairs_[i].remote == remote && pairs_[i].protocol == protocol)) continue;
    const int index = static_cast<int>(i);
    // Keep the table dense: the last pair moves into the hole (the selection follows it).
    const int last = static_cast<int>(pairCount_ - 1);
    pairs_[i] = pairs_[pairCount_ - 1];
    --pairCount_;
    if (selected_ == index) {
      selected_ = -1;
      if (state_ == IceState::kConnected) {
        setState(IceState::kDisconnected, nullptr);
        return true;
      }
    } else if (selected_ == last) {
      selected_ = index;
    }
    return false;
  }
  return false;
}

const IcePair* IceLiteAgent::selectedPair() const {
  if (state_ != IceState::kConnected || selected_ < 0) return nullptr;
  return &pairs_[static_cast<size_t>(selected_)];
}

std::optional<Endpoint> IceLiteAgent::selectedEndpoint() const {
  const IcePair* pair = selectedPair();
  if (pair == nullptr) return std::nullopt;
  return pair->remote;
}

void IceLiteAgent::setState(IceState next, IceDecision* decision) {
  if (state_ == next) return;
  state_ = next;
  if (decision != nullptr) decision->stateChanged = true;
}

}  // namespace atrium::ice
