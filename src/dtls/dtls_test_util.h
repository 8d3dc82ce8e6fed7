// Test helpers: two certificates (one per side, as two processes would have) and a hand-driven
// "network" that moves datagrams between two DtlsTransports.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

#include "dtls/dtls_transport.h"

namespace atrium::dtls::testing {

inline const crypto::DtlsContext& serverContext() {
  static const auto context = crypto::DtlsContext::create("server");
  return **context;
}
inline const crypto::DtlsContext& clientContext() {
  static const auto context = crypto::DtlsContext::create("client");
  return **context;
}

inline std::unique_ptr<DtlsTransport> makeTransport(DtlsRole role, DtlsTransportOptions options = {}) {
  options.role = role;
  auto transport = DtlsTransport::create(role == DtlsRole::kServer ? serverContext() : clientContext(),
                                         std::move(options));
  EXPECT_TRUE(transport.ok()) << (transport.ok() ? "" : transport.error().message);
  return std::move(*transport);
}

inline std::vector<Bytes> drain(DtlsTransport& from) {
  std::vector<Bytes> out;
  while (auto datagram = from.pollOutgoing()) out.push_back(std::move(*datagram));
  return out;
}

inline void deliver(const std::vector<Bytes>& datagrams, DtlsTransport& to, int64_t nowMs) {
  for (const auto& d : datagrams) to.feed(d, nowMs);
}

// A client/server pair that knows each other's fingerprints, like two ends of an SDP exchange.
struct Pair {
  explicit Pair(DtlsTransportOptions clientOptions = {}, DtlsTransportOptions serverOptions = {})
      : client(makeTransport(DtlsRole::kClient, std::move(clientOptions))),
        server(makeTransport(DtlsRole::kServer, std::move(serverOptions))) {
    EXPECT_TRUE(client->setRemoteFingerprint("sha-256", serverContext().fingerprintSha256(), now).ok());
    EXPECT_TRUE(server->setRemoteFingerprint("sha-256", clientContext().fingerprintSha256(), now).ok());
  }

  // Moves datagrams both ways until neither side has anything to say (bounded).
  // `drop` may discard a datagram: (fromClient, index of that datagram in the pump) → true to drop.
  void pump(const std::function<bool(bool, int)>& drop = {}) {
    for (int round = 0; round < 64; ++round) {
      auto fromClient = drain(*client);
      auto fromServer = drain(*server);
      if (fromClient.empty() && fromServer.empty()) return;
      for (auto& d : fromClient) {
        if (!drop || !drop(true, clientSent++)) server->feed(d, now);
      }
      for (auto& d : fromServer) {
        if (!drop || !drop(false, serverSent++)) client->feed(d, now);
      }
    }
    ADD_FAILURE() << "datagrams kept flowing after 64 rounds";
  }

  void handshake() {
    client->start(now);
    pump();
  }

  bool connected() const {
    return client->state() == DtlsState::kConnected && server->state() == DtlsState::kConnected;
  }

  int64_t now = 1'000'000;
  int clientSent = 0;
  int serverSent = 0;
  std::unique_ptr<DtlsTransport> client;
  std::unique_ptr<DtlsTransport> server;
};

}  // namespace atrium::dtls::testing
