#include "signal/protocol.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/quality_metrics.h"
#include "signal/errors.h"

namespace atrium::signal {
namespace {

using nlohmann::json;

std::string failureCode(std::string_view text) {
  auto r = parseRequest(text);
  auto* f = std::get_if<ParseFailure>(&r);
  return f ? f->error.code : "";
}

TEST(Protocol, ParsesEnterRoom) {
  auto r = parseRequest(R"({"v":1,"id":7,"type":"enterRoom","data":{"sdkAppId":1400000000,"userId":"alice",
      "userSig":"x","strRoomId":"room 1","role":"audience","scene":"live","privateMapKey":"p","extra":1}})");
  auto* req = std::get_if<Request>(&r);
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->id, 7);
  auto& e = std::get<EnterRoomReq>(req->body);
  EXPECT_EQ(e.sdkAppId, 1400000000u);
  EXPECT_EQ(e.userId, "alice");
  EXPECT_EQ(e.strRoomId, "room 1");
  EXPECT_EQ(e.roomId, 0u);
  EXPECT_EQ(e.role, room::Role::kAudience);
  EXPECT_EQ(e.scene, room::Scene::kLive);
  EXPECT_EQ(e.privateMapKey, "p");
}

TEST(Protocol, DefaultsAndOptionalData) {
  auto r = parseRequest(R"({"v":1,"type":"heartbeat"})");
  auto* req = std::get_if<Request>(&r);
  ASSERT_NE(req, nullptr);
  EXPECT_FALSE(req->id.has_value());
  EXPECT_TRUE(std::holds_alternative<HeartbeatReq>(req->body));
  auto e = parseRequest(R"({"v":1,"id":1,"type":"enterRoom","data":{"sdkAppId":1,"userId":"a","userSig":"s","roomId":5}})");
  auto& enter = std::get<EnterRoomReq>(std::get<Request>(e).body);
  EXPECT_EQ(enter.role, room::Role::kAnchor);
  EXPECT_EQ(enter.scene, room::Scene::kRtc);
}

TEST(Protocol, RejectsMalformedInput) {
  EXPECT_EQ(failureCode("not json"), "BAD_REQUEST");
  EXPECT_EQ(failureCode("[1,2]"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(""), "BAD_REQUEST");
  EXPECT_EQ(failureCode(R"({"id":1,"type":"heartbeat"})"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(R"({"v":"1","type":"heartbeat"})"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(R"({"v":2,"type":"heartbeat"})"), "UNSUPPORTED_VERSION");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"fly"})"), "UNKNOWN_TYPE");
  EXPECT_EQ(failureCode(R"({"v":1,"type":7})"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"heartbeat","data":[]})"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(R"({"v":1,"id":-1,"type":"heartbeat"})"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(R"({"v":1,"id":1.5,"type":"heartbeat"})"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(R"({"v":1,"id":9007199254740992,"type":"heartbeat"})"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(std::string(100, '[') + std::string(100, ']')), "BAD_REQUEST");
}

TEST(Protocol, ReportsIdWhenKnown) {
  auto r = parseRequest(R"({"v":1,"id":42,"type":"enterRoom","data":{"userId":"a"}})");
  auto& f = std::get<ParseFailure>(r);
  EXPECT_EQ(f.id, 42);
  EXPECT_EQ(f.error.code, "BAD_REQUEST");
  EXPECT_NE(f.error.message.find("sdkAppId"), std::string::npos) << "message names the missing field";
}

TEST(Protocol, FieldTypeAndRangeErrors) {
  EXPECT_EQ(failureCode(R"({"v":1,"type":"enterRoom","data":{"sdkAppId":"1","userId":"a","userSig":"s"}})"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"enterRoom","data":{"sdkAppId":-5,"userId":"a","userSig":"s"}})"), "INVALID_PARAMETER");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"enterRoom","data":{"sdkAppId":1,"userId":5,"userSig":"s"}})"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"enterRoom","data":{"sdkAppId":1,"userId":"a","userSig":"s","scene":"tv"}})"), "INVALID_PARAMETER");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"enterRoom","data":{"sdkAppId":1,"userId":"a","userSig":"s","role":"king"}})"), "INVALID_PARAMETER");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"sendCustomMessage","data":{"cmdId":0,"data":""}})"), "INVALID_PARAMETER");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"sendCustomMessage","data":{"cmdId":11,"data":""}})"), "INVALID_PARAMETER");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"sendCustomMessage","data":{"cmdId":1}})"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"switchRole","data":{}})"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"resume","data":{"sessionId":"a"}})"), "BAD_REQUEST");
}

