// Typed, validated access to an action's JSON parameters. Every read names the parameter so the
// error says which one; `finish()` reports any field the action did not read as UnknownParameter.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace atrium::api {

inline constexpr size_t kMaxStringParamBytes = 1024;

class Params {
 public:
  explicit Params(const nlohmann::json& object) : obj_(object) {}

  // Each returns nullopt for an absent optional parameter; Missing/Invalid errors otherwise.
  base::Result<std::optional<uint64_t>> integer(const char* name, bool required, uint64_t min, uint64_t max);
  base::Result<std::optional<std::string>> string(const char* name, bool required, size_t maxBytes = kMaxStringParamBytes);
  base::Result<std::optional<std::vector<std::string>>> strings(const char* name, bool required, size_t minCount,
                                                                size_t maxCount);
  base::Status finish() const;

 private:
  const nlohmann::json* get(const char* name);
  const nlohmann::json& obj_;
  std::set<std::string> read_;
};

}  // namespace atrium::api
