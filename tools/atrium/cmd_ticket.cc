#include "tools/atrium/cmd_ticket.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "auth/ticket.h"
#include "base/ids.h"

namespace atrium::cli {
namespace {

using Json = nlohmann::json;

constexpr const char* kKeyEnv = "ATRIUM_APP_KEY";

// Flag values of one command; CLI11 binds to these, so each command owns a long-lived copy.
struct TicketFlags {
  uint32_t sdkAppId = 0;
  std::string key;
  std::string userId;
  int64_t expire = 86400;
  std::optional<int64_t> time;
  int zlibLevel = 6;
  std::optional<uint64_t> roomId;
  std::optional<std::string> strRoomId;
  uint32_t privilege = auth::kPrivAll;
  std::string token;
  std::optional<int64_t> now;
  int64_t skew = 0;
  bool batch = false;
};

int64_t systemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

[[noreturn]] void fail(std::string_view code, std::string_view message) {
  std::cerr << "error " << code << ": " << message << "\n";
  throw CLI::RuntimeError(1);
}

std::string secretKey(const TicketFlags& f) {
  if (!f.key.empty()) return f.key;
  if (const char* env = std::getenv(kKeyEnv); env != nullptr && *env != '\0') return env;
  fail("MISSING_KEY", std::string("pass --key or set ") + kKeyEnv);
}

base::RoomId roomOf(const std::optional<uint64_t>& numeric, const std::optional<std::string>& str) {
  auto room = base::makeRoomId(numeric.value_or(0), str.value_or(""));
  if (!room) fail(room.error().code, room.error().message);
  return *room;
}

void addCommonFlags(CLI::App* cmd, TicketFlags& f) {
  cmd->add_option("--sdkappid", f.sdkAppId, "SDKAppID")->required();
  cmd->add_option("--key", f.key, std::string("application secret key (default: $") + kKeyEnv + ")");
  cmd->add_option("--userid", f.userId, "UserID the ticket is for")->required();
}

void addGenerateFlags(CLI::App* cmd, TicketFlags& f) {
  cmd->add_option("--expire", f.expire, "validity in seconds")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--time", f.time, "issue time, Unix seconds (default: now)");
  cmd->add_option("--zlib-level", f.zlibLevel, "0..9; 6 gives the npm package's exact bytes")
      ->capture_default_str()
      ->check(CLI::Range(0, 9));
}

// Exactly one of the two is needed; roomOf() reports when neither was given.
void addRoomFlags(CLI::App* cmd, TicketFlags& f) {
  auto* numeric = cmd->add_option("--roomid", f.roomId, "numeric room id");
  auto* str = cmd->add_option("--strroomid", f.strRoomId, "string room id");
  numeric->excludes(str);
  str->excludes(numeric);
}

void addVerifyFlags(CLI::App* cmd, TicketFlags& f, const char* tokenFlag) {
  cmd->add_option(tokenFlag, f.token, "the ticket to check");
  cmd->add_option("--now", f.now, "verification time, Unix seconds (default: now)");
  cmd->add_option("--skew", f.skew, "tolerated clock difference in seconds")->capture_default_str();
  cmd->add_flag("--stdin", f.batch, "read one JSON job per line from stdin, answer one JSON line each");
}

// One verification; `room` is set for PrivateMapKeys.
Json verifyOne(const std::string& token, uint32_t app, const std::string& key, const std::string& user,
               const std::optional<base::RoomId>& room, uint32_t required, int64_t now, int64_t skew) {
  if (room) {
    auto r = auth::verifyPrivateMapKey(token, app, key, user, *room, required, now, skew);
    if (!r) return Json{{"ok", false}, {"code", r.error().code}, {"message", r.error().message}};
    return Json{{"ok", true}, {"expires_at", r->expiresAt}, {"privileges", r->privileges}};
  }
  auto r = auth::verifyUserSig(token, app, key, user, now, skew);
  if (!r) return Json{{"ok", false}, {"code", r.error().code}, {"message", r.error().message}};
  return Json{{"ok", true}, {"expires_at", r->expiresAt}};
}

// Batch mode. A job: {"sdkappid","key","userid","token"|"usersig"|"privatemapkey","now","skew",
// and for PrivateMapKeys "roomid"|"strroomid","privilege"}; missing values fall back to the flags.
void runBatch(const TicketFlags& f, bool privateMapKey) {
  const char* envKey = std::getenv(kKeyEnv);
  const std::string defaultKey = !f.key.empty() || envKey == nullptr ? f.key : std::string(envKey);
  const char* tokenField = privateMapKey ? "privatemapkey" : "usersig";
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    const Json job = Json::parse(line, nullptr, false);
    Json answer = Json{{"ok", false}, {"code", "BAD_JOB"}, {"message", "a job is one JSON object per line"}};
    if (job.is_object()) {
      try {  // value() throws on a field of the wrong type: that is a bad job, not a crash
        std::optional<base::RoomId> room;
        if (privateMapKey) {
          auto r = base::makeRoomId(job.value("roomid", f.roomId.value_or(0)),
                                    job.value("strroomid", f.strRoomId.value_or("")));
          room = r ? *r : base::RoomId{0, ""};  // an invalid room matches no key: reported as wrong room
        }
        answer = verifyOne(job.value("token", job.value(tokenField, f.token)), job.value("sdkappid", f.sdkAppId),
                           job.value("key", defaultKey), job.value("userid", f.userId), room,
                           job.value("privilege", f.privilege), job.value("now", f.now.value_or(systemNow())),
                           job.value("skew", f.skew));
      } catch (const Json::exception& e) {
        answer["message"] = std::string("bad job field: ") + e.what();
      }
      if (job.contains("id")) answer["id"] = job["id"];
    }
    std::cout << answer.dump() << "\n";
  }
  std::cout.flush();
}

void runVerify(const TicketFlags& f, bool privateMapKey) {
  if (f.batch) return runBatch(f, privateMapKey);
  if (f.sdkAppId == 0 || f.userId.empty()) fail("MISSING_ARGUMENT", "--sdkappid and --userid are required");
  if (f.token.empty()) fail(privateMapKey ? auth::kPmkMissing : auth::kTicketEmpty, "no ticket given");
  std::optional<base::RoomId> room;
  if (privateMapKey) room = roomOf(f.roomId, f.strRoomId);
  const Json r = verifyOne(f.token, f.sdkAppId, secretKey(f), f.userId, room, f.privilege, f.now.value_or(systemNow()),
                           f.skew);
  if (!r["ok"].get<bool>()) fail(r["code"].get<std::string>(), r["message"].get<std::string>());
  std::cout << "ok expires_at=" << r["expires_at"].get<int64_t>();
  if (privateMapKey) std::cout << " privileges=" << r["privileges"].get<uint32_t>();
  std::cout << "\n";
}

void requireValidUser(const std::string& userId) {
  if (!base::isValidUserId(userId)) fail("INVALID_USER_ID", "--userid must be 1..32 characters of [A-Za-z0-9_-]");
}

}  // namespace

