// Fuzzes the RTCP compound walker and every message parser, and checks that each builder
// reproduces what its parser read.
//
// Input: one datagram. It is walked as a compound packet, and — whether or not that succeeds —
// every message parser is also tried on the raw bytes (reduced-size RTCP and the "first packet
// of a longer buffer" contract).
// Invariants (abort on break): the walker's packets tile the input; rebuilding SR, RR, SDES,
// BYE, NACK, PLI, FIR, REMB and transport-cc from parsed values parses back to the same values.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/seq_num.h"
#include "rtp/rtcp/rtcp_bye.h"
#include "rtp/rtcp/rtcp_feedback.h"
#include "rtp/rtcp/rtcp_fir.h"
#include "rtp/rtcp/rtcp_header.h"
#include "rtp/rtcp/rtcp_nack.h"
#include "rtp/rtcp/rtcp_pli.h"
#include "rtp/rtcp/rtcp_remb.h"
#include "rtp/rtcp/rtcp_rr.h"
#include "rtp/rtcp/rtcp_sdes.h"
#include "rtp/rtcp/rtcp_sr.h"
#include "rtp/rtcp/rtcp_transport_feedback.h"

namespace {

using namespace atrium::rtp;
using Bytes = std::vector<uint8_t>;

void check(bool invariant) {
  if (!invariant) std::abort();
}

void reports(std::span<const uint8_t> pkt) {
  if (const auto sr = RtcpSenderReport::parse(pkt)) {
    std::vector<RtcpReportBlock> blocks;
    for (size_t i = 0; i < sr->reportCount(); ++i) blocks.push_back(sr->reportBlock(i));
    Bytes out(RtcpSenderReport::sizeFor(blocks.size()));
    check(RtcpSenderReport::build(out, sr->senderSsrc(), sr->senderInfo(), blocks) == out.size());
    const auto again = RtcpSenderReport::parse(out);
    check(again && again->senderInfo() == sr->senderInfo() &&
          again->reportCount() == blocks.size());
    for (size_t i = 0; i < blocks.size(); ++i) check(again->reportBlock(i) == blocks[i]);
  }
  if (const auto rr = RtcpReceiverReport::parse(pkt)) {
    std::vector<RtcpReportBlock> blocks;
    for (size_t i = 0; i < rr->reportCount(); ++i) blocks.push_back(rr->reportBlock(i));
    Bytes out(RtcpReceiverReport::sizeFor(blocks.size()));
    check(RtcpReceiverReport::build(out, rr->senderSsrc(), blocks) == out.size());
    const auto again = RtcpReceiverReport::parse(out);
    check(again && again->senderSsrc() == rr->senderSsrc());
    for (size_t i = 0; i < blocks.size(); ++i) check(again->reportBlock(i) == blocks[i]);
  }
  if (const auto sdes = RtcpSdes::parse(pkt)) {
    std::vector<SdesChunk> chunks;
    sdes->forEachChunk([&](const SdesChunk& c) { chunks.push_back(c); });
    check(chunks.size() == sdes->chunkCount());
    Bytes out(RtcpSdes::sizeFor(chunks));
    check(RtcpSdes::build(out, chunks) == out.size());
    const auto again = RtcpSdes::parse(out);
    check(again.has_value());
    size_t i = 0;
    again->forEachChunk([&](const SdesChunk& c) {
      check(i < chunks.size() && c.ssrc == chunks[i].ssrc && c.cname == chunks[i].cname);
      ++i;
    });
    check(i == chunks.size());
  }
  if (const auto bye = RtcpBye::parse(pkt)) {
    std::vector<uint32_t> ssrcs;
    for (size_t i = 0; i < bye->ssrcCount(); ++i) ssrcs.push_back(bye->ssrc(i));
    Bytes out(RtcpBye::sizeFor(ssrcs.size(), bye->reason()));
    check(RtcpBye::build(out, ssrcs, bye->reason()) == out.size());
    const auto again = RtcpBye::parse(out);
    check(again && again->reason() == bye->reason() && again->ssrcCount() == ssrcs.size());
  }
}

void feedback(std::span<const uint8_t> pkt) {
  if (const auto fb = RtcpFeedback::parse(pkt)) (void)fb->fci();
  if (const auto nack = RtcpNack::parse(pkt)) {
    std::vector<uint16_t> lost(nack->lostCount());
    check(nack->lostSequenceNumbers(lost) == lost.size());
    Bytes out(RtcpNack::sizeFor(lost));
    check(RtcpNack::build(out, nack->senderSsrc(), nack->mediaSsrc(), lost) == out.size());
    const auto again = RtcpNack::parse(out);
    check(again.has_value());
    std::set<uint16_t> a(lost.begin(), lost.end()), b;
    again->forEachLost([&](uint16_t s) { b.insert(s); });
    check(a == b);
  }
  if (const auto pli = RtcpPli::parse(pkt)) {
    Bytes out(RtcpPli::kSize);
    check(RtcpPli::build(out, pli->senderSsrc(), pli->mediaSsrc()) == out.size());
    check(RtcpPli::parse(out)->mediaSsrc() == pli->mediaSsrc());
  }
  if (const auto fir = RtcpFir::parse(pkt)) {
    std::vector<FirEntry> entries;
    for (size_t i = 0; i < fir->entryCount(); ++i) entries.push_back(fir->entry(i));
    Bytes out(RtcpFir::sizeFor(entries.size()));
    check(RtcpFir::build(out, fir->senderSsrc(), entries) == out.size());
    const auto again = RtcpFir::parse(out);
    check(again && again->entryCount() == entries.size());
    for (size_t i = 0; i < entries.size(); ++i) check(again->entry(i) == entries[i]);
  }
  if (const auto remb = RtcpRemb::parse(pkt)) {
    std::vector<uint32_t> ssrcs;
    for (size_t i = 0; i < remb->ssrcCount(); ++i) ssrcs.push_back(remb->ssrc(i));
    Bytes out(RtcpRemb::sizeFor(ssrcs.size()));
    check(RtcpRemb::build(out, remb->senderSsrc(), remb->bitrateBps(), ssrcs) == out.size());
    const auto again = RtcpRemb::parse(out);
    check(again && again->bitrateBps() == remb->bitrateBps() &&
          again->ssrcCount() == ssrcs.size());
  }
  if (const auto tw = RtcpTransportFeedback::parse(pkt)) {
    std::vector<TwccArrival> arrivals;
    size_t count = 0;
    tw->forEachPacket([&](const TwccPacket& p) {
      check(p.seq == static_cast<uint16_t>(tw->baseSequenceNumber() + count));
      ++count;
      if (p.received()) arrivals.push_back({p.seq, p.arrivalUs});
    });
    check(count == tw->packetStatusCount());
    check(arrivals.size() == tw->receivedCount());
    if (arrivals.empty()) return;
    // Every chunk but the last carries at least 7 statuses.
    const size_t statuses = tw->packetStatusCount();
    Bytes out(RtcpFeedback::kHeaderSize + 8 + 2 * (statuses / 7 + 1) + 2 * statuses + 4);
    const size_t n =
        RtcpTransportFeedback::build(out, 1, 2, tw->feedbackPacketCount(), arrivals);
    // The builder needs each received seq to be "newer" than the previous one (a step under
    // half the sequence space); within that it must encode everything the parser produced.
    bool encodable = true;
    for (size_t i = 1; i < arrivals.size(); ++i) {
      encodable = encodable && atrium::base::seqIsNewer(arrivals[i].seq, arrivals[i - 1].seq);
    }
    check((n > 0) == encodable);
    if (n == 0) return;
    const auto again = RtcpTransportFeedback::parse(std::span(out).first(n));
    check(again && again->receivedCount() == arrivals.size());
    // Times are already on the 250 us grid, so they survive exactly relative to the new
    // reference, which is the first arrival floored to 64 ms.
    const int64_t a0 = arrivals[0].arrivalUs;
    const int64_t ref = (a0 / 64000 - (a0 % 64000 < 0 ? 1 : 0)) * 64000;
    size_t i = 0;
    again->forEachPacket([&](const TwccPacket& p) {
      if (!p.received()) return;
      check(p.seq == arrivals[i].seq);
      check(p.arrivalUs - again->referenceTimeUs() == arrivals[i].arrivalUs - ref);
      ++i;
    });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  (void)RtcpHeader::looksLikeRtcp(in);
  reports(in);
  feedback(in);
  const auto compound = RtcpCompound::parse(in);
  if (!compound) return 0;
  size_t covered = 0;
  size_t packets = 0;
  for (RtcpHeader h : *compound) {
    check(h.size() >= RtcpHeader::kSize && h.size() % 4 == 0);
    check(h.body().size() + h.paddingSize() + RtcpHeader::kSize == h.size());
    covered += h.size();
    ++packets;
    reports(h.packet());
    feedback(h.packet());
  }
  check(covered == size && packets == compound->packetCount());
  return 0;
}
