#include "api/params.h"

#include "api/api_error.h"

namespace atrium::api {
namespace {

base::Error missing(const char* name) {
  return apiError(parameterErrorCode(kMissingParameter, name), std::string("The parameter `") + name + "` is missing.");
}
base::Error wrongType(const char* name, const char* type) {
  return apiError(parameterErrorCode(kInvalidParameter, name),
                  std::string("The parameter `") + name + "` must be " + type + ".");
}
base::Error outOfRange(const char* name, const std::string& rule) {
  return apiError(parameterErrorCode(kInvalidParameterValue, name),
                  std::string("The value of parameter `") + name + "` is invalid: " + rule + ".");
}

}  // namespace

const nlohmann::json* Params::get(const char* name) {
  read_.insert(name);
  auto it = obj_.find(name);
  return it == obj_.end() || it->is_null() ? nullptr : &*it;
}

base::Result<std::optional<uint64_t>> Params::integer(const char* name, bool required, uint64_t min, uint64_t max) {
  const auto* v = get(name);
  if (!v) {
    if (required) return missing(name);
    return std::optional<uint64_t>{};
  }
  if (!v->is_number_integer()) return wrongType(name, "an Integer");
  // Parsed non-negative numbers are unsigned, built ones may be signed: judge by value.
  if (!v->is_number_unsigned() && v->get<int64_t>() < 0) return outOfRange(name, "must not be negative");
  uint64_t n = v->get<uint64_t>();
  if (n < min || n > max) return outOfRange(name, "must be in " + std::to_string(min) + ".." + std::to_string(max));
  return std::optional<uint64_t>{n};
}

base::Result<std::optional<std::string>> Params::string(const char* name, bool required, size_t maxBytes) {
  const auto* v = get(name);
  if (!v) {
    if (required) return missing(name);
    return std::optional<std::string>{};
  }
  if (!v->is_string()) return wrongType(name, "a String");
  auto s = v->get<std::string>();
  if (s.size() > maxBytes) return outOfRange(name, "at most " + std::to_string(maxBytes) + " bytes");
  return std::optional<std::string>{std::move(s)};
}

base::Result<std::optional<std::vector<std::string>>> Params::strings(const char* name, bool required,
                                                                      size_t minCount, size_t maxCount) {
  const auto* v = get(name);
  if (!v) {
    if (required) return missing(name);
    return std::optional<std::vector<std::string>>{};
  }
  if (!v->is_array()) return wrongType(name, "an Array of String");
  if (v->size() < minCount || v->size() > maxCount)
    return outOfRange(name, "must hold " + std::to_string(minCount) + ".." + std::to_string(maxCount) + " items");
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string()) return wrongType(name, "an Array of String");
    if (item.get_ref<const std::string&>().size() > kMaxStringParamBytes) return outOfRange(name, "item too long");
    out.push_back(item.get<std::string>());
  }
  return std::optional<std::vector<std::string>>{std::move(out)};
}

base::Status Params::finish() const {
  for (const auto& [key, value] : obj_.items())
    if (!read_.count(key)) return apiError(kUnknownParameter, "The parameter `" + key + "` is not recognized.");
  return base::Ok{};
}

}  // namespace atrium::api
