#include "ice/endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace atrium::ice {
namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::optional<uint16_t> parsePort(std::string_view text) {
  uint32_t value = 0;
  if (text.empty() || text.size() > 5) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

std::optional<Endpoint> parseAddress(std::string_view text, uint16_t port) {
  // inet_pton needs a terminated string; addresses are short, so a fixed buffer suffices.
  char buffer[INET6_ADDRSTRLEN + 1] = {};
  if (text.empty() || text.size() >= sizeof(buffer)) return std::nullopt;
  std::copy(text.begin(), text.end(), buffer);
  std::array<uint8_t, Endpoint::kIpv4Bytes> v4{};
  if (inet_pton(AF_INET, buffer, v4.data()) == 1) return Endpoint::ipv4(v4, port);
  std::array<uint8_t, Endpoint::kIpv6Bytes> v6{};
  if (inet_pton(AF_INET6, buffer, v6.data()) == 1) return Endpoint::ipv6(v6, port);
  return std::nullopt;
}

}  // namespace

Endpoint Endpoint::ipv4(std::array<uint8_t, kIpv4Bytes> address, uint16_t port) {
  Endpoint e;
  e.family_ = AddressFamily::kIpv4;
  e.port_ = port;
  std::copy(address.begin(), address.end(), e.address_.begin());
  return e;
}

Endpoint Endpoint::ipv6(std::array<uint8_t, kIpv6Bytes> address, uint16_t port) {
  Endpoint e;
  e.family_ = AddressFamily::kIpv6;
  e.port_ = port;
  e.address_ = address;
  return e;
}

std::optional<Endpoint> Endpoint::fromBytes(std::span<const uint8_t> address, uint16_t port) {
  if (address.size() == kIpv4Bytes) {
    std::array<uint8_t, kIpv4Bytes> v4{};
    std::copy(address.begin(), address.end(), v4.begin());
    return ipv4(v4, port);
  }
  if (address.size() == kIpv6Bytes) {
    std::array<uint8_t, kIpv6Bytes> v6{};
    std::copy(address.begin(), address.end(), v6.begin());
    return ipv6(v6, port);
  }
  return std::nullopt;
}

std::optional<Endpoint> Endpoint::parse(std::string_view text, std::optional<uint16_t> defaultPort) {
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view address = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    std::optional<uint16_t> port = defaultPort;
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = parsePort(rest.substr(1));
    }
    if (!port) return std::nullopt;
    auto e = parseAddress(address, *port);
    if (!e || e->isIpv4()) return std::nullopt;  // "[192.0.2.1]" is not a valid form
    return e;
  }
  const size_t colon = text.find(':');
  if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    const auto port = parsePort(text.substr(colon + 1));
    if (!port) return std::nullopt;
    auto e = parseAddress(text.substr(0, colon), *port);
    if (!e || !e->isIpv4()) return std::nullopt;
    return e;
  }
  // No port: a bare IPv4 address, or an unbracketed IPv6 address (several colons).
  if (!defaultPort) return std::nullopt;
  return parseAddress(text, *defaultPort);
}

std::optional<Endpoint> Endpoint::fromSockaddr(const sockaddr* address, size_t length) {
  if (address == nullptr) return std::nullopt;
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, address, sizeof(in));
    std::array<uint8_t, kIpv4Bytes> v4{};
    std::memcpy(v4.data(), &in.sin_addr, v4.size());
    return ipv4(v4, ntohs(in.sin_port));
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, address, sizeof(in6));
    std::array<uint8_t, kIpv6Bytes> v6{};
    std::memcpy(v6.data(), &in6.sin6_addr, v6.size());
    const uint16_t port = ntohs(in6.sin6_port);
    if (std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), v6.begin())) {
      return ipv4({v6[12], v6[13], v6[14], v6[15]}, port);
    }
    return ipv6(v6, port);
  }
  return std::nullopt;
}

size_t Endpoint::toSockaddr(sockaddr_storage& out, bool v4MappedForIpv6Socket) const {
  std::memset(&out, 0, sizeof(out));
  if (isIpv4() && !v4MappedForIpv6Socket) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port_);
    std::memcpy(&in.sin_addr, address_.data(), kIpv4Bytes);
    std::memcpy(&out, &in, sizeof(in));
    return sizeof(in);
  }
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(port_);
  if (isIpv4()) {
    uint8_t mapped[kIpv6Bytes] = {};
    std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), mapped);
    std::memcpy(mapped + kV4MappedPrefix.size(), address_.data(), kIpv4Bytes);
    std::memcpy(&in6.sin6_addr, mapped, kIpv6Bytes);
  } else {
    std::memcpy(&in6.sin6_addr, address_.data(), kIpv6Bytes);
  }
  std::memcpy(&out, &in6, sizeof(in6));
  return sizeof(in6);
}

std::string Endpoint::addressString() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  const int af = isIpv4() ? AF_INET : AF_INET6;
  if (inet_ntop(af, address_.data(), buffer, sizeof(buffer)) == nullptr) return {};
  return buffer;
}

std::string Endpoint::toString() const {
  const std::string port = std::to_string(port_);
  return isIpv4() ? addressString() + ":" + port : "[" + addressString() + "]:" + port;
}

size_t EndpointHash::operator()(const Endpoint& endpoint) const noexcept {
  // FNV-1a over the identity bytes: cheap, allocation-free and good enough for a hash map key.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint8_t byte) {
    h ^= byte;
    h *= 1099511628211ull;
  };
  mix(static_cast<uint8_t>(endpoint.family()));
  mix(static_cast<uint8_t>(endpoint.port() >> 8));
  mix(static_cast<uint8_t>(endpoint.port()));
  for (uint8_t byte : endpoint.addressBytes()) mix(byte);
  return static_cast<size_t>(h);
}

}  // namespace atrium::ice
