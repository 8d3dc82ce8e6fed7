// Shared by the telemetry tests: UTC times written the way people read them.
#pragma once

#include <cstdint>
#include <string_view>

#include <gtest/gtest.h>

#include "telemetry/sla.h"

namespace atrium::telemetry::testing {

inline constexpr uint32_t kApp = 1'400'000'001;

// "2019-03-05T10:00Z" -> Unix ms; a typo fails the test instead of silently meaning 1970.
inline int64_t at(std::string_view utc) {
  auto t = parseUtcTime(utc);
  EXPECT_TRUE(t.ok()) << utc;
  return t.ok() ? *t : 0;
}

}  // namespace atrium::telemetry::testing