void addTicketCommands(CLI::App& root) {
  auto usersig = std::make_shared<TicketFlags>();
  auto* gen = root.add_subcommand("usersig", "print a UserSig for a user");
  addCommonFlags(gen, *usersig);
  addGenerateFlags(gen, *usersig);
  gen->callback([f = usersig] {
    requireValidUser(f->userId);
    std::cout << auth::generateUserSig(f->sdkAppId, secretKey(*f), f->userId, f->expire, f->time.value_or(systemNow()),
                                       auth::GenerateOptions{f->zlibLevel})
              << "\n";
  });

  auto pmk = std::make_shared<TicketFlags>();
  auto* genPmk = root.add_subcommand("privatemapkey", "print a PrivateMapKey for a user and room");
  addCommonFlags(genPmk, *pmk);
  addGenerateFlags(genPmk, *pmk);
  addRoomFlags(genPmk, *pmk);
  genPmk->add_option("--privilege", pmk->privilege, "privilege bitmap (255 = all)")->capture_default_str();
  genPmk->callback([f = pmk] {
    requireValidUser(f->userId);
    const base::RoomId room = roomOf(f->roomId, f->strRoomId);
    std::cout << auth::generatePrivateMapKey(f->sdkAppId, secretKey(*f), f->userId, room, f->privilege, f->expire,
                                             f->time.value_or(systemNow()), auth::GenerateOptions{f->zlibLevel})
              << "\n";
  });

  auto check = std::make_shared<TicketFlags>();
  auto* verify = root.add_subcommand("verify-usersig", "check a UserSig; exit 0 and print its expiry if valid");
  verify->add_option("--sdkappid", check->sdkAppId, "SDKAppID");
  verify->add_option("--key", check->key, std::string("application secret key (default: $") + kKeyEnv + ")");
  verify->add_option("--userid", check->userId, "UserID the ticket must be for");
  addVerifyFlags(verify, *check, "--usersig");
  verify->callback([f = check] { runVerify(*f, false); });

  auto checkPmk = std::make_shared<TicketFlags>();
  checkPmk->privilege = auth::kPrivEnterRoom;  // what joining a room needs
  auto* verifyPmk = root.add_subcommand("verify-privatemapkey", "check a PrivateMapKey for a room and privileges");
  verifyPmk->add_option("--sdkappid", checkPmk->sdkAppId, "SDKAppID");
  verifyPmk->add_option("--key", checkPmk->key, std::string("application secret key (default: $") + kKeyEnv + ")");
  verifyPmk->add_option("--userid", checkPmk->userId, "UserID the ticket must be for");
  addRoomFlags(verifyPmk, *checkPmk);
  verifyPmk->add_option("--privilege", checkPmk->privilege, "required privilege bits")->capture_default_str();
  addVerifyFlags(verifyPmk, *checkPmk, "--token");
  verifyPmk->callback([f = checkPmk] { runVerify(*f, true); });
}

}  // namespace atrium::cli
