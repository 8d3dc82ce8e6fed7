#include "app/worker_metrics.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "rtp/rtcp/rtcp_fir.h"
#include "rtp/rtcp/rtcp_nack.h"
#include "rtp/rtcp/rtcp_pli.h"
#include "rtp/rtcp/rtcp_rr.h"
#include "rtp/rtcp/rtcp_sr.h"

namespace atrium::app {
namespace {

using metrics::FeedbackType;
using metrics::read;

size_t idx(FeedbackType t) { return static_cast<size_t>(t); }

// RR(2 blocks: 0 % and 50 % lost) + NACK + PLI + FIR, back to back as one compound packet.
std::vector<uint8_t> compound() {
  std::array<uint8_t, 512> buf{};
  size_t n = 0;
  std::array<rtp::RtcpReportBlock, 2> blocks{};
  blocks[0].ssrc = 1000;
  blocks[1].ssrc = 2000;
  blocks[1].fractionLost = 128;
  n += rtp::RtcpReceiverReport::build(std::span(buf).subspan(n), 7, blocks);
  std::array<uint16_t, 2> seqs{10, 11};
  n += rtp::RtcpNack::build(std::span(buf).subspan(n), 7, 1000, seqs);
  n += rtp::RtcpPli::build(std::span(buf).subspan(n), 7, 1000);
  std::array<rtp::FirEntry, 1> fir{};
  fir[0].ssrc = 1000;
  n += rtp::RtcpFir::build(std::span(buf).subspan(n), 7, fir);
  return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)};
}

TEST(WorkerMetrics, TalliesFeedbackByType) {
  auto packet = compound();
  auto t = tallyFeedback(packet);
  EXPECT_EQ(t.count[idx(FeedbackType::kNack)], 1u);
  EXPECT_EQ(t.count[idx(FeedbackType::kPli)], 1u);
  EXPECT_EQ(t.count[idx(FeedbackType::kFir)], 1u);
}

TEST(WorkerMetrics, TalliesTransportCcFeedback) {
  // RTPFB FMT 15: header, sender and media SSRC, base seq, status count, reference time, fb count.
  std::array<uint8_t, 20> twcc{0x8f, 205, 0, 4, 0, 0, 0, 7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  auto t = tallyFeedback(twcc);
  EXPECT_EQ(t.count[idx(FeedbackType::kTwcc)], 1u);
  EXPECT_EQ(t.count[idx(FeedbackType::kNack)], 0u);
}

TEST(WorkerMetrics, ReceivedRtcpCountsFeedbackAndReportedLoss) {
  metrics::WorkerCounters c;
  auto packet = compound();
  countReceivedRtcp(c, packet);
  countReceivedRtcp(c, packet);
  EXPECT_EQ(read(c.feedbackReceived[idx(FeedbackType::kNack)]), 2u);
  EXPECT_EQ(read(c.feedbackSent[idx(FeedbackType::kNack)]), 0u);
  EXPECT_EQ(read(c.lossReceived.sum256), 256u);
  EXPECT_EQ(read(c.lossReceived.buckets[0]), 2u);                              // 0 %
  EXPECT_EQ(read(c.lossReceived.buckets[metrics::lossBucketOf(128)]), 2u);     // 50 %
  EXPECT_EQ(read(c.lossSent.sum256), 0u);
}

TEST(WorkerMetrics, SenderReportBlocksCountToo) {
  std::array<uint8_t, 128> buf{};
  std::array<rtp::RtcpReportBlock, 1> blocks{};
  blocks[0].fractionLost = 26;  // ~10 %
  size_t n = rtp::RtcpSenderReport::build(buf, 7, rtp::RtcpSenderInfo{}, blocks);
  ASSERT_GT(n, 0u);
  metrics::WorkerCounters c;
  countReportLoss(c.lossSent, std::span(buf).first(n));
  EXPECT_EQ(read(c.lossSent.buckets[metrics::lossBucketOf(26)]), 1u);
  EXPECT_EQ(read(c.lossSent.sum256), 26u);
}

TEST(WorkerMetrics, GarbageCountsNothing) {
  metrics::WorkerCounters c;
  std::array<uint8_t, 9> junk{0x81, 201, 0, 40, 1, 2, 3, 4, 5};  // length beyond the data
  countReceivedRtcp(c, junk);
  EXPECT_EQ(read(c.lossReceived.sum256), 0u);
  for (const auto& b : c.lossReceived.buckets) EXPECT_EQ(read(b), 0u);
  auto t = tallyFeedback(junk);
  for (auto n : t.count) EXPECT_EQ(n, 0u);
}

TEST(WorkerMetrics, PublishCopiesTotalsIntoReasons) {
  WorkerTotals t;
  t.transports.rtpIn = 5;
  t.transports.srtpDropped = 2;
  t.transports.notSelectedDropped = 3;
  t.port.unroutable = 4;
  t.port.datagramsIn = 9;
  t.router.forwarded = 8;
  t.router.unknownSsrc = 1;
  t.router.layerSwitches = 6;
  t.liveTransports = 2;
  t.tracks = 3;
  t.transports.dtlsDropped = 7;
  transport::TransportCounters removed;
  removed.rtpIn = 10;
  removed.dtlsDropped = 5;  // a transport removed after forged records: its drops still count
  accumulate(t.transports, removed);
  metrics::WorkerCounters c;
  publish(c, t);
  using metrics::DropReason;
  EXPECT_EQ(read(c.rtpIn), 15u);
  EXPECT_EQ(read(c.dropped[static_cast<size_t>(DropReason::kSrtpUnprotect)]), 2u);
  EXPECT_EQ(read(c.dropped[static_cast<size_t>(DropReason::kIceNotSelected)]), 3u);
  EXPECT_EQ(read(c.dropped[static_cast<size_t>(DropReason::kUnroutable)]), 4u);
  EXPECT_EQ(read(c.dropped[static_cast<size_t>(DropReason::kUnknownSsrc)]), 1u);
  EXPECT_EQ(read(c.dropped[static_cast<size_t>(DropReason::kDtls)]), 12u);
  EXPECT_EQ(read(c.datagramsIn), 9u);
  EXPECT_EQ(read(c.forwarded), 8u);
  EXPECT_EQ(read(c.transports), 2u);
  EXPECT_EQ(read(c.tracks), 3u);
  EXPECT_EQ(read(c.layerSwitches), 6u);
  EXPECT_EQ(read(c.tcpConnections), 0u);
}

// ICE-TCP drops join the UDP port's under the same reasons; the caps' closes are their own.
TEST(WorkerMetrics, PublishAddsIceTcpCounters) {
  WorkerTotals t;
  t.port.unroutable = 4;
  t.port.sendDropped = 1;
  t.tcp.frames.unbound = 3;
  t.tcp.sendDropped = 7;
  t.tcp.refused = 2;
  t.tcp.timedOut = 5;
  t.tcp.malformed = 1;
  t.tcpConnections = 6;
  metrics::WorkerCounters c;
  publish(c, t);
  using metrics::DropReason;
  EXPECT_EQ(read(c.dropped[static_cast<size_t>(DropReason::kUnroutable)]), 7u);
  EXPECT_EQ(read(c.dropped[static_cast<size_t>(DropReason::kSendBufferFull)]), 8u);
  EXPECT_EQ(read(c.tcpConnections), 6u);
  EXPECT_EQ(read(c.tcpRefused), 2u);
  EXPECT_EQ(read(c.tcpTimedOut), 5u);
  EXPECT_EQ(read(c.tcpMalformed), 1u);
}

}  // namespace
}  // namespace atrium::app
