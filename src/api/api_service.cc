#include "api/api_service.h"

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

ApiService::ApiService(ApiDeps deps, ApiOptions options)
    : deps_(deps), options_(options), limiter_(options.requestsPerSecond, options.burst) {}

ApiResponse ApiService::handle(const ApiRequest& req) {
  ++stats_.requests;
  int64_t nowMs = deps_.clock.wallMs();
  std::string requestId = newRequestId();
  store::AuditRecord audit{nowMs, {}, {}, 0, {}, requestId, base::maskIp(req.remoteIp)};

  auto process = [&]() -> base::Result<json> {
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
      auto found = deps_.keys.getApiKey(secretId);
      if (!found.ok() || !found->has_value() || (*found)->revokedAtMs != 0) return std::nullopt;
      key = **found;
      return key->secretKey;
    };
    auto verified = auth::verifyTc3(tc3, lookup, nowMs / 1000, options_.maxSkewSeconds);
    if (!verified.ok()) return verified.error();
    audit.secretId = verified->secretId;
    // Unknown actions are refused before rate limiting, so made-up names cannot fill the
    // limiter's table (it is keyed by SecretId and action).
    const ActionHandler* handler = findAction(action);
    if (!handler) return apiError(kInvalidAction, "The action `" + audit.action + "` does not exist.");
    if (!limiter_.allow(verified->secretId, action, deps_.clock.steadyMs())) {
      ++stats_.rateLimited;
      return apiError(kRequestLimitExceeded, "The request rate of this SecretId for this action is over the limit.");
    }
    // An unsigned body could be swapped in transit by whoever can replay the headers: only
    // read-only actions accept it.
    if (!verified->payloadSigned && action.rfind("Describe", 0) != 0)
      return apiError(kInvalidAuthorization, "UNSIGNED-PAYLOAD is accepted for Describe actions only.");

    if (!base::jsonDepthWithin(req.body, kMaxJsonDepth)) return apiError(kInvalidParameter, "The request body is nested too deeply.");
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return apiError(kInvalidParameter, "The request body must be a JSON object.");
    Params params(body);
    auto sdkAppId = params.integer("SdkAppId", true, 1, UINT32_MAX);
    if (!sdkAppId.ok()) return sdkAppId.error();
    uint32_t app = static_cast<uint32_t>(**sdkAppId);
    audit.sdkAppId = app;
    if (std::find(key->sdkAppIds.begin(), key->sdkAppIds.end(), app) == key->sdkAppIds.end())
      return apiError(kUnauthorizedSdkAppId, "This SecretId may not operate on SdkAppId " + std::to_string(app) + ".");
    auto found = deps_.apps.getApp(app);
    if (!found.ok()) return apiError(kInternalError, "application lookup failed");
    if (!found->has_value() || (*found)->status == store::AppStatus::kDeleted)
      return apiError(kSdkAppIdNotExist, "The SdkAppId does not exist.");
    if ((*found)->status != store::AppStatus::kActive) return apiError("FailedOperation.RequestRejection", "The application is disabled.");
    // Last-use time at minute precision: a write per request would double the store's work.
    if (nowMs - key->lastUsedAtMs >= 60'000) (void)deps_.keys.touchApiKey(verified->secretId, nowMs);
    ActionContext ctx{deps_, app, nowMs, verified->secretId};
    return (*handler)(ctx, params);
  };

  auto result = process();
  json response;
  ApiResponse out;
  out.requestId = requestId;
  if (result.ok()) {
    response = std::move(*result);
  } else {
    ++stats_.errors;
    out.errorCode = result.error().code;
    response = json{{"Error", {{"Code", result.error().code}, {"Message", result.error().message}}}};
  }
  response["RequestId"] = requestId;
  out.body = json{{"Response", std::move(response)}}.dump(-1, ' ', false, json::error_handler_t::replace);
  audit.resultCode = out.errorCode;
  auto st = deps_.audit.appendAudit(audit);
  if (writeHealth_) writeHealth_->record(store::StoreWrite::kAudit, st.ok());
  if (!st.ok()) base::log::error("audit record not written for request {}: {}", requestId, st.error().message);
  return out;
}

}  // namespace atrium::api
