#include "api/api_service.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "api/actions.h"
#include "api/api_error.h"
#include "api/params.h"
#include "auth/tc3.h"
#include "base/json_depth.h"
#include "base/log.h"
#include "base/mask.h"
#include "crypto/crypto.h"

namespace atrium::api {
namespace {

using nlohmann::json;

constexpr int kMaxJsonDepth = 10;

std::string header(const ApiRequest& req, std::string_view name) {
  for (const auto& [k, v] : req.headers)
    if (k == name) return v;
  return {};
}

std::string newRequestId() {
  auto b = crypto::randomBytes(16);
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // UUID version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  std::string hex = crypto::toHex(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" + hex.substr(20);
}

// The SecretId a request claims (for the audit record of requests that fail authentication).
std::string claimedSecretId(const std::string& authorization) {
  auto pos = authorization.find("Credential=");
  if (pos == std::string::npos) return {};
  std::string id;
  for (size_t i = pos + 11; i < authorization.size() && id.size() < 64; ++i) {
    char c = authorization[i];
    if (!std::isalnum(static_cast<unsigned char>(c))) break;
    id += c;
  }
  return id;
}

// Printable, bounded copy of a client-supplied action name for audit records.
std::string sanitizedAction(const std::string& action) {
  std::string out;
  for (char c : action.substr(0, 64))
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '?';
  return out;
}

}  // namespace

// One request on its way through the pipeline; shared by the tasks that carry it off the loop
// and back.
struct ApiService::Call {
  ApiRequest req;
  Reply reply;
  int64_t nowMs = 0;
  std::string requestId;
  store::AuditRecord audit;
  bool rechecked = false;  // already answered from a fresh read of keys and apps
  bool limited = false;    // the rate-limit token is taken (a recheck must not take another)
};

struct ApiService::Prepared {
  const ActionDef* action = nullptr;
  std::shared_ptr<const json> body;
  uint32_t app = 0;
  std::string secretId;
};

ApiService::ApiService(ApiDeps deps, ApiOptions options)
    : deps_(deps), options_(options), limiter_(options.requestsPerSecond, options.burst) {}

ApiResponse ApiService::handle(const ApiRequest& req) {
  std::optional<ApiResponse> out;
  handleAsync(req, [&out](ApiResponse r) { out = std::move(r); });
  if (out) return std::move(*out);
  // Only with an Offload that answers later: a caller of handle() must not wire one.
  return ApiResponse{R"({"Response":{"Error":{"Code":"InternalError","Message":"asynchronous reply"}}})", {},
                     kInternalError};
}

void ApiService::handleAsync(ApiRequest req, Reply reply) {
  ++stats_.requests;
  auto call = std::make_shared<Call>();
  call->nowMs = deps_.clock.wallMs();
  call->requestId = newRequestId();
  call->audit = store::AuditRecord{call->nowMs, {}, {}, 0, {}, call->requestId, base::maskIp(req.remoteIp)};
  call->req = std::move(req);
  call->reply = std::move(reply);
  run(std::move(call));
}

std::optional<store::ApiKey> ApiService::findKey(std::string_view secretId) {
  if (deps_.credentials) return deps_.credentials->findApiKey(secretId);
  auto found = deps_.keys.getApiKey(secretId);
  if (!found.ok() || !found->has_value()) return std::nullopt;
  return **found;
}

base::Result<std::optional<store::App>> ApiService::findApp(uint32_t sdkAppId) {
  if (deps_.credentials) return deps_.credentials->findAppRecord(sdkAppId);
  return deps_.apps.getApp(sdkAppId);
}

void ApiService::noteKeyUse(const store::ApiKey& key, int64_t nowMs) {
  // Last-use time at minute precision: a write per request would double the store's work.
  int64_t& last = lastKeyUse_[key.secretId];
  last = std::max(last, key.lastUsedAtMs);
  if (nowMs - last < 60'000) return;
  last = nowMs;
  if (deps_.writes) deps_.writes->keyUsed(key.secretId, nowMs);
  else (void)deps_.keys.touchApiKey(key.secretId, nowMs);
}

void ApiService::run(std::shared_ptr<Call> call) {
  bool maybeStale = false;
  auto prepared = prepare(*call, maybeStale);
  if (prepared.ok()) return dispatch(std::move(call), std::move(*prepared));
  // The cache may not have seen a key or app created (or an app enabled) a moment ago by another
  // process: read again before saying no. Once: the second answer is final.
  if (maybeStale && !call->rechecked && deps_.credentials) {
    call->rechecked = true;
    if (deps_.credentials->recheck([this, call] { run(call); })) return;
  }
  finish(*call, prepared.error());
}

base::Result<ApiService::Prepared> ApiService::prepare(Call& call, bool& maybeStale) {
  const ApiRequest& req = call.req;
  store::AuditRecord& audit = call.audit;
  if (req.method != "POST") return apiError(kInvalidRequest, "Only POST requests are supported.");
  std::string action = header(req, "x-tc-action");
  audit.action = sanitizedAction(action);
  if (action.empty()) return apiError(kMissingParameter, "The request is missing the X-TC-Action header.");
  if (header(req, "x-tc-version") != kApiVersion)
    return apiError(kNoSuchVersion, std::string("X-TC-Version must be ") + kApiVersion + ".");
  if (req.bodyTooLarge || req.body.size() > options_.maxBodyBytes)
    return apiError(kInvalidRequest, "The request body exceeds " + std::to_string(options_.maxBodyBytes) + " bytes.");

  audit.secretId = claimedSecretId(header(req, "authorization"));
  std::optional<store::ApiKey> key;
  auth::Tc3Request tc3{req.method, req.target.substr(0, req.target.find('?')),
                       req.target.find('?') == std::string::npos ? "" : req.target.substr(req.target.find('?') + 1),
                       req.headers, req.body};
  auto lookup = [&](std::string_view secretId) -> std::optional<std::string> {
    auto found = findKey(secretId);
    if (!found) maybeStale = true;  // created a moment ago?
    if (!found || found->revokedAtMs != 0) return std::nullopt;
    key = std::move(found);
    return key->secretKey;
  };
  auto verified = auth::verifyTc3(tc3, lookup, call.nowMs / 1000, options_.maxSkewSeconds);
  if (!verified.ok()) return verified.error();
  maybeStale = false;
  audit.secretId = verified->secretId;
  // Unknown actions are refused before rate limiting, so made-up names cannot fill the
  // limiter's table (it is keyed by SecretId and action).
  const ActionDef* def = findAction(action);
  if (!def) return apiError(kInvalidAction, "The action `" + audit.action + "` does not exist.");
  if (!call.limited) {
    if (!limiter_.allow(verified->secretId, action, deps_.clock.steadyMs())) {
      ++stats_.rateLimited;
      return apiError(kRequestLimitExceeded, "The request rate of this SecretId for this action is over the limit.");
    }
    call.limited = true;
  }
  // An unsigned body could be swapped in transit by whoever can replay the headers: only
  // read-only actions accept it.
  if (!verified->payloadSigned && action.rfind("Describe", 0) != 0)
    return apiError(kInvalidAuthorization, "UNSIGNED-PAYLOAD is accepted for Describe actions only.");

  if (!base::jsonDepthWithin(req.body, kMaxJsonDepth)) return apiError(kInvalidParameter, "The request body is nested too deeply.");
  auto body = std::make_shared<json>(json::parse(req.body, nullptr, false));
  if (body->is_discarded() || !body->is_object()) return apiError(kInvalidParameter, "The request body must be a JSON object.");
  Params params(*body);
  auto sdkAppId = params.integer("SdkAppId", true, 1, UINT32_MAX);
  if (!sdkAppId.ok()) return sdkAppId.error();
  uint32_t app = static_cast<uint32_t>(**sdkAppId);
  audit.sdkAppId = app;
  if (std::find(key->sdkAppIds.begin(), key->sdkAppIds.end(), app) == key->sdkAppIds.end())
    return apiError(kUnauthorizedSdkAppId, "This SecretId may not operate on SdkAppId " + std::to_string(app) + ".");
  auto found = findApp(app);
  if (!found.ok()) return apiError(kInternalError, "application lookup failed");
  if (!found->has_value() || (*found)->status == store::AppStatus::kDeleted) {
    maybeStale = true;
    return apiError(kSdkAppIdNotExist, "The SdkAppId does not exist.");
  }
  if ((*found)->status != store::AppStatus::kActive) {
    maybeStale = true;
    return apiError("FailedOperation.RequestRejection", "The application is disabled.");
  }
  noteKeyUse(*key, call.nowMs);
  return Prepared{def, std::move(body), app, verified->secretId};
}

void ApiService::dispatch(std::shared_ptr<Call> call, Prepared p) {
  ActionContext ctx{deps_, p.app, call->nowMs, p.secretId};
  auto effect = p.action->prepare(ctx, p.body);
  if (!effect.ok()) return finish(*call, effect.error());
  auto run = std::make_shared<ActionEffect>(std::move(*effect));
  auto result = std::make_shared<base::Result<json>>(json());

  if (!p.action->changesState) {
    // A query: the store is read off the loop; the answer comes back to it.
    return offload(call, [run, result] { *result = (*run)(); },
                   [this, call, result] { finish(*call, std::move(*result)); });
  }
  // A change: its audit record first, and nothing happens unless the record was written.
  store::AuditRecord record = call->audit;
  record.resultCode = "";
  auto audited = std::make_shared<bool>(false);
  auto writeAuditFirst = [this, record, audited] {
    auto st = deps_.audit.appendAudit(record);
    if (writeHealth_) writeHealth_->record(store::StoreWrite::kAudit, st.ok());
    if (!st.ok()) base::log::error("audit record not written for request {}: {}", record.requestId, st.error().message);
    *audited = st.ok();
  };
  auto refused = []() -> base::Result<json> {
    return apiError(kInternalError, "The audit log cannot be written; nothing was done.");
  };
  if (p.action->runs == ActionRuns::kLoop) {
    // Live rooms live on the loop: the effect runs there, after the record came back written.
    return offload(call, writeAuditFirst, [this, call, run, audited, refused] {
      if (!*audited) return finish(*call, refused());
      finish(*call, (*run)(), /*audited=*/true);
    });
  }
  offload(call,
          [writeAuditFirst, run, result, audited, refused] {
            writeAuditFirst();
            *result = *audited ? (*run)() : refused();
          },
          [this, call, result, audited] { finish(*call, std::move(*result), *audited); });
}

void ApiService::offload(std::shared_ptr<Call> call, std::function<void()> work, std::function<void()> done) {
  if (!deps_.offload) {
    work();
    return done();
  }
  if (!deps_.offload->run(std::move(work), std::move(done)))
    finish(*call, apiError(kRequestLimitExceeded, "The server is busy with other queries; try again later."));
}

void ApiService::writeAudit(const store::AuditRecord& record) {
  if (deps_.writes) return deps_.writes->audit(record);  // the writer reports its own health
  auto st = deps_.audit.appendAudit(record);
  if (writeHealth_) writeHealth_->record(store::StoreWrite::kAudit, st.ok());
  if (!st.ok()) base::log::error("audit record not written for request {}: {}", record.requestId, st.error().message);
}

void ApiService::finish(Call& call, base::Result<json> result, bool audited) {
  json response;
  ApiResponse out;
  out.requestId = call.requestId;
  if (result.ok()) {
    response = std::move(*result);
  } else {
    ++stats_.errors;
    out.errorCode = result.error().code;
    response = json{{"Error", {{"Code", result.error().code}, {"Message", result.error().message}}}};
  }
  response["RequestId"] = call.requestId;
  out.body = json{{"Response", std::move(response)}}.dump(-1, ' ', false, json::error_handler_t::replace);
  call.audit.resultCode = out.errorCode;
  // A change was audited before its effect; a second record tells how it ended when it failed.
  if (!audited || !out.errorCode.empty()) writeAudit(call.audit);
  call.reply(std::move(out));
}

}  // namespace atrium::api
