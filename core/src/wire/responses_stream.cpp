// The streamed Responses event sequence for clients of POST /responses:
//   response.created, response.in_progress, then per output item: response.output_item.added,
//   its parts (response.content_part.added / response.reasoning_summary_part.added), deltas
//   (response.output_text.delta, response.refusal.delta, response.reasoning_summary_text.delta,
//   response.function_call_arguments.delta), their .done events and response.output_item.done;
//   finally response.completed or response.incomplete (usage with cost), or response.failed
//   after a failure once bytes were sent. Every event has an `event:` line and a
//   sequence_number; there is no [DONE].
// Deltas are written straight from the upstream's escaped text; item snapshots (the .done events
// and the final response) are built with the helpers the buffered rendering uses, so both give
// the same items.
#include <string>

#include "wire/internal.h"
#include "wire/responses_internal.h"

namespace switchyard::wire {
namespace {

constexpr int kReasoning = 1, kMessage = 2, kFunctionCall = 3;

}  // namespace

struct ResponsesStream::Item {
  int kind = 0;
  int output_index = 0;
  std::string id;
  bool done = false;
  // Reasoning: summary text; signature / encrypted content with their format.
  bool summary_part = false;
  std::string text_raw;  // reasoning summary, or the message's output_text
  std::string signature_raw, encrypted_raw, format;
  // Message: parts in order (kind 1 output_text, 2 refusal).
  std::vector<int> parts;
  std::string refusal_raw;
  // Function call.
  std::string call_id_raw, name_raw, args_raw;
  Json snapshot;  // the finished item

  int PartIndex(int part_kind) const {
    for (size_t i = 0; i < parts.size(); ++i) {
      if (parts[i] == part_kind) return static_cast<int>(i);
    }
    return -1;
  }
};

ResponsesStream::ResponsesStream(const AttemptContext& ctx, StreamSummary* summary,
                                 std::string* out)
    : ctx_(ctx), summary_(summary), out_(out) {
  lite_.generation_id = ctx.generation_id;
  lite_.model_id = ctx.model_id;
  lite_.provider_name = ctx.provider_name;
  lite_.created = ctx.created;
  lite_.echo = ctx.responses_echo;
}

ResponsesStream::~ResponsesStream() = default;

void ResponsesStream::Emit(std::string_view type, Json data) {
  data["type"] = std::string(type);
  data["sequence_number"] = seq_++;
  out_->append("event: ");
  out_->append(type);
  out_->append("\ndata: ");
  out_->append(Dump(data));
  out_->append("\n\n");
  ++summary_->client_events;
}

void ResponsesStream::Delta(std::string_view type, const Item& item, std::string_view raw,
                            std::string_view extra) {
  out_->append("event: ");
  out_->append(type);
  out_->append("\ndata: {\"type\":\"");
  out_->append(type);
  out_->append("\",\"sequence_number\":");
  AppendInt(*out_, seq_++);
  out_->append(",\"item_id\":\"");
  out_->append(item.id);  // ids are generated from the generation id: plain text
  out_->append("\",\"output_index\":");
  AppendInt(*out_, item.output_index);
  out_->append(extra);
  out_->append(",\"delta\":\"");
  AppendRawUtf8(*out_, raw);
  out_->append("\"}\n\n");
  ++summary_->client_events;
}

void ResponsesStream::Begin() {
  if (begun_) return;
  begun_ = true;
  Json response = ResponsesEnvelope(lite_, "in_progress", "", Json::array(), Json(), Json());
  Emit("response.created", Json{{"response", response}});
  Emit("response.in_progress", Json{{"response", std::move(response)}});
}

ResponsesStream::Item& ResponsesStream::Open(int kind) {
  Begin();
  if (kind != kFunctionCall) {
    CloseCurrent();
    // Calls still open end before a new reasoning / message item starts.
    for (int i : tool_items_) {
      if (i >= 0 && !items_[i]->done) CloseItem(*items_[i]);
    }
  } else if (current_ >= 0) {
    CloseCurrent();
  }
  auto item = std::make_unique<Item>();
  item->kind = kind;
  item->output_index = static_cast<int>(items_.size());
  items_.push_back(std::move(item));
  Item& it = *items_.back();
  int messages = 0;
  for (const auto& i : items_) messages += i->kind == kMessage ? 1 : 0;
  if (kind == kReasoning) {
    it.id = ResponsesItemId("rs", ctx_.generation_id, reasoning_count_++);
    current_ = it.output_index;
    Emit("response.output_item.added",
         Json{{"output_index", it.output_index},
              {"item", {{"id", it.id}, {"type", "reasoning"}, {"summary", Json::array()}}}});
  } else if (kind == kMessage) {
    it.id = ResponsesItemId("msg", ctx_.generation_id, messages > 1 ? messages - 1 : -1);
    current_ = it.output_index;
    Emit("response.output_item.added",
         Json{{"output_index", it.output_index},
              {"item",
               {{"id", it.id},
                {"type", "message"},
                {"status", "in_progress"},
                {"role", "assistant"},
                {"content", Json::array()}}}});
  }
  return it;
}

void ResponsesStream::CloseCurrent() {
  if (current_ < 0) return;
  Item& item = *items_[current_];
  current_ = -1;
  if (!item.done) CloseItem(item);
}

void ResponsesStream::CloseItem(Item& item) {
  item.done = true;
  const std::string& id = item.id;
  Json base = {{"item_id", id}, {"output_index", item.output_index}};
  Json snapshot;
  if (item.kind == kReasoning) {
    std::string text = Unescape(item.text_raw);
    if (item.summary_part) {
      Json e = base;
      e["summary_index"] = 0;
      e["text"] = text;
      Emit("response.reasoning_summary_text.done", e);
      e.erase("text");
      e["part"] = {{"type", "summary_text"}, {"text", text}};
      Emit("response.reasoning_summary_part.done", std::move(e));
    }
    int index = 0;
    for (const auto& i : items_) {
      if (i.get() == &item) break;
      index += i->kind == kReasoning ? 1 : 0;
    }
    snapshot = ResponsesReasoningItem(ctx_.generation_id, index, text, Unescape(item.signature_raw),
                                      Unescape(item.encrypted_raw), item.format);
    snapshot["id"] = id;
  } else if (item.kind == kMessage) {
    Json content = Json::array();
    for (size_t p = 0; p < item.parts.size(); ++p) {
      Json e = base;
      e["content_index"] = static_cast<int64_t>(p);
      Json part;
      if (item.parts[p] == 1) {
        std::string text = Unescape(item.text_raw);
        e["text"] = text;
        e["logprobs"] = Json::array();
        Emit("response.output_text.done", e);
        e.erase("text");
        e.erase("logprobs");
        part = {{"type", "output_text"}, {"text", text}, {"annotations", Json::array()}};
      } else {
        std::string refusal = Unescape(item.refusal_raw);
        e["refusal"] = refusal;
        Emit("response.refusal.done", e);
        e.erase("refusal");
        part = {{"type", "refusal"}, {"refusal", refusal}};
      }
      e["part"] = part;
      Emit("response.content_part.done", std::move(e));
      content.push_back(std::move(part));
    }
    std::string_view reason = ResponsesIncompleteReason(summary_->finish_reason);
    snapshot = {{"id", id},
                {"type", "message"},
                {"status", reason.empty() ? "completed" : "incomplete"},
                {"role", "assistant"},
                {"content", std::move(content)}};
  } else {
    std::string args = Unescape(item.args_raw);
    Json e = base;
    e["name"] = Unescape(item.name_raw);
    e["arguments"] = args;
    Emit("response.function_call_arguments.done", std::move(e));
    int index = 0;
    for (const auto& i : items_) {
      if (i.get() == &item) break;
      index += i->kind == kFunctionCall ? 1 : 0;
    }
    snapshot = ResponsesFunctionCallItem(ctx_.generation_id, index, Unescape(item.call_id_raw),
                                         Unescape(item.name_raw), args);
    snapshot["id"] = id;
  }
  item.snapshot = snapshot;
  Emit("response.output_item.done",
       Json{{"output_index", item.output_index}, {"item", std::move(snapshot)}});
}

// The open message item (opened when needed) with its part of `part_kind` (1 text, 2 refusal).
static int EnsurePart(std::vector<int>& parts, int part_kind) {
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == part_kind) return static_cast<int>(i);
  }
  parts.push_back(part_kind);
  return static_cast<int>(parts.size()) - 1;
}

