// Anthropic Messages: request building, buffered and streamed response translation, and the
// Anthropic-in direction (AnthropicToChat, ChatCompletionToAnthropic). Mapping rules are listed
// in switchyard/wire/anthropic.h.
#include "switchyard/wire/anthropic.h"

#include <algorithm>
#include <cmath>

#include "wire/internal.h"

namespace switchyard {
namespace wire {
namespace {

constexpr std::string_view kThinkingFormat = "anthropic-claude-v1";

Status BadField(std::string message, std::string field) {
  return Status::InvalidArgument(std::move(message), field);
}

// A chat image_url part → an Anthropic image block (URL or base64 source).
Json ImageBlock(const Json& part) {
  std::string url;
  if (const Json* iu = Find(part, "image_url")) {
    if (iu->is_string())
      url = iu->get<std::string>();
    else if (auto u = FindString(*iu, "url"))
      url = std::string(*u);
  }
  if (url.empty()) return nullptr;
  std::string media_type, data;
  Json block = {{"type", "image"}};
  if (ParseDataUrl(url, &media_type, &data)) {
    block["source"] = {{"type", "base64"}, {"media_type", media_type}, {"data", data}};
  } else {
    block["source"] = {{"type", "url"}, {"url", url}};
  }
  return block;
}

// A chat file part with a data: URL (PDF) → an Anthropic document block.
Json DocumentBlock(const Json& part) {
  const Json* file = FindObject(part, "file");
  if (!file) return nullptr;
  auto data_url = FindString(*file, "file_data");
  std::string media_type, data;
  if (!data_url || !ParseDataUrl(*data_url, &media_type, &data)) return nullptr;
  Json block = {{"type", "document"},
                {"source", {{"type", "base64"}, {"media_type", media_type}, {"data", data}}}};
  if (auto name = FindString(*file, "filename")) block["title"] = std::string(*name);
  return block;
}

void CopyCacheControl(const Json& from, Json& to) {
  if (const Json* cc = FindObject(from, "cache_control")) to["cache_control"] = *cc;
}

// Chat content parts → Anthropic blocks (text, image, document); unsupported parts are skipped.
Json PartsToBlocks(const Json& parts) {
  Json blocks = Json::array();
  for (const Json& part : parts) {
    auto type = FindString(part, "type");
    if (!type) continue;
    Json block;
    if (*type == "text" || *type == "input_text") {
      auto text = FindString(part, "text");
      if (!text || text->empty()) continue;
      block = {{"type", "text"}, {"text", std::string(*text)}};
    } else if (*type == "image_url") {
      block = ImageBlock(part);
    } else if (*type == "file") {
      block = DocumentBlock(part);
    }
    if (block.is_null()) continue;
    CopyCacheControl(part, block);
    blocks.push_back(std::move(block));
  }
  return blocks;
}

// reasoning_details of an assistant message → thinking / redacted_thinking blocks. Entries with
// the same index (stream fragments) are merged; thinking without a signature is left out because
// the API rejects it.
void ReasoningDetailsToBlocks(const Json& message, Json& blocks) {
  const Json* details = FindArray(message, "reasoning_details");
  if (!details) return;
  struct Entry {
    int64_t index;
    std::string text, signature, data;
    bool redacted;
  };
  std::vector<Entry> entries;
  for (const Json& d : *details) {
    auto format = FindString(d, "format");
    if (format && format->substr(0, 9) != "anthropic") continue;
    auto type = FindString(d, "type");
    if (!type) continue;
    int64_t index = FindInt(d, "index").value_or(static_cast<int64_t>(entries.size()));
    Entry* e = nullptr;
    for (Entry& x : entries) {
      if (x.index == index) e = &x;
    }
    if (!e) {
      entries.push_back(Entry{index, "", "", "", false});
      e = &entries.back();
    }
    if (*type == "reasoning.text") {
      if (auto t = FindString(d, "text")) e->text.append(*t);
      if (auto s = FindString(d, "signature")) e->signature.append(*s);
    } else if (*type == "reasoning.encrypted") {
      e->redacted = true;
      if (auto data = FindString(d, "data")) e->data.append(*data);
    }
  }
  for (const Entry& e : entries) {
    if (e.redacted && !e.data.empty()) {
      blocks.push_back({{"type", "redacted_thinking"}, {"data", e.data}});
    } else if (!e.redacted && !e.signature.empty()) {
      blocks.push_back({{"type", "thinking"}, {"thinking", e.text}, {"signature", e.signature}});
    }
  }
}

Json ToolInput(const Json& call) {
  const Json* fn = FindObject(call, "function");
  if (!fn) return Json::object();
  auto args = FindString(*fn, "arguments");
  if (!args || args->empty()) return Json::object();
  Result<Json> parsed = ParseJson(*args, {}, "tool arguments");
  if (!parsed.ok() || !parsed->is_object()) return Json::object();
  return std::move(parsed).value();
}

bool IsForcedToolChoice(const Json* tc) {
  if (!tc) return false;
  if (tc->is_string()) return *tc == "required" || *tc == "any";
  return tc->is_object();
}

}  // namespace

Result<Json> BuildAnthropicBody(const AttemptSpec& spec) {
  const Json& req = *spec.request;
  const Endpoint& ep = *spec.endpoint;
  const Json* messages = FindArray(req, "messages");
  if (!messages || messages->empty()) {
    return BadField("messages must be a non-empty array", "messages");
  }
  Json out = Json::object();
  out["model"] = ep.upstream_model;

  // Messages, with system prompts hoisted and tool results grouped into user turns.
  std::vector<const Json*> systems;
  Json conv = Json::array();
  bool last_was_tool = false;
  for (size_t i = 0; i < messages->size(); ++i) {
    const Json& m = (*messages)[i];
    auto role = FindString(m, "role");
    std::string field = "messages[" + std::to_string(i) + "]";
    if (!role) return BadField(field + ".role is required", field + ".role");
    const Json* content = Find(m, "content");
    if (*role == "system" || *role == "developer") {
      if (content) systems.push_back(content);
      last_was_tool = false;
      continue;
    }
    if (*role == "tool") {
      Json result = {{"type", "tool_result"},
                     {"tool_use_id", std::string(FindString(m, "tool_call_id").value_or(""))}};
      if (content && content->is_string())
        result["content"] = *content;
      else if (content && content->is_array())
        result["content"] = PartsToBlocks(*content);
      else
        result["content"] = "";
      if (last_was_tool && !conv.empty()) {
        conv.back()["content"].push_back(std::move(result));
      } else {
        conv.push_back({{"role", "user"}, {"content", Json::array({std::move(result)})}});
      }
      last_was_tool = true;
      continue;
    }
    last_was_tool = false;
    if (*role == "user") {
      Json msg = {{"role", "user"}};
      if (content && content->is_string())
        msg["content"] = *content;
      else if (content && content->is_array())
        msg["content"] = PartsToBlocks(*content);
      else
        return BadField(field + ".content must be a string or an array", field + ".content");
      conv.push_back(std::move(msg));
    } else if (*role == "assistant") {
      Json blocks = Json::array();
      ReasoningDetailsToBlocks(m, blocks);
      bool only_text = blocks.empty();
      if (content && content->is_string()) {
        if (!content->get_ref<const std::string&>().empty()) {
          blocks.push_back({{"type", "text"}, {"text", *content}});
        }
      } else if (content && content->is_array()) {
        only_text = false;
        for (Json& b : PartsToBlocks(*content)) blocks.push_back(std::move(b));
      }
      if (const Json* calls = FindArray(m, "tool_calls")) {
        for (const Json& call : *calls) {
          const Json* fn = FindObject(call, "function");
          Json block = {{"type", "tool_use"},
                        {"id", std::string(FindString(call, "id").value_or(""))},
                        {"name", fn ? std::string(FindString(*fn, "name").value_or("")) : ""},
                        {"input", ToolInput(call)}};
          blocks.push_back(std::move(block));
          only_text = false;
        }
      }
      Json msg = {{"role", "assistant"}};
      if (only_text && content && content->is_string())
        msg["content"] = *content;
      else
        msg["content"] = std::move(blocks);
      conv.push_back(std::move(msg));
    } else {
      return BadField(field + ".role '" + std::string(*role) + "' is not supported",
                      field + ".role");
    }
  }
  if (!systems.empty()) {
    bool all_strings =
        std::all_of(systems.begin(), systems.end(), [](const Json* c) { return c->is_string(); });
    if (all_strings) {
      std::string joined;
      for (const Json* c : systems) {
        if (!joined.empty()) joined.append("\n\n");
        joined.append(c->get_ref<const std::string&>());
      }
      out["system"] = joined;
    } else {
      Json blocks = Json::array();
      for (const Json* c : systems) {
        if (c->is_string()) {
          if (!c->get_ref<const std::string&>().empty()) {
            blocks.push_back({{"type", "text"}, {"text", *c}});
          }
        } else if (c->is_array()) {
          for (const Json& part : *c) {
            auto text = FindString(part, "text");
            if (!text || text->empty()) continue;
            Json block = {{"type", "text"}, {"text", std::string(*text)}};
            CopyCacheControl(part, block);
            blocks.push_back(std::move(block));
          }
        }
      }
      out["system"] = std::move(blocks);
    }
  }
  out["messages"] = std::move(conv);

  // Completion cap and thinking.
  int64_t max_tokens = RequestMaxTokens(req).value_or(
      ep.max_completion_tokens > 0 ? std::min(ep.max_completion_tokens, kAnthropicDefaultMaxTokens)
                                   : kAnthropicDefaultMaxTokens);
  ReasoningRequest reasoning = ReadReasoning(req);
  const Json* tool_choice = Find(req, "tool_choice");
  const Json* tools = FindArray(req, "tools");
  bool tools_on = tools && !tools->empty() && EndpointSupports(ep, Param::kTools);
  bool thinking = reasoning.enabled && EndpointSupports(ep, Param::kReasoning) &&
                  !(tools_on && IsForcedToolChoice(tool_choice));
  if (thinking) {
    int64_t budget = reasoning.max_tokens
                         ? *reasoning.max_tokens
                         : static_cast<int64_t>(std::floor(static_cast<double>(max_tokens) *
                                                           EffortRatio(reasoning.effort)));
    budget = std::clamp(budget, kAnthropicMinThinkingBudget, kAnthropicMaxThinkingBudget);
    if (budget >= max_tokens) max_tokens = budget + max_tokens;
    if (ep.max_completion_tokens > 0 && max_tokens > ep.max_completion_tokens) {
      max_tokens = ep.max_completion_tokens;
      budget = std::min(budget, max_tokens - 1);
    }
    if (budget >= kAnthropicMinThinkingBudget) {
      out["thinking"] = {{"type", "enabled"}, {"budget_tokens", budget}};
    } else {
      thinking = false;
    }
  }
  out["max_tokens"] = max_tokens;

  // Sampling and stops.
  if (auto t = FindNumber(req, "temperature");
      t && !thinking && EndpointSupports(ep, Param::kTemperature)) {
    out["temperature"] = std::clamp(*t, 0.0, 1.0);
  }
  if (auto p = FindNumber(req, "top_p");
      p && EndpointSupports(ep, Param::kTopP) && (!thinking || *p >= 0.95)) {
    out["top_p"] = *p;
  }
  if (auto k = FindInt(req, "top_k"); k && !thinking && EndpointSupports(ep, Param::kTopK)) {
    out["top_k"] = *k;
  }
  if (const Json* stop = Find(req, "stop"); stop && EndpointSupports(ep, Param::kStop)) {
    Json seqs = Json::array();
    if (stop->is_string()) seqs.push_back(*stop);
    if (stop->is_array()) {
      for (const Json& s : *stop) {
        if (s.is_string()) seqs.push_back(s);
      }
    }
    if (!seqs.empty()) out["stop_sequences"] = std::move(seqs);
  }

  // Tools.
  if (tools_on) {
    Json list = Json::array();
    for (const Json& tool : *tools) {
      const Json* fn = FindObject(tool, "function");
      if (!fn) continue;
      auto name = FindString(*fn, "name");
      if (!name) continue;
      Json t = {{"name", std::string(*name)}};
      if (auto d = FindString(*fn, "description")) t["description"] = std::string(*d);
      const Json* params = FindObject(*fn, "parameters");
      t["input_schema"] =
          params ? *params : Json{{"type", "object"}, {"properties", Json::object()}};
      CopyCacheControl(tool, t);
      list.push_back(std::move(t));
    }
    out["tools"] = std::move(list);
    Json choice;
    if (tool_choice && EndpointSupports(ep, Param::kToolChoice)) {
      if (tool_choice->is_string()) {
        const std::string& s = tool_choice->get_ref<const std::string&>();
        if (s == "auto")
          choice = {{"type", "auto"}};
        else if (s == "required" || s == "any")
          choice = {{"type", "any"}};
        else if (s == "none")
          choice = {{"type", "none"}};
      } else if (const Json* fn = FindObject(*tool_choice, "function")) {
        if (auto name = FindString(*fn, "name"))
          choice = {{"type", "tool"}, {"name", std::string(*name)}};
      }
    }
    if (FindBool(req, "parallel_tool_calls") == std::optional<bool>(false)) {
      if (choice.is_null()) choice = {{"type", "auto"}};
      if (choice["type"] != "none") choice["disable_parallel_tool_use"] = true;
    }
    if (!choice.is_null()) out["tool_choice"] = std::move(choice);
  }

  std::string user = UpstreamUser(spec);
  if (!user.empty()) out["metadata"] = {{"user_id", user}};
  if (spec.stream) out["stream"] = true;
  return out;
}

bool ParseAnthropicResponse(const AttemptContext& ctx, const Json& body, JsonView view,
                            Completion* out, ProviderError* error) {
  auto type = FindString(body, "type");
  const Json* content = FindArray(body, "content");
  if ((type && *type != "message") || !content) {
    error->forced_type = "invalid_response";
    error->message = "Provider returned an invalid response: no message content";
    return false;
  }
  std::string text, reasoning;
  Json details = Json::array();
  Json tool_calls = Json::array();
  int64_t detail_index = 0;
  bool any_text = false;
  for (const Json& block : *content) {
    auto bt = FindString(block, "type");
    if (!bt) continue;
    if (*bt == "text") {
      if (auto t = FindString(block, "text")) text.append(*t), any_text = true;
    } else if (*bt == "thinking") {
      if (!FindString(block, "thinking")) continue;
      std::string thought(FindString(block, "thinking").value_or(""));
      reasoning.append(thought);
      Json d = {{"type", "reasoning.text"},
                {"text", thought},
                {"format", kThinkingFormat},
                {"index", detail_index++}};
      if (auto sig = FindString(block, "signature")) d["signature"] = std::string(*sig);
      details.push_back(std::move(d));
    } else if (*bt == "redacted_thinking") {
      details.push_back({{"type", "reasoning.encrypted"},
                         {"data", std::string(FindString(block, "data").value_or(""))},
                         {"format", kThinkingFormat},
                         {"index", detail_index++}});
    } else if (*bt == "tool_use") {
      if (!FindString(block, "name")) continue;  // a call without a name cannot be made
      const Json* input = Find(block, "input");
      tool_calls.push_back(
          {{"id", std::string(FindString(block, "id").value_or(""))},
           {"type", "function"},
           {"function",
            {{"name", std::string(FindString(block, "name").value_or(""))},
             {"arguments", input && input->is_object() ? Dump(*input) : std::string("{}")}}}});
    }
  }
  SetAssistantMessage(any_text, text, reasoning, std::move(details), std::move(tool_calls),
                      &out->message);
  auto stop = FindString(body, "stop_reason");
  if (stop) {
    out->native_finish_reason = std::string(*stop);
    out->finish_reason = std::string(AnthropicStopToFinish(*stop));
  }
  if (!any_text && tool_calls.empty() && reasoning.empty() && details.empty() && !stop) {
    error->forced_type = "invalid_response";
    error->message = "Provider returned an invalid response: the message has no content";
    return false;
  }
  ApplyAnthropicUsage(view["usage"], &out->usage);
  return true;
}

namespace {

// Upstream Anthropic stream → normalised events.
class AnthropicDecoder : public StreamDecoder {
 public:
  AnthropicDecoder() = default;

