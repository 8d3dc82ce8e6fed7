// WorkerCounters: one media worker's counters as the scrape sees them.
//
// The media path never takes a lock or allocates, so it cannot touch prometheus-cpp objects
// (their label lookups lock and allocate). Instead each worker owns one WorkerCounters. Only
// that worker's thread writes it; the control thread reads it while rendering /metrics. With a
// single writer, a relaxed load + store is a complete increment (no read-modify-write, so no
// locked instruction on the packet path), and relaxed loads on the reader give some recent,
// never torn, value — all a monotonic counter scraped every few seconds needs.
//
// Counters the transport and router already keep as plain integers (they are single-threaded
// objects) are copied in here by the worker every kPublishPeriodMs instead of being counted twice.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace atrium::metrics {

using Counter64 = std::atomic<uint64_t>;

// Single-writer increment and store; the owner thread only.
inline void bump(Counter64& c, uint64_t n = 1) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
inline void put(Counter64& c, uint64_t v) { c.store(v, std::memory_order_relaxed); }
inline uint64_t read(const Counter64& c) { return c.load(std::memory_order_relaxed); }

// How often a worker copies its transports' and router's counters into its WorkerCounters.
inline constexpr int64_t kPublishPeriodMs = 250;

// Why a media packet was dropped. The label values are fixed here, so cardinality is bounded.
enum class DropReason : uint8_t {
  kDemuxUnknown,    // not STUN/DTLS/RTP/RTCP (RFC 7983 demux)
  kIceNotSelected,  // from an endpoint ICE did not select
  kSrtpUnprotect,   // SRTP/SRTCP unprotect failed (auth, replay, malformed) or no keys yet
  kUnroutable,      // no transport owns the ufrag or source address
  kSendBufferFull,  // the socket would block on send
  kUnknownSsrc,     // decrypted RTP for no published track
  kRouter,          // malformed RTP, or a subscriber's rewriter refused it (padding-only, duplicate)
  kDtls,            // DTLS that was malformed, came after the session ended, or was refused before
                    // OpenSSL (forged-looking records: dtls::screenRecord)
  kCount
};
const char* dropReasonName(DropReason reason);

enum class FeedbackType : uint8_t { kNack, kPli, kFir, kTwcc, kCount };
const char* feedbackTypeName(FeedbackType type);

// Upper bounds of the reported-loss histogram (fraction lost in receiver reports, 0..1).
inline constexpr std::array<double, 7> kLossBuckets{0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0};
// Which bucket a report block's 8-bit fraction lost (in 1/256) falls into.
size_t lossBucketOf(uint8_t fractionLost256);

struct LossHistogram {
  std::array<Counter64, kLossBuckets.size()> buckets{};  // per bucket, not cumulative
  Counter64 sum256{0};  // sum of fraction lost in 1/256 units
  void observe(uint8_t fractionLost256) {
    bump(buckets[lossBucketOf(fractionLost256)]);
    bump(sum256, fractionLost256);
  }
};

struct WorkerCounters {
  static constexpr size_t kDropReasons = static_cast<size_t>(DropReason::kCount);
  static constexpr size_t kFeedbackTypes = static_cast<size_t>(FeedbackType::kCount);

  // Copied from transports (live ones plus the totals of removed ones), the port and the router.
  Counter64 rtpIn{0}, rtcpIn{0}, rtpOut{0}, rtcpOut{0};
  Counter64 bytesIn{0}, bytesOut{0};
  Counter64 datagramsIn{0}, datagramsOut{0};
  Counter64 forwarded{0}, retransmitted{0};
  std::array<Counter64, kDropReasons> dropped{};

  // Counted by the worker itself as RTCP passes through it.
  std::array<Counter64, kFeedbackTypes> feedbackReceived{}, feedbackSent{};
  // Fraction lost of SR/RR report blocks: received ones are our subscribers' view of the streams
  // we send them; sent ones are the router's view of what publishers send us.
  LossHistogram lossReceived, lossSent;
  // Handshakes that connected or failed, and sessions that connected and failed later (each of
  // those is also in dtlsConnected).
  Counter64 dtlsConnected{0}, dtlsFailed{0}, dtlsFailedAfterConnect{0};
  Counter64 layerSwitches{0};  // simulcast layer changes of down-tracks (router)

  // Load: the worker thread's CPU time, and the largest lateness of its 20 ms tick over the
  // last publish period (a loop that is busy or starved runs its timers late).
  Counter64 cpuNs{0};
  Counter64 loopLagUs{0};  // gauge
  Counter64 transports{0}, tracks{0};  // gauges

  // ICE-TCP (the worker's TcpMediaPort): open connections (a gauge), and connections closed by
  // the server's own caps — what an operator watches for probes or a too-small cap.
  Counter64 tcpConnections{0};
  Counter64 tcpRefused{0}, tcpTimedOut{0}, tcpMalformed{0};
  Counter64 tcpEvicted{0}, tcpRefusedPerAddress{0};  // issue 15
};

}  // namespace atrium::metrics