void ResponsesStream::Content(std::string_view raw) {
  Item* item = current_ >= 0 ? items_[current_].get() : nullptr;
  if (!item || item->kind != kMessage) item = &Open(kMessage);
  int before = static_cast<int>(item->parts.size());
  int p = EnsurePart(item->parts, 1);
  std::string extra = ",\"content_index\":" + std::to_string(p);
  if (p >= before) {
    Emit("response.content_part.added",
         Json{{"item_id", item->id},
              {"output_index", item->output_index},
              {"content_index", p},
              {"part", {{"type", "output_text"}, {"text", ""}, {"annotations", Json::array()}}}});
  }
  item->text_raw.append(raw);
  Delta("response.output_text.delta", *item, raw, extra + ",\"logprobs\":[]");
}

void ResponsesStream::Refusal(std::string_view raw) {
  Item* item = current_ >= 0 ? items_[current_].get() : nullptr;
  if (!item || item->kind != kMessage) item = &Open(kMessage);
  int before = static_cast<int>(item->parts.size());
  int p = EnsurePart(item->parts, 2);
  if (p >= before) {
    Emit("response.content_part.added",
         Json{{"item_id", item->id},
              {"output_index", item->output_index},
              {"content_index", p},
              {"part", {{"type", "refusal"}, {"refusal", ""}}}});
  }
  item->refusal_raw.append(raw);
  Delta("response.refusal.delta", *item, raw, ",\"content_index\":" + std::to_string(p));
}

