// Endpoint: an IPv4 or IPv6 address plus a UDP/TCP port, as a small value type.
//
// It is what the packet path compares and hashes (the ICE agent keys candidate pairs by it, the
// transport maps a datagram's source to a session with it), so it is trivially copyable, has
// no heap storage and compares by value. It deliberately knows nothing about sockets beyond
// converting to and from sockaddr, so any module (ice, transport, net, telemetry) can use it.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

struct sockaddr;
struct sockaddr_storage;

namespace atrium::ice {

enum class AddressFamily : uint8_t { kIpv4 = 4, kIpv6 = 6 };

class Endpoint {
 public:
  static constexpr size_t kIpv4Bytes = 4;
  static constexpr size_t kIpv6Bytes = 16;

  // 0.0.0.0:0.
  Endpoint() = default;
  static Endpoint ipv4(std::array<uint8_t, kIpv4Bytes> address, uint16_t port);
  static Endpoint ipv6(std::array<uint8_t, kIpv6Bytes> address, uint16_t port);
  // `address` must hold 4 or 16 bytes (network order); anything else is nullopt.
  static std::optional<Endpoint> fromBytes(std::span<const uint8_t> address, uint16_t port);
  // "192.0.2.1:3478", "[2001:db8::1]:3478"; with `defaultPort` set, a bare address is accepted
  // too ("192.0.2.1", "2001:db8::1", "[2001:db8::1]"). For configuration, not the packet path.
  static std::optional<Endpoint> parse(std::string_view text, std::optional<uint16_t> defaultPort = {});
  // From a kernel address (recvmsg, accept). An IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a
  // dual-stack socket reports IPv4 peers) becomes the IPv4 endpoint, so a peer has one identity
  // and XOR-MAPPED-ADDRESS reports the address the peer actually uses.
  static std::optional<Endpoint> fromSockaddr(const sockaddr* address, size_t length);
  // Writes a sockaddr_in / sockaddr_in6 and returns its length. With `v4MappedForIpv6Socket`
  // an IPv4 endpoint is written as ::ffff:a.b.c.d (for sending from a dual-stack socket).
  size_t toSockaddr(sockaddr_storage& out, bool v4MappedForIpv6Socket = false) const;

  AddressFamily family() const { return family_; }
  bool isIpv4() const { return family_ == AddressFamily::kIpv4; }
  uint16_t port() const { return port_; }
  // 4 or 16 bytes in network order.
  std::span<const uint8_t> addressBytes() const {
    return {address_.data(), isIpv4() ? kIpv4Bytes : kIpv6Bytes};
  }

  std::string addressString() const;  // "192.0.2.1", "2001:db8::1"
  std::string toString() const;       // "192.0.2.1:3478", "[2001:db8::1]:3478"

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;

 private:
  // Bytes past the family's length stay zero, so the defaulted comparisons are exact.
  AddressFamily family_ = AddressFamily::kIpv4;
  uint16_t port_ = 0;
  std::array<uint8_t, kIpv6Bytes> address_{};
};

struct EndpointHash {
  size_t operator()(const Endpoint& endpoint) const noexcept;
};

}  // namespace atrium::ice
