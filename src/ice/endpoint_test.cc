#include "ice/endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cstring>
#include <unordered_set>

namespace atrium::ice {
namespace {

TEST(Endpoint, ParsesAndPrints) {
  EXPECT_EQ(Endpoint::parse("192.0.2.1:3478"), Endpoint::ipv4({192, 0, 2, 1}, 3478));
  EXPECT_EQ(Endpoint::parse("192.0.2.1:3478")->toString(), "192.0.2.1:3478");
  const auto v6 = Endpoint::parse("[2001:db8::1]:443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->family(), AddressFamily::kIpv6);
  EXPECT_EQ(v6->port(), 443);
  EXPECT_EQ(v6->toString(), "[2001:db8::1]:443");
  EXPECT_EQ(v6->addressString(), "2001:db8::1");
  EXPECT_EQ(v6->addressBytes().size(), 16u);
  EXPECT_EQ(Endpoint::parse("192.0.2.1", 9)->port(), 9);
  EXPECT_EQ(Endpoint::parse("2001:db8::1", 9), Endpoint::parse("[2001:db8::1]:9"));
  EXPECT_EQ(Endpoint::parse("[2001:db8::1]", 9), Endpoint::parse("[2001:db8::1]:9"));
  for (const char* bad : {"", "192.0.2.1", "192.0.2.1:", "192.0.2.1:65536", "192.0.2.1:-1", "192.0.2:1",
                          "[192.0.2.1]:1", "[2001:db8::1", "[2001:db8::1]x", "host.example:80", "2001:db8::1"}) {
    EXPECT_FALSE(Endpoint::parse(bad)) << bad;
  }
}

TEST(Endpoint, ValueSemantics) {
  const Endpoint a = Endpoint::ipv4({10, 0, 0, 1}, 1);
  EXPECT_EQ(a, Endpoint::ipv4({10, 0, 0, 1}, 1));
  EXPECT_NE(a, Endpoint::ipv4({10, 0, 0, 1}, 2));
  EXPECT_NE(a, Endpoint::ipv4({10, 0, 0, 2}, 1));
  // Same leading bytes in another family is another endpoint.
  std::array<uint8_t, 16> v6{};
  v6[0] = 10;
  v6[3] = 1;
  EXPECT_NE(a, Endpoint::ipv6(v6, 1));
  EXPECT_LT(Endpoint::ipv4({10, 0, 0, 1}, 1), Endpoint::ipv4({10, 0, 0, 1}, 2));
  std::unordered_set<Endpoint, EndpointHash> set = {a, a, Endpoint::ipv6(v6, 1)};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_EQ(Endpoint::fromBytes(a.addressBytes(), 1), a);
  EXPECT_FALSE(Endpoint::fromBytes(std::span<const uint8_t>(v6.data(), 5), 1));
  EXPECT_EQ(Endpoint().toString(), "0.0.0.0:0");
}

TEST(Endpoint, SockaddrRoundTrip) {
  for (const char* text : {"192.0.2.1:5000", "[2001:db8::7]:6000"}) {
    const Endpoint e = *Endpoint::parse(text);
    sockaddr_storage storage{};
    const size_t length = e.toSockaddr(storage);
    EXPECT_EQ(Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&storage), length), e) << text;
    EXPECT_FALSE(Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&storage), length - 1));
  }
  EXPECT_FALSE(Endpoint::fromSockaddr(nullptr, 0));
}

TEST(Endpoint, Ipv4MappedBecomesIpv4) {
  const Endpoint e = Endpoint::ipv4({203, 0, 113, 5}, 7000);
  sockaddr_storage storage{};
  const size_t length = e.toSockaddr(storage, /*v4MappedForIpv6Socket=*/true);
  ASSERT_EQ(length, sizeof(sockaddr_in6));
  ASSERT_EQ(storage.ss_family, AF_INET6);
  sockaddr_in6 in6{};
  std::memcpy(&in6, &storage, sizeof(in6));
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
  EXPECT_STREQ(text, "::ffff:203.0.113.5");
  EXPECT_EQ(Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&storage), length), e);
}

}  // namespace
}  // namespace atrium::ice