void ResponsesStream::Reasoning(std::string_view raw) {
  Item* item = current_ >= 0 ? items_[current_].get() : nullptr;
  // Reasoning after a signature belongs to the next thinking block: a new item.
  if (!item || item->kind != kReasoning || !item->signature_raw.empty() ||
      !item->encrypted_raw.empty()) {
    item = &Open(kReasoning);
  }
  if (!item->summary_part) {
    item->summary_part = true;
    Emit("response.reasoning_summary_part.added",
         Json{{"item_id", item->id},
              {"output_index", item->output_index},
              {"summary_index", 0},
              {"part", {{"type", "summary_text"}, {"text", ""}}}});
  }
  item->text_raw.append(raw);
  Delta("response.reasoning_summary_text.delta", *item, raw, ",\"summary_index\":0");
}

void ResponsesStream::ReasoningSignature(std::string_view raw, std::string_view format) {
  Item* item = current_ >= 0 ? items_[current_].get() : nullptr;
  if (!item || item->kind != kReasoning || !item->signature_raw.empty()) item = &Open(kReasoning);
  item->signature_raw.append(raw);
  if (item->format.empty()) item->format = std::string(format);
}

void ResponsesStream::ReasoningEncrypted(std::string_view raw, std::string_view format) {
  Item* item = current_ >= 0 ? items_[current_].get() : nullptr;
  if (!item || item->kind != kReasoning || !item->encrypted_raw.empty() ||
      !item->signature_raw.empty()) {
    item = &Open(kReasoning);
  }
  item->encrypted_raw.append(raw);
  if (item->format.empty()) item->format = std::string(format);
  CloseCurrent();  // encrypted reasoning comes whole
}

void ResponsesStream::ToolCallStart(int index, std::string_view raw_id, std::string_view raw_name,
                                    std::string_view raw_args) {
  if (index < 0 || index > 1024) return;
  if (static_cast<size_t>(index) < tool_items_.size() && tool_items_[index] >= 0) {
    // A second start for the same call: its arguments continue.
    ToolCallArgs(index, raw_args);
    return;
  }
  Item& item = Open(kFunctionCall);
  int calls = 0;
  for (const auto& i : items_) calls += i->kind == kFunctionCall ? 1 : 0;
  item.id = ResponsesItemId("fc", ctx_.generation_id, calls - 1);
  item.call_id_raw = std::string(raw_id);
  item.name_raw = std::string(raw_name);
  if (static_cast<size_t>(index) >= tool_items_.size()) tool_items_.resize(index + 1, -1);
  tool_items_[index] = item.output_index;
  std::string call_id = Unescape(raw_id), name = Unescape(raw_name);
  Emit("response.output_item.added",
       Json{{"output_index", item.output_index},
            {"item",
             {{"id", item.id},
              {"type", "function_call"},
              {"status", "in_progress"},
              {"call_id", call_id},
              {"name", name},
              {"arguments", ""}}}});
  if (!raw_args.empty()) {
    item.args_raw.append(raw_args);
    Delta("response.function_call_arguments.delta", item, raw_args, "");
  }
}

void ResponsesStream::ToolCallArgs(int index, std::string_view raw_args) {
  if (index < 0 || static_cast<size_t>(index) >= tool_items_.size() || tool_items_[index] < 0)
    return;
  if (raw_args.empty()) return;
  Item& item = *items_[tool_items_[index]];
  if (item.done) return;  // a call already closed by a later item: nothing more can be added
  item.args_raw.append(raw_args);
  Delta("response.function_call_arguments.delta", item, raw_args, "");
}

Json ResponsesStream::Output() const {
  Json output = Json::array();
  for (const auto& i : items_) {
    if (i->done) output.push_back(i->snapshot);
  }
  return output;
}

Json ResponsesStream::Usage(const Json* cost) const {
  Json usage = ResponsesUsage(RenderUsage(summary_->usage));
  if (cost) MergeResponsesCost(usage, *cost);
  return usage;
}

void ResponsesStream::Close(const Json* cost) {
  Begin();
  if (items_.empty()) {
    // An empty answer still gets its (empty) message, as the buffered response has.
    Item& item = Open(kMessage);
    item.parts.push_back(1);
    Emit("response.content_part.added",
         Json{{"item_id", item.id},
              {"output_index", item.output_index},
              {"content_index", 0},
              {"part", {{"type", "output_text"}, {"text", ""}, {"annotations", Json::array()}}}});
  }
  CloseCurrent();
  for (auto& i : items_) {
    if (!i->done) CloseItem(*i);
  }
  std::string_view reason = ResponsesIncompleteReason(summary_->finish_reason);
  Json response = ResponsesEnvelope(lite_, reason.empty() ? "completed" : "incomplete", reason,
                                    Output(), Usage(cost), Json());
  Emit(reason.empty() ? "response.completed" : "response.incomplete",
       Json{{"response", std::move(response)}});
}

void ResponsesStream::Error(const Failure& f) {
  Begin();
  Json error = {{"code", f.error_type == "rate_limit_exceeded" ? "rate_limit_exceeded" : "server_error"},
                {"message", f.message}};
  Json response = ResponsesEnvelope(lite_, "failed", "", Output(), Usage(nullptr), std::move(error));
  Emit("response.failed", Json{{"response", std::move(response)}});
}

}  // namespace switchyard::wire
