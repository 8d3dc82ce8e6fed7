#include "app/worker_metrics.h"

#include "rtp/rtcp/rtcp_header.h"
#include "rtp/rtcp/rtcp_rr.h"
#include "rtp/rtcp/rtcp_sr.h"

namespace atrium::app {
namespace {

using metrics::FeedbackType;

template <typename Report>
void countBlocks(metrics::LossHistogram& loss, const Report& report) {
  for (size_t i = 0; i < report.reportCount(); ++i) loss.observe(report.reportBlock(i).fractionLost);
}

}  // namespace

FeedbackTally tallyFeedback(std::span<const uint8_t> rtcp) {
  FeedbackTally t;
  auto compound = rtp::RtcpCompound::parse(rtcp);
  if (!compound) return t;
  auto count = [&](FeedbackType type) { ++t.count[static_cast<size_t>(type)]; };
  for (rtp::RtcpHeader h : *compound) {
    if (h.packetType() == rtp::kRtcpRtpfb && h.fmt() == 1) count(FeedbackType::kNack);  // RFC 4585 generic NACK
    if (h.packetType() == rtp::kRtcpRtpfb && h.fmt() == 15) count(FeedbackType::kTwcc);  // transport-cc feedback
    if (h.packetType() == rtp::kRtcpPsfb && h.fmt() == 1) count(FeedbackType::kPli);
    if (h.packetType() == rtp::kRtcpPsfb && h.fmt() == 4) count(FeedbackType::kFir);   // RFC 5104
  }
  return t;
}

void addFeedback(std::array<metrics::Counter64, metrics::WorkerCounters::kFeedbackTypes>& into, const FeedbackTally& t) {
  for (size_t i = 0; i < t.count.size(); ++i)
    if (t.count[i]) metrics::bump(into[i], t.count[i]);
}

void countReportLoss(metrics::LossHistogram& loss, std::span<const uint8_t> rtcp) {
  auto compound = rtp::RtcpCompound::parse(rtcp);
  if (!compound) return;
  for (rtp::RtcpHeader h : *compound) {
    if (h.packetType() == rtp::kRtcpRr) {
      if (auto rr = rtp::RtcpReceiverReport::parse(h.packet())) countBlocks(loss, *rr);
    } else if (h.packetType() == rtp::kRtcpSr) {
      if (auto sr = rtp::RtcpSenderReport::parse(h.packet())) countBlocks(loss, *sr);
    }
  }
}

void countReceivedRtcp(metrics::WorkerCounters& c, std::span<const uint8_t> rtcp) {
  addFeedback(c.feedbackReceived, tallyFeedback(rtcp));
  countReportLoss(c.lossReceived, rtcp);
}

void accumulate(transport::TransportCounters& total, const transport::TransportCounters& add) {
  total.unknownDropped += add.unknownDropped;
  total.srtpDropped += add.srtpDropped;
  total.notSelectedDropped += add.notSelectedDropped;
  total.dtlsDropped += add.dtlsDropped;
  total.rtpIn += add.rtpIn;
  total.rtcpIn += add.rtcpIn;
  total.rtpOut += add.rtpOut;
  total.rtcpOut += add.rtcpOut;
  total.bytesIn += add.bytesIn;
  total.bytesOut += add.bytesOut;
}

void publish(metrics::WorkerCounters& c, const WorkerTotals& t) {
  using metrics::DropReason;
  using metrics::put;
  auto drop = [&](DropReason r, uint64_t v) { put(c.dropped[static_cast<size_t>(r)], v); };
  put(c.rtpIn, t.transports.rtpIn);
  put(c.rtcpIn, t.transports.rtcpIn);
  put(c.rtpOut, t.transports.rtpOut);
  put(c.rtcpOut, t.transports.rtcpOut);
  put(c.bytesIn, t.transports.bytesIn);
  put(c.bytesOut, t.transports.bytesOut);
  put(c.datagramsIn, t.port.datagramsIn);
  put(c.datagramsOut, t.port.datagramsOut);
  put(c.forwarded, t.router.forwarded);
  put(c.retransmitted, t.router.retransmitted);
  drop(DropReason::kDemuxUnknown, t.transports.unknownDropped);
  drop(DropReason::kIceNotSelected, t.transports.notSelectedDropped);
  drop(DropReason::kSrtpUnprotect, t.transports.srtpDropped);
  // ICE-TCP frames that arrived on a connection no transport accepted count as unroutable, like
  // such datagrams; packets a slow TCP reader's full queue refused count as a full send buffer.
  drop(DropReason::kUnroutable, t.port.unroutable + t.tcp.frames.unbound);
  drop(DropReason::kSendBufferFull, t.port.sendDropped + t.tcp.sendDropped);
  drop(DropReason::kUnknownSsrc, t.router.unknownSsrc);
  drop(DropReason::kRouter, t.router.dropped);
  drop(DropReason::kDtls, t.transports.dtlsDropped);
  put(c.layerSwitches, t.router.layerSwitches);
  put(c.transports, t.liveTransports);
  put(c.tcpConnections, t.tcpConnections);
  put(c.tcpRefused, t.tcp.refused);
  put(c.tcpTimedOut, t.tcp.timedOut);
  put(c.tcpMalformed, t.tcp.malformed);
  put(c.tcpEvicted, t.tcp.evicted);
  put(c.tcpRefusedPerAddress, t.tcp.refusedPerAddress);
  put(c.tracks, t.tracks);
}

}  // namespace atrium::app
