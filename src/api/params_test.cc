#include "api/params.h"

#include <gtest/gtest.h>

#include "api/api_error.h"

namespace atrium::api {
namespace {

using nlohmann::json;

TEST(Params, IntegerRules) {
  json body = {{"SdkAppId", 1400000000}, {"RoomId", -1}, {"PageSize", "10"}, {"Big", 5000000000}};
  Params p(body);
  EXPECT_EQ(**p.integer("SdkAppId", true, 1, UINT32_MAX), 1400000000u);
  EXPECT_EQ(p.integer("RoomId", true, 1, 10).error().code, "InvalidParameterValue.RoomId");
  EXPECT_EQ(p.integer("PageSize", false, 1, 100).error().code, "InvalidParameter.PageSize");
  EXPECT_EQ(p.integer("Big", true, 0, UINT32_MAX).error().code, "InvalidParameterValue");
  EXPECT_EQ(p.integer("StartTime", true, 0, 1).error().code, "MissingParameter.StartTs");
  EXPECT_FALSE(p.integer("PageNumber", false, 0, 1)->has_value());
}

TEST(Params, StringsAndArrays) {
  json body = {{"RoomId", 5}, {"UserIds", {"a", 3}}, {"Empty", json::array()}, {"Name", std::string(2000, 'x')}};
  Params p(body);
  EXPECT_EQ(p.string("RoomId", true).error().code, "InvalidParameter.RoomId");
  EXPECT_EQ(p.strings("UserIds", true, 1, 10).error().code, "InvalidParameter.UserIds");
  EXPECT_EQ(p.strings("Empty", true, 1, 10).error().code, "InvalidParameterValue");
  EXPECT_EQ(p.string("Name", true).error().code, "InvalidParameterValue");
  EXPECT_EQ(p.strings("Missing", true, 1, 10).error().code, "MissingParameter");
  EXPECT_NE(p.strings("Missing", true, 1, 10).error().message.find("Missing"), std::string::npos) << "names the parameter";
}

TEST(Params, UnknownFieldsAreReported) {
  json body = {{"SdkAppId", 1}, {"Extra", true}};
  Params p(body);
  ASSERT_TRUE(p.integer("SdkAppId", true, 1, 10).ok());
  auto st = p.finish();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, kUnknownParameter);
  EXPECT_NE(st.error().message.find("Extra"), std::string::npos);
}

TEST(Params, NullCountsAsAbsent) {
  json body = {{"RoomId", nullptr}};
  Params p(body);
  EXPECT_EQ(p.integer("RoomId", true, 1, 10).error().code, "MissingParameter.RoomId");
}

}  // namespace
}  // namespace atrium::api
