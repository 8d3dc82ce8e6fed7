// What a media worker reports to /metrics (see src/metrics/worker_counters.h for why workers
// keep their own atomics). Pure functions over the counters, so they are tested without sockets.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "metrics/worker_counters.h"
#include "sfu/router.h"
#include "transport/media_port.h"
#include "transport/tcp_media_port.h"
#include "transport/webrtc_transport.h"

namespace atrium::app {

// The NACK/PLI/FIR/transport-cc messages in one plain compound RTCP packet. A packet that does not parse
// holds none (the router drops it as well). No allocation: it walks the packet in place.
struct FeedbackTally {
  std::array<uint32_t, metrics::WorkerCounters::kFeedbackTypes> count{};
};
FeedbackTally tallyFeedback(std::span<const uint8_t> rtcp);
void addFeedback(std::array<metrics::Counter64, metrics::WorkerCounters::kFeedbackTypes>& into, const FeedbackTally& t);

// The fraction lost of every SR/RR report block of a compound packet, into `loss`. Received
// blocks are the loss our subscribers see on what we send them; the blocks of reports we send
// are the router's measurement of what publishers send us.
void countReportLoss(metrics::LossHistogram& loss, std::span<const uint8_t> rtcp);
// A received compound packet: its feedback and its report blocks.
void countReceivedRtcp(metrics::WorkerCounters& c, std::span<const uint8_t> rtcp);

// Adds one transport's counters to a running total (removed transports keep counting this way).
void accumulate(transport::TransportCounters& total, const transport::TransportCounters& add);

struct WorkerTotals {
  transport::TransportCounters transports;  // live + removed
  transport::MediaPortCounters port;
  sfu::RouterStats router;
  uint64_t liveTransports = 0;
  uint64_t tracks = 0;
  transport::TcpMediaPortCounters tcp;  // zero without ICE-TCP
  uint64_t tcpConnections = 0;
};
// Copies the totals into the worker's published counters.
void publish(metrics::WorkerCounters& c, const WorkerTotals& totals);

}  // namespace atrium::app
