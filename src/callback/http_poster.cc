#include "callback/http_poster.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>

namespace atrium::callback {
namespace {

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
class HeaderList {
 public:
  HeaderList() = default;
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  ~HeaderList() { curl_slist_free_all(head_); }
  bool append(const std::string& line) {
    curl_slist* grown = curl_slist_append(head_, line.c_str());
    if (grown == nullptr) return false;  // the old list is still intact and still ours
    head_ = grown;
    return true;
  }
  curl_slist* get() const { return head_; }

 private:
  curl_slist* head_ = nullptr;
};

// One handle per thread: curl_easy_reset clears options but keeps the connection, DNS and TLS
// session caches, which is the point of reusing it. A handle must never be used by two threads.
CURL* threadHandle() {
  thread_local std::unique_ptr<CURL, EasyDeleter> handle;
  if (handle) {
    curl_easy_reset(handle.get());
  } else {
    handle.reset(curl_easy_init());
  }
  return handle.get();
}

struct Transfer {
  size_t received = 0;
  bool capped = false;
  const std::atomic<uint64_t>* generation = nullptr;
  uint64_t startGeneration = 0;
};

// Receivers should answer with a tiny body (spec: < 2000 bytes); we only need the status, so the
// body is dropped and a receiver streaming without end is cut off instead of pinning the worker.
size_t discardBody(char*, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  transfer->received += size * count;
  if (transfer->received > CurlPoster::kMaxResponseBytes) {
    transfer->capped = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  return size * count;
}

// libcurl calls this at least about once a second, also while connecting: our chance to honour
// interrupt() without waiting for the timeout.
int checkInterrupt(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  return transfer->generation->load() != transfer->startGeneration ? 1 : 0;
}

bool allOk(std::initializer_list<CURLcode> codes) {
  return std::all_of(codes.begin(), codes.end(), [](CURLcode c) { return c == CURLE_OK; });
}

}  // namespace

CurlPoster::CurlPoster(CurlPosterOptions options) : options_(std::move(options)) {
  // curl_global_init is not guaranteed thread-safe on every build; do it once, up front.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

PostResult CurlPoster::post(const std::string& url, const Headers& headers,
                            const std::string& body, int64_t timeoutMs) {
  Transfer transfer;
  transfer.generation = &interruptGeneration_;
  transfer.startGeneration = interruptGeneration_.load();

  CURL* h = threadHandle();
  if (h == nullptr) return {0, "curl_easy_init failed"};

  HeaderList list;
  for (const auto& [name, value] : headers) {
    if (!list.append(name + ": " + value)) return {0, "out of memory"};
  }
  // libcurl would otherwise send "Expect: 100-continue" for larger bodies and wait for an answer
  // many simple receivers never give.
  if (!list.append("Expect:")) return {0, "out of memory"};

  // 0 means "no timeout" to libcurl; a callback must always be bounded.
  const long timeout = static_cast<long>(std::max<int64_t>(timeoutMs, 1));
  bool ok = allOk({
      curl_easy_setopt(h, CURLOPT_URL, url.c_str()),
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85: the string form replaces the deprecated bitmask
      curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"),
      curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
#else
      curl_easy_setopt(h, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS)),
      curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS)),
#endif
      curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L),
      curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L),  // no SIGALRM tricks: we run on worker threads
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L),
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L),
      curl_easy_setopt(h, CURLOPT_PROXY, options_.proxy.c_str()),
      curl_easy_setopt(h, CURLOPT_USERAGENT, options_.userAgent.c_str()),
      curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout),
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout),
      curl_easy_setopt(h, CURLOPT_POST, 1L),
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size())),
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data()),
      curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get()),
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discardBody),
      curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer),
      curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L),
      curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, checkInterrupt),
      curl_easy_setopt(h, CURLOPT_XFERINFODATA, &transfer),
  });
  if (ok && !options_.caFile.empty()) {
    ok = curl_easy_setopt(h, CURLOPT_CAINFO, options_.caFile.c_str()) == CURLE_OK;
  }
  if (!ok) return {0, "curl option rejected"};

  CURLcode code = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  // The handle outlives this call; do not leave it pointing at our stack and header list.
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);

  if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && transfer.capped && status > 0)) {
    return {static_cast<int>(status), {}};
  }
  if (code == CURLE_ABORTED_BY_CALLBACK) return {0, "interrupted"};
  // curl_easy_strerror, not the error buffer: the generic text never contains the URL.
  return {0, curl_easy_strerror(code)};
}

std::string urlOriginForLog(std::string_view url) {
  size_t schemeEnd = url.find("://");
  if (schemeEnd == std::string_view::npos || schemeEnd == 0) return "(unparsable URL)";
  std::string_view rest = url.substr(schemeEnd + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string out(url.substr(0, schemeEnd));
  out += "://";
  out += authority;
  return out;
}

}  // namespace atrium::callback
