// sse.h: an incremental Server-Sent Events parser and the few writer helpers the translators use.
//
// The parser follows the WHATWG "event stream interpretation" rules and gives the same events for
// any split of the byte stream: lines end in CRLF, LF or CR (a CR at the end of one Feed and an LF
// at the start of the next are one line end), a UTF-8 BOM at the very start is skipped, `:`
// comments are ignored (counted), several `data:` lines join with "\n", `event:`, `id:` (ignored
// when it contains NUL) and `retry:` (digits only) are kept, one space after the colon is dropped.
// Unlike a browser's EventSource, Finish() also dispatches an event whose last line had no
// trailing newline or blank line, because providers do end streams that way.
//
// Ownership and cost: the parser owns its buffers and reuses them; an event handed to the
// callback is a view into those buffers, valid only during the call. Feeding bytes allocates
// nothing once the buffers have grown to the largest event.
//
// Thread-safety: one parser per stream; no shared state.
//
// Example:
//   SseParser parser;
//   parser.Feed(bytes, [&](const SseEvent& e) { Handle(e.event, e.data); });
//   parser.Finish([&](const SseEvent& e) { Handle(e.event, e.data); });
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace switchyard {

struct SseEvent {
  std::string_view event;        // the `event:` name, empty when none was given ("message")
  std::string_view data;         // the joined `data:` lines, without the final newline
  std::string_view id;           // the last event id seen so far on this stream
  std::optional<int64_t> retry;  // `retry:` milliseconds given in this event, if any
};

class SseParser {
 public:
  struct Limits {
    size_t max_event_bytes = 16u << 20;  // one line or one event's data; beyond it: overflow()
  };

  SseParser() = default;
  explicit SseParser(Limits limits) : limits_(limits) {}

  // Parses `bytes` and calls `on_event(const SseEvent&)` for every complete event. Returns the
  // number of events dispatched. After an overflow the parser ignores further input.
  template <typename F>
  size_t Feed(std::string_view bytes, F&& on_event) {
    return FeedImpl(bytes, &Thunk<F>, &on_event);
  }
  // End of stream: a pending line without a newline is processed and a pending event is
  // dispatched. The parser is then reset (a new stream may follow).
  template <typename F>
  size_t Finish(F&& on_event) {
    return FinishImpl(&Thunk<F>, &on_event);
  }

  int64_t comments() const { return comments_; }  // `:` lines seen (keep-alives)
  bool overflow() const { return overflow_; }     // a line or event exceeded the limit
  int64_t bytes_fed() const { return bytes_fed_; }

 private:
  using Callback = void (*)(void* ctx, const SseEvent& event);
  template <typename F>
  static void Thunk(void* ctx, const SseEvent& event) {
    (*static_cast<std::remove_reference_t<F>*>(ctx))(event);
  }
  size_t FeedImpl(std::string_view bytes, Callback cb, void* ctx);
  size_t FinishImpl(Callback cb, void* ctx);
  // Processes one complete line (without its terminator); returns true when it dispatched.
  bool Line(std::string_view line, Callback cb, void* ctx);
  bool Dispatch(Callback cb, void* ctx);

  Limits limits_;
  std::string line_;   // a line split across Feed calls
  std::string data_;   // data lines of the current event, each followed by '\n'
  std::string event_;  // event name of the current event
  std::string id_;     // last event id (persists across events, as the spec says)
  std::optional<int64_t> retry_;
  bool started_ = false;     // past the (optional) BOM
  bool pending_cr_ = false;  // the previous byte was a CR: a following LF is part of it
  bool overflow_ = false;
  int64_t comments_ = 0;
  int64_t bytes_fed_ = 0;
  std::string bom_;  // BOM bytes seen so far at stream start (split BOMs)
};

// Writer helpers. `data` must not contain a newline (JSON text from Dump never does); each
// call appends one complete event ending in a blank line.
void AppendSseData(std::string& out, std::string_view data);  // "data: X\n\n"
void AppendSseEvent(std::string& out, std::string_view event, std::string_view data);
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

}  // namespace switchyard
