// CloseCodeGuard: a pass-through stream under beast::websocket::stream that makes an invalid
// close code fail the connection with 1002, as RFC 6455 §7.4 wants (issue 15).
//
// Beast already fails the connection with 1002 for codes below 1000, the reserved 1004-1006 and
// 1015, and 1016-2999. It accepts 3000-65535 though, and echoes the peer's code in its closing
// frame — so a peer that sends 65535 gets 65535 back. RFC 6455 defines codes only up to 4999.
// Beast gives us no way to change the echo (sending a close frame from the control callback is
// undefined behaviour), but the echo is always the next close frame written after the control
// callback saw the peer's: the session calls expectInvalidClose() there, and this layer swaps
// that frame, `88 02 <code>` (server frames are unmasked, no reason), for `88 02 03 EA` (1002).
// Included only by web_server.cc (it drags in Beast).
#pragma once

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <cstdint>
#include <utility>

namespace atrium::web {

// RFC 6455 §7.4: 1000-1003, 1007-1014 are defined; 1004-1006 and 1015 must not be sent; 3000-4999
// are for libraries and applications; everything else is invalid on the wire.
constexpr bool isValidWireCloseCode(uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  if (code < 1000 || code > 1014) return false;
  return code != 1004 && code != 1005 && code != 1006;
}

template <typename Next>
class CloseCodeGuard {
 public:
  using next_layer_type = Next;
  using executor_type = typename Next::executor_type;

  explicit CloseCodeGuard(Next&& next) : next_(std::move(next)) {}

  Next& next_layer() { return next_; }
  const Next& next_layer() const { return next_; }
  executor_type get_executor() { return next_.get_executor(); }

  // The peer's close frame carried an invalid code: the next close frame we write says 1002.
  void expectInvalidClose() { rewriteClose_ = true; }

  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    next_.async_read_some(buffers, std::forward<Handler>(handler));
  }

  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (rewriteClose_ && boost::asio::buffer_size(buffers) == kFrame.size()) {
      std::array<uint8_t, 4> head{};
      boost::asio::buffer_copy(boost::asio::buffer(head), buffers);
      if (head[0] == 0x88 && head[1] == 0x02) {
        rewriteClose_ = false;
        return next_.async_write_some(boost::asio::buffer(kFrame), std::forward<Handler>(handler));
      }
    }
    next_.async_write_some(buffers, std::forward<Handler>(handler));
  }

 private:
  static constexpr std::array<uint8_t, 4> kFrame{0x88, 0x02, 0x03, 0xEA};  // FIN|close, 2 bytes, 1002
  Next next_;
  bool rewriteClose_ = false;
};

// Closing the guarded stream closes what it wraps (TLS close_notify, then TCP).
template <typename Next, typename Handler>
void async_teardown(boost::beast::role_type role, CloseCodeGuard<Next>& stream, Handler&& handler) {
  using boost::beast::websocket::async_teardown;
  async_teardown(role, stream.next_layer(), std::forward<Handler>(handler));
}

template <typename Next>
void teardown(boost::beast::role_type role, CloseCodeGuard<Next>& stream, boost::beast::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

}  // namespace atrium::web
