// The TRTC room-management and query actions (trtc-compat §4.1-4.2). Each action validates its
// parameters through Params and returns the action's output fields as a JSON object.
//
// Where an action runs (issue 10): the control loop never waits on storage, so an action is split
// in two. `prepare` runs on the loop, reads only the request (and, for live-room actions, the rooms),
// and returns the effect. The effect of a kLoop action changes live rooms and runs on the loop; the
// effect of a kWorker action reads (or erases) stored data and runs on an api::Offload thread,
// where it may wait on storage as long as storage takes.
#pragma once

#include <functional>
#include <memory>
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
using ActionEffect = std::function<base::Result<nlohmann::json>()>;

enum class ActionRuns {
  kLoop,    // the effect changes live rooms: on the control loop, where the rooms live
  kWorker,  // the effect reads or writes the store: on an Offload thread
};

struct ActionDef {
  ActionRuns runs = ActionRuns::kWorker;
  // A state-changing action is audited before its effect, and does nothing when the audit record
  // cannot be written (the caller gets InternalError): nothing is half done.
  bool changesState = false;
  // On the loop: validates what can be validated without the store and returns the effect.
  std::function<base::Result<ActionEffect>(const ActionContext&, std::shared_ptr<const nlohmann::json>)> prepare;
};

// nullptr when the action is not implemented.
const ActionDef* findAction(std::string_view name);

}  // namespace atrium::api