TEST(Protocol, EncodesResponsesAndEvents) {
  auto ok = json::parse(encodeOk(3, R"({"seq":1})"));
  EXPECT_EQ(ok["type"], "response");
  EXPECT_EQ(ok["id"], 3);
  EXPECT_EQ(ok["ok"], true);
  EXPECT_EQ(ok["data"]["seq"], 1);
  auto err = json::parse(encodeError(std::nullopt, base::makeError("USERSIG_EXPIRED", "expired")));
  EXPECT_TRUE(err["id"].is_null());
  EXPECT_EQ(err["error"]["code"], 70001);
  EXPECT_EQ(err["error"]["name"], "USERSIG_EXPIRED");
  auto ev = json::parse(encodeEvent(room::UserExited{"bob", room::ExitReason::kTimeout}, 4));
  EXPECT_EQ(ev["event"], "remote-user-exit");
  EXPECT_EQ(ev["seq"], 4);
  EXPECT_EQ(ev["data"]["reason"], 1);
  auto kick = json::parse(encodeEvent(room::KickedOut{room::KickReason::kRoomDisband}, 1));
  EXPECT_EQ(kick["data"]["reason"], "room_disband");
  auto msg = json::parse(encodeEvent(room::CustomMessage{"a", 2, 9, "aGk="}, 2));
  EXPECT_EQ(msg["data"]["cmdId"], 2);
  EXPECT_EQ(msg["data"]["seq"], 9);
}

TEST(Errors, EveryNameMapsAndUnknownIsInternal) {
  EXPECT_EQ(protocolError("PRIVMAPKEY_NO_PRIVILEGE").code, 70058);
  EXPECT_EQ(protocolError("ROOM_FULL").code, 4031);
  EXPECT_EQ(protocolError("nonsense").code, 5000);
  EXPECT_EQ(protocolError("INTERNAL").cause, Cause::kService);
  EXPECT_EQ(protocolError("USERSIG_EXPIRED").cause, Cause::kClient);
  EXPECT_TRUE(isBadInput("BAD_REQUEST"));
  EXPECT_FALSE(isBadInput("RATE_LIMITED"));
}


TEST(Protocol, ParsesQualityReportsAndSmallSubscriptions) {
  auto r = parseRequest(R"({"v":1,"type":"quality","data":{"up":{"aBit":32000,"rtt":41.5,"bigvWidth":640},
      "down":[{"userId":"bob","metrics":{"bigvDecFps":29.7,"aLoss":0}}]}})");
  auto* q = std::get_if<Request>(&r);
  ASSERT_NE(q, nullptr);
  const auto& req = std::get<QualityReq>(q->body);
  ASSERT_EQ(req.entries.size(), 2u);
  EXPECT_EQ(req.entries[0].peerId, "");
  EXPECT_EQ(req.entries[0].values.size(), 3u);
  EXPECT_EQ(req.entries[1].peerId, "bob");
  EXPECT_EQ(base::kQualityMetricNames[req.entries[1].values[0].first], "aLoss");  // object keys sort
  auto s = parseRequest(R"({"v":1,"id":2,"type":"subscribe","data":{"streams":[{"userId":"a","stream":"main","small":true},
      {"userId":"a","stream":"audio"}]}})");
  const auto& sub = std::get<SubscribeReq>(std::get<Request>(s).body);
  EXPECT_EQ(sub.streams[0], (StreamWant{"a", "main", true}));
  EXPECT_EQ(sub.streams[1], (StreamWant{"a", "audio", false}));
}

TEST(Protocol, RejectsBadQualityReports) {
  EXPECT_EQ(failureCode(R"({"v":1,"type":"quality","data":{"up":{"cpuTemp":3}}})"), "INVALID_PARAMETER");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"quality","data":{"up":{"aBit":-1}}})"), "INVALID_PARAMETER");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"quality","data":{"up":{"aBit":1e300}}})"), "INVALID_PARAMETER");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"quality","data":{"up":{"aBit":"fast"}}})"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"quality","data":{"up":[1]}})"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"quality","data":{"down":{}}})"), "BAD_REQUEST");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"quality","data":{"down":[{"userId":"","metrics":{}}]}})"), "INVALID_PARAMETER");
  std::string many = R"({"v":1,"type":"quality","data":{"down":[)";
  for (int i = 0; i < 51; ++i) many += std::string(i ? "," : "") + R"({"userId":"u)" + std::to_string(i) + R"(","metrics":{}})";
  EXPECT_EQ(failureCode(many + "]}}"), "INVALID_PARAMETER");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"subscribe","data":{"streams":[{"userId":"a","stream":"audio","small":true}]}})"),
            "INVALID_PARAMETER");
  EXPECT_EQ(failureCode(R"({"v":1,"type":"subscribe","data":{"streams":[{"userId":"a","stream":"main","small":1}]}})"),
            "BAD_REQUEST");
}

}  // namespace
}  // namespace atrium::signal
