#include "callback/event.h"

#include <gtest/gtest.h>

#include "callback/http_poster.h"

namespace atrium::callback {
namespace {

RoomEventInput numericEvent(int type) {
  RoomEventInput e;
  e.eventType = type;
  e.sdkAppId = 1400000001;
  e.numericRoom = 12345;
  e.userId = "test";
  e.eventMs = 1687770730160;
  return e;
}

TEST(CallbackBody, CreateRoomMatchesTheDocumentedExample) {
  EXPECT_EQ(buildCallbackBody(numericEvent(kEventCreateRoom), 1687770730166),
            R"({"EventGroupId":1,"EventType":101,"CallbackTs":1687770730166,"EventInfo":)"
            R"({"RoomId":12345,"EventTs":1687770730,"EventMsTs":1687770730160,"UserId":"test"}})");
}

TEST(CallbackBody, EnterRoomCarriesOptionalFieldsInDocumentedOrder) {
  RoomEventInput e = numericEvent(kEventEnterRoom);
  e.reason = 1;  // set in a different order than they are written
  e.userType = 3;
  e.terminalType = 2;
  e.role = kRoleAudience;
  EXPECT_EQ(buildCallbackBody(e, 1687770730166),
            R"({"EventGroupId":1,"EventType":103,"CallbackTs":1687770730166,"EventInfo":)"
            R"({"RoomId":12345,"EventTs":1687770730,"EventMsTs":1687770730160,"UserId":"test",)"
            R"("Role":21,"TerminalType":2,"UserType":3,"Reason":1}})");
}

TEST(CallbackBody, StringRoomIsSentAsString) {
  RoomEventInput e = numericEvent(kEventDismissRoom);
  e.numericRoom = 0;
  e.strRoom = "12345";
  EXPECT_EQ(buildCallbackBody(e, 5000),
            R"({"EventGroupId":1,"EventType":102,"CallbackTs":5000,"EventInfo":)"
            R"({"RoomId":"12345","EventTs":1687770730,"EventMsTs":1687770730160,"UserId":"test"}})");
}

TEST(CallbackBody, EmptyUserIdIsOmitted) {
  RoomEventInput e = numericEvent(kEventDismissRoom);
  e.userId.clear();
  EXPECT_EQ(buildCallbackBody(e, 7),
            R"({"EventGroupId":1,"EventType":102,"CallbackTs":7,"EventInfo":)"
            R"({"RoomId":12345,"EventTs":1687770730,"EventMsTs":1687770730160}})");
}

TEST(CallbackBody, EveryEventTypeGetsItsGroup) {
  const int room[] = {101, 102, 103, 104, 105};
  const int media[] = {201, 202, 203, 204, 205, 206};
  for (int type : room) {
    for (bool stringRoom : {false, true}) {
      RoomEventInput e = numericEvent(type);
      if (stringRoom) e.strRoom = "room-a";
      std::string body = buildCallbackBody(e, 1);
      SCOPED_TRACE(body);
      EXPECT_TRUE(isKnownEventType(type));
      EXPECT_EQ(body.rfind(R"({"EventGroupId":1,"EventType":)" + std::to_string(type) + ",", 0), 0u);
      EXPECT_NE(body.find(stringRoom ? R"("RoomId":"room-a")" : R"("RoomId":12345)"), std::string::npos);
    }
  }
  for (int type : media) {
    for (bool stringRoom : {false, true}) {
      RoomEventInput e = numericEvent(type);
      if (stringRoom) e.strRoom = "room-a";
      std::string body = buildCallbackBody(e, 1);
      SCOPED_TRACE(body);
      EXPECT_TRUE(isKnownEventType(type));
      EXPECT_EQ(body.rfind(R"({"EventGroupId":2,"EventType":)" + std::to_string(type) + ",", 0), 0u);
      EXPECT_NE(body.find(stringRoom ? R"("RoomId":"room-a")" : R"("RoomId":12345)"), std::string::npos);
      EXPECT_EQ(body.find("Role"), std::string::npos);
    }
  }
  for (int type : {0, 100, 106, 200, 207, 301, -101}) EXPECT_FALSE(isKnownEventType(type)) << type;
}

TEST(CallbackBody, ExitRoleChangeAndIdsNeedingEscapes) {
  RoomEventInput exit = numericEvent(kEventExitRoom);
  exit.role = kRoleAnchor;
  exit.reason = 3;
  EXPECT_EQ(buildCallbackBody(exit, 1),
            R"({"EventGroupId":1,"EventType":104,"CallbackTs":1,"EventInfo":)"
            R"({"RoomId":12345,"EventTs":1687770730,"EventMsTs":1687770730160,"UserId":"test",)"
            R"("Role":20,"Reason":3}})");
  RoomEventInput odd = numericEvent(kEventChangeRole);
  odd.userId = "a\"b\\c\x01\xff";  // quote, backslash, control byte, invalid UTF-8
  odd.strRoom = "r\n";
  std::string body = buildCallbackBody(odd, 1);
  EXPECT_NE(body.find(R"("UserId":"a\"b\\c\u0001)" "\xEF\xBF\xBD\""), std::string::npos) << body;
  EXPECT_NE(body.find(R"("RoomId":"r\n")"), std::string::npos) << body;
}

TEST(CallbackSign, MatchesTheSpecVector) {
  const std::string body =
      "{\n\t\"EventGroupId\":\t1,\n\t\"EventType\":\t103,\n\t\"CallbackTs\":\t1615554923704,\n\t"
      "\"EventInfo\":\t{\n\t\t\"RoomId\":\t12345,\n\t\t\"EventTs\":\t1608441737,\n\t\t\"UserId\":\t"
      "\"test\",\n\t\t\"UniqueId\":\t1615554922656,\n\t\t\"Role\":\t20,\n\t\t\"Reason\":\t1\n\t}\n}";
  ASSERT_EQ(body.size(), 212u);
  EXPECT_EQ(signBody("trtcCallbackKey123", body), "bs6VYcChWIOG54t45FiwgmEiUoMCVHp5ybTjIZ0cCFc=");
  EXPECT_NE(signBody("trtcCallbackKey124", body), signBody("trtcCallbackKey123", body));
  EXPECT_NE(signBody("trtcCallbackKey123", body + " "), signBody("trtcCallbackKey123", body));
}

TEST(UrlOriginForLog, KeepsOnlySchemeHostAndPort) {
  EXPECT_EQ(urlOriginForLog("https://user:pw@hooks.example.com:8443/cb/secret?token=x#f"),
            "https://hooks.example.com:8443");
  EXPECT_EQ(urlOriginForLog("http://example.com?token=x"), "http://example.com");
  EXPECT_EQ(urlOriginForLog("http://[::1]:80/x"), "http://[::1]:80");
  EXPECT_EQ(urlOriginForLog("http://a@b@host/"), "http://host");
  EXPECT_EQ(urlOriginForLog("not a url?key=1"), "(unparsable URL)");
  EXPECT_EQ(urlOriginForLog("://x"), "(unparsable URL)");
}

}  // namespace
}  // namespace atrium::callback
