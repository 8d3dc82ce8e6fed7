// The TRTC room-management and query actions (trtc-compat §4.1-4.2). Each handler validates its
// parameters through Params and returns the action's output fields as a JSON object.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/api_service.h"
#include "api/params.h"

namespace atrium::api {

struct ActionContext {
  ApiDeps& deps;
  uint32_t sdkAppId;  // already checked against the key's scope
  int64_t nowMs;
  std::string secretId = {};  // the authenticated caller, for records that name who asked (EraseUserData)
};

using ActionHandler = std::function<base::Result<nlohmann::json>(ActionContext&, Params&)>;

// nullptr when the action is not implemented.
const ActionHandler* findAction(std::string_view name);

}  // namespace atrium::api
