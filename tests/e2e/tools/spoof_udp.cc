// spoof_udp: sends UDP datagrams with a forged source address and port, as an attacker who can
// spoof a peer's address would. For the browser tests only, run as root inside their network
// namespace (a raw socket needs CAP_NET_RAW) — the network rule keeps it on loopback there.
//
//   spoof_udp SRC_IP SRC_PORT DST_IP DST_PORT HEX_PAYLOAD [COUNT]
//
// IPv4 only. The UDP checksum is left 0 ("none", RFC 768), which IPv4 receivers accept.
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

bool parseHex(const std::string& hex, std::vector<uint8_t>& out) {
  if (hex.size() % 2) return false;
  for (size_t i = 0; i < hex.size(); i += 2) {
    char* end = nullptr;
    const std::string pair = hex.substr(i, 2);
    const long v = std::strtol(pair.c_str(), &end, 16);
    if (*end) return false;
    out.push_back(static_cast<uint8_t>(v));
  }
  return true;
}

uint16_t ipChecksum(const uint8_t* data, size_t length) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < length; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6 || argc > 7) {
    std::fprintf(stderr, "usage: %s SRC_IP SRC_PORT DST_IP DST_PORT HEX_PAYLOAD [COUNT]\n", argv[0]);
    return 2;
  }
  in_addr src{}, dst{};
  std::vector<uint8_t> payload;
  const int srcPort = std::atoi(argv[2]), dstPort = std::atoi(argv[4]);
  const int count = argc == 7 ? std::atoi(argv[6]) : 1;
  if (inet_pton(AF_INET, argv[1], &src) != 1 || inet_pton(AF_INET, argv[3], &dst) != 1 || srcPort <= 0 ||
      srcPort > 65535 || dstPort <= 0 || dstPort > 65535 || !parseHex(argv[5], payload) || payload.size() > 1400 ||
      count < 1) {
    std::fprintf(stderr, "spoof_udp: bad arguments\n");
    return 2;
  }
  const int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);  // IPPROTO_RAW implies IP_HDRINCL
  if (fd < 0) {
    std::perror("spoof_udp: raw socket (needs root)");
    return 1;
  }
  std::vector<uint8_t> packet(sizeof(iphdr) + sizeof(udphdr) + payload.size());
  auto* ip = reinterpret_cast<iphdr*>(packet.data());
  ip->version = 4;
  ip->ihl = 5;
  ip->ttl = 64;
  ip->protocol = IPPROTO_UDP;
  ip->tot_len = htons(static_cast<uint16_t>(packet.size()));
  ip->saddr = src.s_addr;
  ip->daddr = dst.s_addr;
  ip->check = htons(ipChecksum(packet.data(), sizeof(iphdr)));
  auto* udp = reinterpret_cast<udphdr*>(packet.data() + sizeof(iphdr));
  udp->source = htons(static_cast<uint16_t>(srcPort));
  udp->dest = htons(static_cast<uint16_t>(dstPort));
  udp->len = htons(static_cast<uint16_t>(sizeof(udphdr) + payload.size()));
  std::memcpy(packet.data() + sizeof(iphdr) + sizeof(udphdr), payload.data(), payload.size());
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr = dst;
  for (int i = 0; i < count; ++i) {
    if (sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
      std::perror("spoof_udp: sendto");
      close(fd);
      return 1;
    }
  }
  close(fd);
  return 0;
}
