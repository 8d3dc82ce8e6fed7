#include "stream/rtcp_timing.h"

#include <gtest/gtest.h>

#include "base/clock.h"

namespace atrium::stream {
namespace {

TEST(RtcpTiming, NtpFromUnixTime) {
  EXPECT_EQ(ntpFromUnixMs(0), kNtpUnixOffsetSeconds << 32);
  // Half a second is half of the 32-bit fraction.
  EXPECT_EQ(ntpFromUnixMs(1500), ((kNtpUnixOffsetSeconds + 1) << 32) | 0x80000000ULL);
  const int64_t now = 1'700'000'000'123;
  EXPECT_EQ(unixMsFromNtp(ntpFromUnixMs(now)), now);
}

TEST(RtcpTiming, CompactNtpIsTheMiddle32Bits) {
  EXPECT_EQ(compactNtp(0x1122334455667788ULL), 0x33445566u);
  EXPECT_EQ(compactFromMs(1000), 65536u);
  EXPECT_EQ(compactFromMs(500), 32768u);
  EXPECT_EQ(compactFromMs(-5), 0u);
  EXPECT_EQ(msFromCompact(65536), 1000);
  EXPECT_EQ(msFromCompact(6554), 100);  // 0.1 s rounds to the nearest ms
}

TEST(RtcpTiming, RttFromCompactReportFields) {
  // RFC 3550 §6.4.1 example: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000 (46853.125 s),
  // DLSR = 0x0005:4000 (5.250 s) → RTT = 6.125 s.
  EXPECT_EQ(rttMsFromCompact(0xb7108000u, 0xb7052000u, 0x00054000u), 6125);
  EXPECT_EQ(rttMsFromCompact(0xb7108000u, 0, 0x00054000u), std::nullopt) << "no SR received yet";
  EXPECT_EQ(rttMsFromCompact(0xb7108000u, 0xb7108000u, 0x00010000u), std::nullopt)
      << "a second negative is not rounding";
  EXPECT_EQ(rttMsFromCompact(0xb7108000u, 0xb7108000u, 10), 0) << "rounding clamps to 0";
  // Compact NTP wraps every ~18 h; the subtraction must wrap with it.
  EXPECT_EQ(rttMsFromCompact(0x00000100u, 0xffffff00u, 0), msFromCompact(0x200));
}

TEST(RtcpTiming, SenderReportHistoryGivesRttOnOurClock) {
  base::ManualClock clock;
  SenderReportHistory history;
  const uint32_t lsr = compactNtp(ntpFromUnixMs(clock.wallMs()));
  history.onSent(lsr, clock.steadyMs());
  clock.advanceMs(350);
  // The peer held our SR for 250 ms before its RR: the wire took 100 ms both ways.
  EXPECT_EQ(history.rttMs(lsr, compactFromMs(250), clock.steadyMs()), 100);
  EXPECT_EQ(history.rttMs(lsr + 1, compactFromMs(250), clock.steadyMs()), std::nullopt);
  EXPECT_EQ(history.rttMs(0, 0, clock.steadyMs()), std::nullopt);
}

TEST(RtcpTiming, SenderReportHistoryForgetsOldReports) {
  SenderReportHistory history;
  for (uint32_t i = 1; i <= SenderReportHistory::kSize + 1; ++i) history.onSent(i * 1000, i * 1000);
  EXPECT_EQ(history.rttMs(1000, 0, 20'000), std::nullopt) << "overwritten by newer SRs";
  EXPECT_EQ(history.rttMs(2000, 0, 2'050), 50);
  EXPECT_EQ(history.rttMs(9000, 0, 9'010), 10);
}

}  // namespace
}  // namespace atrium::stream
