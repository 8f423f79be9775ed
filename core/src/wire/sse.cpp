#include "switchyard/wire/sse.h"

#include <cstring>

namespace switchyard {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Finds the first CR or LF at or after `from`, or npos.
size_t FindLineEnd(std::string_view s, size_t from) {
  const char* begin = s.data() + from;
  size_t n = s.size() - from;
  // memchr is vectorised; streams mostly end lines in LF, so look for that first and then for
  // an earlier CR only in the part before it.
  const void* lf = std::memchr(begin, '\n', n);
  size_t limit = lf ? static_cast<size_t>(static_cast<const char*>(lf) - begin) : n;
  const void* cr = std::memchr(begin, '\r', limit);
  if (cr) return from + static_cast<size_t>(static_cast<const char*>(cr) - begin);
  if (lf) return from + limit;
  return std::string_view::npos;
}

}  // namespace

size_t SseParser::FeedImpl(std::string_view bytes, Callback cb, void* ctx) {
  if (overflow_) return 0;
  bytes_fed_ += static_cast<int64_t>(bytes.size());
  size_t dispatched = 0;
  if (!started_) {
    // The BOM may itself arrive split; hold its bytes until it is complete or ruled out.
    size_t i = 0;
    while (i < bytes.size() && !started_) {
      bom_.push_back(bytes[i++]);
      if (bom_ == kBom) {
        started_ = true;
        bom_.clear();
      } else if (kBom.substr(0, bom_.size()) != bom_) {
        started_ = true;
        std::string held;
        held.swap(bom_);
        bytes_fed_ -= static_cast<int64_t>(held.size());
        dispatched += FeedImpl(held, cb, ctx);
      }
    }
    bytes = bytes.substr(i);
    if (!started_) return dispatched;
  }
  size_t i = 0;
  while (i < bytes.size()) {
    if (pending_cr_) {
      pending_cr_ = false;
      if (bytes[i] == '\n') {
        ++i;
        continue;
      }
    }
    size_t j = FindLineEnd(bytes, i);
    if (j == std::string_view::npos) {
      if (line_.size() + (bytes.size() - i) > limits_.max_event_bytes) {
        overflow_ = true;
        line_.clear();
        data_.clear();
        return dispatched;
      }
      line_.append(bytes.data() + i, bytes.size() - i);
      break;
    }
    std::string_view piece = bytes.substr(i, j - i);
    bool done;
    if (line_.empty()) {
      done = Line(piece, cb, ctx);
    } else {
      if (line_.size() + piece.size() > limits_.max_event_bytes) {
        overflow_ = true;
        line_.clear();
        data_.clear();
        return dispatched;
      }
      line_.append(piece);
      done = Line(line_, cb, ctx);
      line_.clear();
    }
    if (overflow_) return dispatched;
    if (done) ++dispatched;
    if (bytes[j] == '\r') {
      if (j + 1 < bytes.size()) {
        if (bytes[j + 1] == '\n') ++j;
      } else {
        pending_cr_ = true;
      }
    }
    i = j + 1;
  }
  return dispatched;
}

size_t SseParser::FinishImpl(Callback cb, void* ctx) {
  size_t dispatched = 0;
  if (!overflow_) {
    if (!started_ && !bom_.empty()) {
      // A stream shorter than a BOM that started like one: those bytes are content.
      started_ = true;
      std::string held;
      held.swap(bom_);
      dispatched += FeedImpl(held, cb, ctx);
    }
    if (!line_.empty()) {
      std::string last;
      last.swap(line_);
      if (Line(last, cb, ctx)) ++dispatched;
    }
    if (!overflow_ && Dispatch(cb, ctx)) ++dispatched;
  }
  line_.clear();
  data_.clear();
  event_.clear();
  id_.clear();
  retry_.reset();
  bom_.clear();
  started_ = false;
  pending_cr_ = false;
  return dispatched;
}

bool SseParser::Line(std::string_view line, Callback cb, void* ctx) {
  if (line.empty()) return Dispatch(cb, ctx);
  if (line[0] == ':') {
    ++comments_;
    return false;
  }
  std::string_view field = line, value;
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (data_.size() + value.size() + 1 > limits_.max_event_bytes) {
      overflow_ = true;
      data_.clear();
      return false;
    }
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "event") {
    event_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) id_.assign(value);
  } else if (field == "retry") {
    if (!value.empty() && value.size() <= 15 &&
        value.find_first_not_of("0123456789") == std::string_view::npos) {
      int64_t ms = 0;
      for (char c : value) ms = ms * 10 + (c - '0');
      retry_ = ms;
    }
  }
  return false;
}

bool SseParser::Dispatch(Callback cb, void* ctx) {
  if (data_.empty()) {
    event_.clear();
    retry_.reset();
    return false;
  }
  SseEvent event;
  event.event = event_;
  event.data = std::string_view(data_.data(), data_.size() - 1);  // drop the last '\n'
  event.id = id_;
  event.retry = retry_;
  cb(ctx, event);
  data_.clear();
  event_.clear();
  retry_.reset();
  return true;
}

void AppendSseData(std::string& out, std::string_view data) {
  out.append("data: ");
  out.append(data);
  out.append("\n\n");
}

void AppendSseEvent(std::string& out, std::string_view event, std::string_view data) {
  out.append("event: ");
  out.append(event);
  out.append("\ndata: ");
  out.append(data);
  out.append("\n\n");
}

}  // namespace switchyard
