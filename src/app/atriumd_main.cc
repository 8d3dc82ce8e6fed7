// atriumd: the Atrium server. Reads settings, opens the store, prepares TLS, and runs the control
// loop with the signaling service. In dev mode it also creates and prints a demo application.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "api/actions.h"
#include "api/api_service.h"
#include "app/api_endpoint.h"
#include "app/bootstrap.h"
#include "app/control_writer.h"
#include "app/daemon_options.h"
#include "app/http_routes.h"
#include "app/metrics_endpoint.h"
#include "app/purge_job.h"
#include "app/settings.h"
#include "app/signal_endpoint.h"
#include "app/quality_recorder.h"
#include "app/room_activity_sink.h"
#include "app/settings_cache.h"
#include "app/store_ports.h"
#include "app/task_pool.h"
#include "callback/dispatcher.h"
#include "cluster/redis_session_store.h"
#include "crypto/dtls_context.h"
#include "auth/ticket.h"
#include "base/log.h"

namespace atrium::app {
namespace {

int fail(const base::Error& e) {
  base::log::error("{}", e.message);
  std::fprintf(stderr, "atriumd: %s\n", e.message.c_str());
  return 1;
}

void printDemoCredentials(const store::App& app, const Settings& s, uint16_t port, bool tls) {
  std::string user = s.str("dev.demo_user");
  int64_t now = base::SystemClock::instance().unixSeconds();
  std::string sig = auth::generateUserSig(app.sdkAppId, app.secretKey, user, 86400, now);
  std::string scheme = tls ? "https" : "http";
  // Printed on stdout for the developer at the terminal; the log never sees these values.
  std::printf(
      "\nAtrium is running in dev mode.\n"
      "  demo page      %s://localhost:%u/   (self-signed certificate: accept it in the browser)\n"
      "  signaling      %s://localhost:%u/v1/signal\n"
      "  SdkAppId       %u\n"
      "  SecretKey      %s\n"
      "  UserSig        for userId \"%s\", valid 24 h:\n  %s\n\n",
      scheme.c_str(), port, tls ? "wss" : "ws", port, app.sdkAppId, app.secretKey.c_str(), user.c_str(), sig.c_str());
  std::fflush(stdout);
}

int run(const Settings& settings) {
  base::log::init(base::log::parseLevel(settings.str("server.log_level"), base::log::Level::kInfo),
                  settings.str("server.log_file"));
  auto options = readDaemonOptions(settings);
  if (!options.ok()) return fail(options.error());
  auto& clock = base::SystemClock::instance();
  auto retention = readRetentionSettings(settings);
  if (!retention.ok()) return fail(retention.error());
  auto store = openStore(settings, clock, /*mayGenerateKey=*/true);
  if (!store.ok()) return fail(store.error());
  if (auto layout = readStoreLayout(settings); layout.ok()) {
    std::string regions;  // names only: DSNs may hold passwords
    for (const auto& [region, unused] : layout->regions) regions += (regions.empty() ? "" : ", ") + region;
    base::log::info("store: {}{}", settings.str("store.engine"), regions.empty() ? "" : "; regional databases: " + regions);
  }
  if (options->server.tls) {
    auto tls = ensureTls(settings);
    if (!tls.ok()) return fail(tls.error());
    options->server.certFile = tls->certFile;
    options->server.keyFile = tls->keyFile;
  }
  std::optional<store::App> demo;
  if (settings.isDev()) {
    auto app = ensureDemoApp(**store);
    if (!app.ok()) return fail(app.error());
    demo = *app;
  }

  // Rooms and sessions a crash left open get their end recorded now, so lifetimes stay consistent;
  // their callbacks go out once the dispatcher exists.
  const int64_t startedAtMs = clock.wallMs();
  auto leftovers = (*store)->closeOpenRecords(startedAtMs);
  if (!leftovers.ok()) return fail(leftovers.error());

  // The control loop never waits on storage (issue 10). A second connection serves what may wait
  // off the loop — the API's worker threads and the settings poller — so their reads never queue
  // behind the batching writer's transaction on the first one (SQLite and libpq connections are
  // used by one thread at a time).
  auto queryStore = openStore(settings, clock, /*mayGenerateKey=*/false);
  if (!queryStore.ok()) return fail(queryStore.error());

  // Every control-path write reports here: failures are counted and make /readyz red (issue 10).
  store::WriteHealth storeWrites(clock);
  // One batching writer behind what requests write: the entry log, room and user events, callback
  // jobs, audit records of requests that change nothing.
  ControlWriterOptions writerOptions;
  writerOptions.maxBacklogRows = options->store.backlogRows;
  ControlWriter writer(**store, storeWrites, clock, writerOptions);
  WriterEntryRecorder entries(writer);
  callback::CurlPoster poster(callback::CurlPosterOptions{options->callbacks.caFile, "", "atrium-callback/1"});
  callback::DispatcherOptions dispatch;
  dispatch.retry = {options->callbacks.timeoutMs, options->callbacks.retryIntervalMs, options->callbacks.giveUpAfterMs};
  callback::CallbackDispatcher callbacks(**store, **store, poster, clock, dispatch);
  writer.setOnCallbacksWritten([&callbacks] { callbacks.wake(); });
  publishCrashLeftovers(callbacks, *leftovers, startedAtMs);
  metrics::Metrics metrics([](std::string_view action) { return api::findAction(action) != nullptr; });
  CountingEntryRecorder countedEntries(entries, metrics);

  web::ControlLoop loop;
  // Apps and API keys in memory, kept current by a poller thread (any process may change them).
  std::unique_ptr<SettingsCache> settingsCache;
  SettingsPoller settingsPoller(**queryStore, options->store.settingsPollMs,
                                [&loop, &settingsCache](std::shared_ptr<const SettingsSnapshot> snapshot) {
                                  loop.post([&settingsCache, snapshot] { settingsCache->replace(snapshot); });
                                });
  auto initialSettings = settingsPoller.loadInitial();
  if (!initialSettings.ok()) return fail(initialSettings.error());
  settingsCache = std::make_unique<SettingsCache>(*initialSettings, [&settingsPoller, &loop](std::function<void()> again) {
    settingsPoller.pollSoon([&loop, again = std::move(again)] { loop.post(again); });
  });
  RoomActivitySink activity(writer, clock);
  SignalEndpoint endpoint;
  signal::SignalingService service(options->limits, clock, endpoint, *settingsCache, countedEntries,
                                   options->mediaWorkers);
  service.setObserver(&activity);
  QualityRecorder quality(**store, [&activity](const base::RoomKey& room) { return activity.commIdOf(room); }, 1000,
                          &storeWrites);
  service.setQualitySink(&quality);
  auto media = MediaPlane::create(options->media, clock);
  if (!media.ok()) return fail(media.error());
  service.setMedia(media->get());
  // Sessions that outlive this process (issue 10): resumable after a restart or on another node.
  std::unique_ptr<cluster::RedisSessionStore> sharedSessions;
  if (options->redis) {
    cluster::RedisSessionStoreOptions shared{*options->redis,
                                             options->limits.sessionGraceMs + 2 * signal::kSharedKeepAliveMs};
    sharedSessions = std::make_unique<cluster::RedisSessionStore>(
        shared, [&loop](std::function<void()> f) { loop.post(std::move(f)); });
    sharedSessions->start();
    service.setSessionStore(sharedSessions.get());
    base::log::info("sessions: shared in Redis at {}:{}", options->redis->host, options->redis->port);
  }
  // A media transport that failed is gone from its worker: forget its connection and tell the
  // client, which builds a new one (docs/protocol.md `media-failed`).
  (*media)->watchTransportFailures([&loop, &service, plane = media->get()](uint64_t transportId, std::string reason) {
    loop.post([&service, plane, transportId, reason = std::move(reason)] {
      if (auto lost = plane->transportFailed(transportId)) service.mediaConnectionFailed(lost->session, lost->connection, reason);
    });
  });
#ifdef ATRIUM_TEST_HOOKS
  service.allowTestRequestsForTest(settings.isDev());
#endif
  RouteContext routes{settings.isDev(), settings.str("dev.web_root"), demo ? demo->sdkAppId : 0,
                      demo ? demo->secretKey : ""};
  if (routes.webRoot.empty()) routes.webRoot = ATRIUM_SOURCE_DIR "/sdk/web";
  web::WebServer server(loop, options->server, endpoint,
                        [&routes](const web::HttpRequest& r) { return handleHttp(routes, r); });
  endpoint.attach(service, server);
  if (auto st = server.start(); !st.ok()) return fail(st.error());

  SignalRoomControl roomControl(service);
  // The API's store work runs on these threads; replies are posted back to the loop.
  TaskPool apiPool(options->store.apiWorkers, options->store.apiMaxQueued,
                   [&loop](std::function<void()> done) { loop.post(std::move(done)); });
  WriterApiQueue apiWrites(writer);
  store::Store& q = **queryStore;
  api::ApiDeps apiDeps{q, q, q, q, q, q, roomControl, clock, q, q};
  apiDeps.credentials = settingsCache.get();
  apiDeps.offload = &apiPool;
  apiDeps.writes = &apiWrites;
  api::ApiService apiService(apiDeps, options->api);
  NoWebSockets noWebSockets;
  if (options->apiServer.tls) {
    options->apiServer.certFile = options->server.certFile;
    options->apiServer.keyFile = options->server.keyFile;
    if (options->apiServer.certFile.empty()) {
      auto tls = ensureTls(settings);
      if (!tls.ok()) return fail(tls.error());
      options->apiServer.certFile = tls->certFile;
      options->apiServer.keyFile = tls->keyFile;
    }
  }
  web::WebServer apiServer(loop, options->apiServer, noWebSockets,
                           web::AsyncHttpHandler([&apiService, &metrics](web::HttpRequest r, web::HttpReply reply) {
                             handleApiHttp(apiService, std::move(r), std::move(reply), &metrics);
                           }));
  if (auto st = apiServer.start(); !st.ok()) return fail(st.error());

  // Monitoring (R16): /metrics, /healthz and /readyz on their own listener, so a scraper never
  // shares limits or a port with clients. Off loopback it is HTTPS (R6).
  apiService.setWriteHealth(&storeWrites);
  Readiness readiness;
  readiness.storeWrites = &storeWrites;
  std::unique_ptr<web::WebServer> metricsServer;
  if (options->metricsEnabled) {
    auto& m = options->metricsServer;
    if (m.tls) {
      auto tls = ensureTls(settings);
      if (!tls.ok()) return fail(tls.error());
      m.certFile = tls->certFile;
      m.keyFile = tls->keyFile;
    }
    metricsServer = std::make_unique<web::WebServer>(
        loop, m, noWebSockets,
        [&metrics, &readiness](const web::HttpRequest& r) { return handleMetricsHttp(metrics, readiness, r); });
    if (auto st = metricsServer->start(); !st.ok()) return fail(st.error());
  }
  for (const MediaWorker* w : (*media)->workers()) metrics.addWorker(w->counters());
  ControlSources sources{readiness, service, apiService, callbacks, storeWrites, writer, **media,
                         {{"signal", &server}, {"api", &apiServer}, {"metrics", metricsServer.get()}},
                         sharedSessions.get()};
  metrics.setControlSource([&sources] { return sampleControl(sources); });
  callbacks.start();
  writer.start();
  settingsPoller.start();
  // Retention (R13) on its own thread: a large purge must not stall signaling or the API.
  PurgeJob purge(**store, *retention, clock);
  purge.start();
  // The server's own quality rows (uplink loss and jitter from our receiver reports), every 2 s
  // like the clients' reports.
  loop.every(2000, [&] {
    (*media)->sampleServerQuality([&activity](const base::RoomKey& room) { return activity.commIdOf(room); },
                                  [&quality](std::vector<store::QualitySample> rows) { quality.enqueue(std::move(rows)); },
                                  clock.wallMs());
  });
  // Active speaker per room from the publishers' audio levels, twice a second.
  ActiveSpeakers speakers([&service](const base::RoomKey& room, const std::string& userId) {
    service.announceActiveSpeaker(room, userId);
  });
  loop.every(500, [&] {
    (*media)->sampleVolumes([&loop, &speakers](size_t worker, std::vector<RoomVolume> volumes) {
      loop.post([&speakers, worker, volumes = std::move(volumes)] { speakers.onSamples(worker, volumes); });
    });
  });
  loop.every(200, [&] { service.tick(); });
  loop.onTerminate([&] {
    base::log::info("shutting down");
    readiness.ready = false;  // /readyz answers 503 while connections drain
    server.stopAccepting();
    apiServer.stopAccepting();
    server.closeAll(signal::kCloseGoingAway, "server shutting down");
    loop.every(300, [&] { loop.stop(); });
  });

  uint16_t port = server.port();
  uint16_t apiPort = apiServer.port();
  base::log::info("media: DTLS by {}", crypto::openSslVersion());
  base::log::info("signaling listening on {}:{} ({})", options->server.address, port, options->server.tls ? "wss" : "ws");
  base::log::info("server API listening on {}:{} ({})", options->apiServer.address, apiPort,
                  options->apiServer.tls ? "https" : "http");
  if (demo) printDemoCredentials(*demo, settings, port, options->server.tls);
  if (std::string ready = settings.str("server.ready_file"); !ready.empty()) {
    nlohmann::json info{{"pid", ::getpid()},
                        {"signal", {{"port", port}, {"url", std::string(options->server.tls ? "wss" : "ws") +
                                                               "://127.0.0.1:" + std::to_string(port) + "/v1/signal"}}},
                        {"api", {{"port", apiPort}}},
                        {"media", {{"ports", (*media)->ports()}}}};
    if (demo) info["demoApp"] = {{"sdkAppId", demo->sdkAppId}};
    if (metricsServer) info["metrics"] = {{"port", metricsServer->port()}};
    if (auto st = writeFileAtomically(ready, info.dump() + "\n", 0644); !st.ok()) return fail(st.error());
  }
  if (metricsServer)
    base::log::info("metrics listening on {}:{} ({})", options->metricsServer.address, metricsServer->port(),
                    options->metricsServer.tls ? "https" : "http");
  // Store open, listeners accepting, media workers running: from here /readyz answers 200.
  readiness.ready = true;
  loop.run();
  apiPool.stop();  // a running API action finishes; none starts
  if (sharedSessions) sharedSessions->stop();  // queued saves finish first: a restart resumes them
  (*media)->stop();
  purge.stop();
  settingsPoller.stop();
  // What the last requests wrote goes out before the dispatcher stops (one more attempt).
  writer.stop();
  callbacks.stop();
  base::log::info("stopped");
  return 0;
}

}  // namespace
}  // namespace atrium::app

int main(int argc, char** argv) {
  CLI::App cli{"atriumd: the Atrium real-time audio/video server (signaling, rooms, tickets).\n"
               "Every setting can come from the TOML file (--config), the environment (ATRIUM_<SECTION>_<KEY>)\n"
               "or a flag (--section.key=value); later sources win."};
  atrium::app::FlagValues flags;
  atrium::app::addSettingFlags(cli, flags);
  cli.set_version_flag("--version", "atriumd 0.1.0");
  bool checkOnly = false;
  cli.add_flag("--check-config", checkOnly,
               "check the settings (file, environment, flags) and exit: 0 when atriumd accepts them, 2 with the reason");
  CLI11_PARSE(cli, argc, argv);
  auto settings = atrium::app::resolveSettings(flags);
  if (!settings.ok()) {
    std::fprintf(stderr, "atriumd: %s\n", settings.error().message.c_str());
    return 2;
  }
  if (checkOnly) {
    auto options = atrium::app::readDaemonOptions(*settings);
    if (!options.ok()) {
      std::fprintf(stderr, "atriumd: %s\n", options.error().message.c_str());
      return 2;
    }
    std::printf("atriumd: configuration ok\n");
    return 0;
  }
  return atrium::app::run(*settings);
}
