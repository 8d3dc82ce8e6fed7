// Error codes of the TRTC-compatible API (trtc-compat §3.4, §4.5). Every error reaches the client
// as HTTP 200 with {"Response": {"Error": {"Code", "Message"}, "RequestId"}}, because the official
// SDKs ignore the bodies of non-200 answers.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace atrium::api {

inline constexpr const char* kInvalidAuthorization = "AuthFailure.InvalidAuthorization";
inline constexpr const char* kSignatureExpire = "AuthFailure.SignatureExpire";
inline constexpr const char* kSecretIdNotFound = "AuthFailure.SecretIdNotFound";
inline constexpr const char* kSignatureFailure = "AuthFailure.SignatureFailure";
inline constexpr const char* kUnauthorizedSdkAppId = "UnauthorizedOperation.SdkAppId";
inline constexpr const char* kInvalidAction = "InvalidAction";
inline constexpr const char* kNoSuchVersion = "NoSuchVersion";
inline constexpr const char* kInvalidRequest = "InvalidRequest";
inline constexpr const char* kUnsupportedProtocol = "UnsupportedProtocol";
inline constexpr const char* kMissingParameter = "MissingParameter";
inline constexpr const char* kInvalidParameter = "InvalidParameter";
inline constexpr const char* kInvalidParameterValue = "InvalidParameterValue";
inline constexpr const char* kUnknownParameter = "UnknownParameter";
inline constexpr const char* kRequestLimitExceeded = "RequestLimitExceeded";
inline constexpr const char* kRoomNotExist = "FailedOperation.RoomNotExist";
inline constexpr const char* kSdkAppIdNotExist = "FailedOperation.SdkAppIdNotExist";
inline constexpr const char* kInternalError = "InternalError";

// The error code for a parameter problem: TRTC's specific code (e.g. "MissingParameter.RoomId")
// where its documented per-action codes define one, else the generic family code.
std::string parameterErrorCode(std::string_view family, std::string_view parameter);

inline base::Error apiError(std::string code, std::string message) { return base::makeError(std::move(code), std::move(message)); }

}  // namespace atrium::api