  void OnEvent(const SseEvent& event, StreamSink& sink) override {
    std::optional<JsonView> parsed = ReadProviderJson(event.data, &tape_);
    if (!parsed || !parsed->is_object()) {
      ProviderError e;
      e.forced_type = "invalid_response";
      e.message = "Provider sent an invalid stream event";
      e.raw = TruncateRaw(event.data);
      sink.Fail(std::move(e));
      return;
    }
    JsonView data = *parsed;
    // One pass collects the members every event type needs.
    JsonView type_v, index_v, delta, content_block, usage, message;
    data.ForEachMember([&](JsonView member, JsonView value) {
      std::string_view key = member.str();
      if (key == "type")
        type_v = value;
      else if (key == "index")
        index_v = value;
      else if (key == "delta")
        delta = value;
      else if (key == "content_block")
        content_block = value;
      else if (key == "usage")
        usage = value;
      else if (key == "message")
        message = value;
    });
    std::string_view type = type_v.str();
    if (type.empty()) type = event.event;
    ClientWriter& w = sink.writer();
    if (type == "content_block_delta") {
      std::string_view dt = delta["type"].str();
      int block = BlockIndex(index_v);
      if (dt == "text_delta") {
        std::string_view t = delta["text"].str();
        if (!t.empty()) w.Content(t);
      } else if (dt == "thinking_delta") {
        std::string_view t = delta["thinking"].str();
        if (!t.empty()) w.Reasoning(t, kThinkingFormat);
      } else if (dt == "signature_delta") {
        std::string_view s = delta["signature"].str();
        if (!s.empty()) w.ReasoningSignature(s, kThinkingFormat);
      } else if (dt == "input_json_delta") {
        std::string_view j = delta["partial_json"].str();
        int tool = ToolOf(block);
        if (tool >= 0 && !j.empty()) w.ToolCallArgs(tool, j);
      }
    } else if (type == "content_block_start") {
      int block = BlockIndex(index_v);
      if (block < 0) return;
      JsonView cb = content_block;
      std::string_view bt = cb["type"].str();
      if (bt == "text") {
        std::string_view t = cb["text"].str();
        if (!t.empty()) w.Content(t);
      } else if (bt == "thinking") {
        std::string_view t = cb["thinking"].str();
        if (!t.empty()) w.Reasoning(t, kThinkingFormat);
      } else if (bt == "redacted_thinking") {
        w.ReasoningEncrypted(cb["data"].str(), kThinkingFormat);
      } else if (bt == "tool_use") {
        if (static_cast<size_t>(block) >= block_tool_.size()) block_tool_.resize(block + 1, -1);
        int tool = tools_++;
        block_tool_[block] = tool;
        w.ToolCallStart(tool, cb["id"].str(), cb["name"].str(), {});
      }
    } else if (type == "content_block_stop" || type == "ping") {
      // Nothing to forward: blocks are closed by what follows them.
    } else if (type == "message_start") {
      ApplyAnthropicUsage(message["usage"], &sink.summary().usage);
    } else if (type == "message_delta") {
      ApplyAnthropicUsage(usage, &sink.summary().usage);
      JsonView stop = delta["stop_reason"];
      if (stop.is_string()) {
        std::string native = stop.Unescape();
        stopped_ = true;
        w.Finish(AnthropicStopToFinish(native), stop.str());
      }
    } else if (type == "message_stop") {
      done_ = true;
      sink.summary().upstream_done = true;
    } else if (type == "error") {
      FailFromStreamError(event.data, sink);
    }
  }

  bool Complete(const StreamSink&) const override { return done_ || stopped_; }

 private:
  JsonTape tape_;  // container ends of the current event, reused
  static int BlockIndex(JsonView index) {
    auto i = index.Int();
    if (!i || *i < 0 || *i > 4096) return -1;
    return static_cast<int>(*i);
  }
  int ToolOf(int block) const {
    if (block < 0 || static_cast<size_t>(block) >= block_tool_.size()) return -1;
    return block_tool_[block];
  }

  std::vector<int> block_tool_;
  int tools_ = 0;
  bool done_ = false;
  bool stopped_ = false;
};

}  // namespace

std::unique_ptr<StreamDecoder> MakeAnthropicDecoder(const AttemptContext&) {
  return std::make_unique<AnthropicDecoder>();
}

}  // namespace wire

// ---- Anthropic in -----------------------------------------------------------------------------

namespace {

Status Bad(std::string message, std::string field) {
  return Status::InvalidArgument(std::move(message), field);
}

// An Anthropic block (image or document) → a chat content part; null when unsupported.
Json BlockToPart(const Json& block) {
  auto type = FindString(block, "type");
  if (!type) return nullptr;
  Json part;
  if (*type == "text") {
    part = {{"type", "text"}, {"text", std::string(FindString(block, "text").value_or(""))}};
  } else if (*type == "image" || *type == "document") {
    const Json* source = FindObject(block, "source");
    if (!source) return nullptr;
    auto st = FindString(*source, "type");
    std::string url;
    if (st == std::optional<std::string_view>("base64")) {
      url = "data:" + std::string(FindString(*source, "media_type").value_or("")) + ";base64," +
            std::string(FindString(*source, "data").value_or(""));
    } else if (st == std::optional<std::string_view>("url")) {
      url = std::string(FindString(*source, "url").value_or(""));
    } else {
      return nullptr;
    }
    if (*type == "image") {
      part = {{"type", "image_url"}, {"image_url", {{"url", url}}}};
    } else {
      part = {{"type", "file"}, {"file", {{"file_data", url}}}};
      if (auto title = FindString(block, "title")) part["file"]["filename"] = std::string(*title);
    }
  } else {
    return nullptr;
  }
  if (const Json* cc = FindObject(block, "cache_control")) part["cache_control"] = *cc;
  return part;
}

}  // namespace

Result<Json> AnthropicToChat(const Json& request) {
  if (!request.is_object()) return Bad("request body must be a JSON object", "");
  Json out = Json::object();
  auto model = FindString(request, "model");
  const Json* models = Find(request, "models");
  if (!model && !models) return Bad("model is required", "model");
  if (model) out["model"] = std::string(*model);
  if (const Json* mt = Find(request, "max_tokens")) {
    if (!mt->is_number_integer() && !mt->is_number_unsigned()) {
      return Bad("max_tokens must be an integer", "max_tokens");
    }
    out["max_tokens"] = *mt;
  }
  const Json* messages = Find(request, "messages");
  if (!messages || !messages->is_array()) return Bad("messages must be an array", "messages");

  Json chat = Json::array();
  if (const Json* system = Find(request, "system")) {
    if (system->is_string()) {
      chat.push_back({{"role", "system"}, {"content", *system}});
    } else if (system->is_array()) {
      Json parts = Json::array();
      for (const Json& b : *system) {
        Json part = BlockToPart(b);
        if (!part.is_null()) parts.push_back(std::move(part));
      }
      chat.push_back({{"role", "system"}, {"content", std::move(parts)}});
    } else if (!system->is_null()) {
      return Bad("system must be a string or an array of blocks", "system");
    }
  }
  for (size_t i = 0; i < messages->size(); ++i) {
    const Json& m = (*messages)[i];
    std::string field = "messages[" + std::to_string(i) + "]";
    auto role = FindString(m, "role");
    if (!role || (*role != "user" && *role != "assistant")) {
      return Bad(field + ".role must be 'user' or 'assistant'", field + ".role");
    }
    const Json* content = Find(m, "content");
    if (!content || (!content->is_string() && !content->is_array())) {
      return Bad(field + ".content must be a string or an array", field + ".content");
    }
    if (content->is_string()) {
      chat.push_back({{"role", std::string(*role)}, {"content", *content}});
      continue;
    }
    if (*role == "user") {
      Json parts = Json::array();
      for (const Json& b : *content) {
        if (FindString(b, "type") == std::optional<std::string_view>("tool_result")) {
          Json tool = {{"role", "tool"},
                       {"tool_call_id", std::string(FindString(b, "tool_use_id").value_or(""))}};
          const Json* c = Find(b, "content");
          if (c && c->is_string()) {
            tool["content"] = *c;
          } else if (c && c->is_array()) {
            Json tparts = Json::array();
            for (const Json& tb : *c) {
              Json part = BlockToPart(tb);
              if (!part.is_null()) tparts.push_back(std::move(part));
            }
            tool["content"] = std::move(tparts);
          } else {
            tool["content"] = "";
          }
          chat.push_back(std::move(tool));
          continue;
        }
        Json part = BlockToPart(b);
        if (!part.is_null()) parts.push_back(std::move(part));
      }
      if (!parts.empty()) chat.push_back({{"role", "user"}, {"content", std::move(parts)}});
      continue;
    }
    // Assistant blocks: text joined, thinking → reasoning(_details), tool_use → tool_calls.
    std::string text, reasoning;
    bool any_text = false;
    Json details = Json::array(), calls = Json::array();
    int64_t index = 0;
    for (const Json& b : *content) {
      auto type = FindString(b, "type");
      if (!type) continue;
      if (*type == "text") {
        text.append(FindString(b, "text").value_or(""));
        any_text = true;
      } else if (*type == "thinking") {
        std::string thought(FindString(b, "thinking").value_or(""));
        reasoning.append(thought);
        details.push_back({{"type", "reasoning.text"},
                           {"text", thought},
                           {"signature", std::string(FindString(b, "signature").value_or(""))},
                           {"format", "anthropic-claude-v1"},
                           {"index", index++}});
      } else if (*type == "redacted_thinking") {
        details.push_back({{"type", "reasoning.encrypted"},
                           {"data", std::string(FindString(b, "data").value_or(""))},
                           {"format", "anthropic-claude-v1"},
                           {"index", index++}});
      } else if (*type == "tool_use") {
        const Json* input = Find(b, "input");
        calls.push_back(
            {{"id", std::string(FindString(b, "id").value_or(""))},
             {"type", "function"},
             {"function",
              {{"name", std::string(FindString(b, "name").value_or(""))},
               {"arguments", input && input->is_object() ? Dump(*input) : std::string("{}")}}}});
      }
    }
    Json msg = {{"role", "assistant"}, {"content", any_text ? Json(text) : Json()}};
    if (!reasoning.empty()) msg["reasoning"] = reasoning;
    if (!details.empty()) msg["reasoning_details"] = std::move(details);
    if (!calls.empty()) msg["tool_calls"] = std::move(calls);
    chat.push_back(std::move(msg));
  }
  out["messages"] = std::move(chat);

  if (const Json* tools = Find(request, "tools")) {
    if (!tools->is_array()) return Bad("tools must be an array", "tools");
    Json list = Json::array();
    for (const Json& t : *tools) {
      auto name = FindString(t, "name");
      const Json* schema = FindObject(t, "input_schema");
      if (!name || !schema) continue;  // server tools (web search, ...) are not routed
      Json fn = {{"name", std::string(*name)}, {"parameters", *schema}};
      if (auto d = FindString(t, "description")) fn["description"] = std::string(*d);
      Json tool = {{"type", "function"}, {"function", std::move(fn)}};
      if (const Json* cc = FindObject(t, "cache_control")) tool["cache_control"] = *cc;
      list.push_back(std::move(tool));
    }
    if (!list.empty()) out["tools"] = std::move(list);
  }
  if (const Json* tc = FindObject(request, "tool_choice")) {
    auto type = FindString(*tc, "type").value_or("");
    if (type == "auto")
      out["tool_choice"] = "auto";
    else if (type == "any")
      out["tool_choice"] = "required";
    else if (type == "none")
      out["tool_choice"] = "none";
    else if (type == "tool") {
      out["tool_choice"] = {
          {"type", "function"},
          {"function", {{"name", std::string(FindString(*tc, "name").value_or(""))}}}};
    }
    if (FindBool(*tc, "disable_parallel_tool_use") == std::optional<bool>(true)) {
      out["parallel_tool_calls"] = false;
    }
  }
  if (const Json* stops = FindArray(request, "stop_sequences")) out["stop"] = *stops;
  for (const char* key : {"temperature", "top_p", "top_k", "stream"}) {
    if (const Json* v = Find(request, key)) out[key] = *v;
  }
  if (const Json* thinking = FindObject(request, "thinking")) {
    auto type = FindString(*thinking, "type").value_or("");
    if (type == "enabled") {
      Json r = Json::object();
      if (auto budget = FindInt(*thinking, "budget_tokens"))
        r["max_tokens"] = *budget;
      else
        r["enabled"] = true;
      out["reasoning"] = std::move(r);
    } else if (type == "adaptive") {
      out["reasoning"] = {{"enabled", true}};
    }
  }
  if (const Json* of = FindObject(request, "output_format")) {
    if (FindString(*of, "type") == std::optional<std::string_view>("json_schema")) {
      const Json* schema = FindObject(*of, "schema");
      out["response_format"] = {
          {"type", "json_schema"},
          {"json_schema", {{"name", "output"}, {"schema", schema ? *schema : Json::object()}}}};
    }
  }
  if (const Json* meta = FindObject(request, "metadata")) {
    if (auto uid = FindString(*meta, "user_id")) out["user"] = std::string(*uid);
  }
  // Router extensions accepted on /messages.
  if (auto user = FindString(request, "user")) out["user"] = std::string(*user);
  if (const Json* v = Find(request, "session_id")) out["session_id"] = *v;
  if (const Json* v = Find(request, "provider")) out["provider"] = *v;
  if (models) out["models"] = *models;
  if (const Json* fallbacks = Find(request, "fallbacks")) {
    if (models) return Bad("fallbacks cannot be combined with models", "fallbacks");
    if (!fallbacks->is_array()) return Bad("fallbacks must be an array", "fallbacks");
    if (fallbacks->size() > 3) return Bad("fallbacks allows at most 3 models", "fallbacks");
    Json list = Json::array();
    if (model) list.push_back(std::string(*model));
    for (size_t i = 0; i < fallbacks->size(); ++i) {
      auto m = FindString((*fallbacks)[i], "model");
      if (!m) {
        std::string f = "fallbacks[" + std::to_string(i) + "].model";
        return Bad(f + " is required", f);
      }
      list.push_back(std::string(*m));
    }
    out["models"] = std::move(list);
  }
  return out;
}

Json ChatCompletionToAnthropic(const Json& completion) {
  const Json* choices = FindArray(completion, "choices");
  const Json* choice = choices && !choices->empty() ? &(*choices)[0] : nullptr;
  const Json* message = choice ? FindObject(*choice, "message") : nullptr;
  Json content = Json::array();
  if (message) {
    Json thinking = Json::array();
    wire::ReasoningDetailsToBlocks(*message, thinking);
    if (thinking.empty()) {
      if (auto r = FindString(*message, "reasoning"); r && !r->empty()) {
        thinking.push_back(
            {{"type", "thinking"}, {"thinking", std::string(*r)}, {"signature", ""}});
      }
    }
    for (Json& b : thinking) content.push_back(std::move(b));
    const Json* msg_content = Find(*message, "content");
    std::string text = msg_content ? wire::ContentText(*msg_content) : std::string();
    if (!text.empty()) content.push_back({{"type", "text"}, {"text", text}});
    if (const Json* calls = FindArray(*message, "tool_calls")) {
      for (const Json& call : *calls) {
        const Json* fn = FindObject(call, "function");
        content.push_back({{"type", "tool_use"},
                           {"id", std::string(FindString(call, "id").value_or(""))},
                           {"name", fn ? std::string(FindString(*fn, "name").value_or("")) : ""},
                           {"input", wire::ToolInput(call)}});
      }
    }
  }
  std::string_view finish = choice ? FindString(*choice, "finish_reason").value_or("") : "";
  std::string_view native = choice ? FindString(*choice, "native_finish_reason").value_or("") : "";
  int64_t prompt = 0, completion_tokens = 0, cached = 0, written = 0;
  if (const Json* usage = FindObject(completion, "usage")) {
    prompt = FindInt(*usage, "prompt_tokens").value_or(0);
    completion_tokens = FindInt(*usage, "completion_tokens").value_or(0);
    if (const Json* d = FindObject(*usage, "prompt_tokens_details")) {
      cached = FindInt(*d, "cached_tokens").value_or(0);
      written = FindInt(*d, "cache_write_tokens").value_or(0);
    }
  }
  Json usage = {{"input_tokens", std::max<int64_t>(0, prompt - cached - written)},
                {"cache_creation_input_tokens", written},
                {"cache_read_input_tokens", cached},
                {"output_tokens", completion_tokens}};
  if (const Json* u = FindObject(completion, "usage")) {
    // Cost fields the host merged into the chat usage travel along.
    for (const char* key : {"cost", "is_byok", "cost_details"}) {
      if (const Json* v = Find(*u, key)) usage[key] = *v;
    }
  }
  return Json{{"id", std::string(FindString(completion, "id").value_or(""))},
              {"type", "message"},
              {"role", "assistant"},
              {"model", std::string(FindString(completion, "model").value_or(""))},
              {"content", std::move(content)},
              {"stop_reason", std::string(wire::FinishToAnthropicStop(finish, native))},
              {"stop_sequence", nullptr},
              {"usage", std::move(usage)}};
}

Json AnthropicErrorBody(const Status& status) {
  const char* type = "api_error";
  if (auto et = FindString(status.metadata(), "error_type")) {
    type = wire::AnthropicErrorType(*et);
  } else {
    switch (status.code()) {
      case Code::kInvalidArgument:
        type = "invalid_request_error";
        break;
      case Code::kUnauthorized:
        type = "authentication_error";
        break;
      case Code::kPaymentRequired:
        type = "billing_error";
        break;
      case Code::kForbidden:
        type = "permission_error";
        break;
      case Code::kNotFound:
        type = "not_found_error";
        break;
      case Code::kTooLarge:
        type = "request_too_large";
        break;
      case Code::kRateLimited:
        type = "rate_limit_error";
        break;
      case Code::kTimeout:
        type = "timeout_error";
        break;
      case Code::kUnavailable:
        type = "overloaded_error";
        break;
      default:
        break;
    }
  }
  return Json{{"type", "error"}, {"error", {{"type", type}, {"message", status.message()}}}};
}

}  // namespace switchyard
