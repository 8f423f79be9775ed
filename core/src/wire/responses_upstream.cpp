// OpenAI Responses API as an upstream: request building from the chat request, buffered
// translation of a `response` object and the event-stream decoder. Mapping rules are listed in
// switchyard/wire/responses_upstream.h.
#include "switchyard/wire/responses_upstream.h"

#include <algorithm>

#include "wire/internal.h"

namespace switchyard {
namespace wire {
namespace {

Status BadField(std::string message, std::string field) {
  return Status::InvalidArgument(std::move(message), field);
}

bool IsSystemRole(std::string_view role) { return role == "system" || role == "developer"; }

// Chat content parts → Responses input parts; unsupported parts are skipped.
Json InputParts(const Json& parts) {
  Json out = Json::array();
  for (const Json& part : parts) {
    auto type = FindString(part, "type");
    if (!type) continue;
    if (*type == "text" || *type == "input_text") {
      auto text = FindString(part, "text");
      if (!text) continue;
      out.push_back({{"type", "input_text"}, {"text", std::string(*text)}});
    } else if (*type == "image_url") {
      const Json* iu = Find(part, "image_url");
      std::string url;
      std::optional<std::string_view> detail;
      if (iu && iu->is_string()) {
        url = iu->get<std::string>();
      } else if (iu && iu->is_object()) {
        url = std::string(FindString(*iu, "url").value_or(""));
        detail = FindString(*iu, "detail");
      }
      if (url.empty()) continue;
      Json image = {{"type", "input_image"}, {"image_url", url}};
      if (detail) image["detail"] = std::string(*detail);
      out.push_back(std::move(image));
    } else if (*type == "file") {
      const Json* file = FindObject(part, "file");
      if (!file) continue;
      Json input = {{"type", "input_file"}};
      if (auto data = FindString(*file, "file_data"))
        input["file_data"] = std::string(*data);
      else if (auto id = FindString(*file, "file_id"))
        input["file_id"] = std::string(*id);
      else
        continue;
      if (auto name = FindString(*file, "filename")) input["filename"] = std::string(*name);
      out.push_back(std::move(input));
    }
  }
  return out;
}

// An assistant message's content → output_text / refusal parts (empty when there is no text).
Json AssistantParts(const Json* content) {
  Json out = Json::array();
  if (!content) return out;
  if (content->is_string()) {
    if (!content->get_ref<const std::string&>().empty())
      out.push_back({{"type", "output_text"}, {"text", *content}});
    return out;
  }
  if (!content->is_array()) return out;
  for (const Json& part : *content) {
    auto type = FindString(part, "type");
    if (!type) continue;
    if (*type == "text" || *type == "output_text") {
      auto text = FindString(part, "text");
      if (text && !text->empty())
        out.push_back({{"type", "output_text"}, {"text", std::string(*text)}});
    } else if (*type == "refusal") {
      auto refusal = FindString(part, "refusal");
      if (refusal && !refusal->empty())
        out.push_back({{"type", "refusal"}, {"refusal", std::string(*refusal)}});
    }
  }
  return out;
}

std::string ToolArguments(const Json& call) {
  const Json* fn = FindObject(call, "function");
  const Json* args = fn ? Find(*fn, "arguments") : nullptr;
  if (args && args->is_string()) return args->get<std::string>();
  if (args && !args->is_null()) return Dump(*args);
  return "{}";
}

Json DeveloperItem(const std::string& text) {
  return {{"type", "message"}, {"role", "developer"}, {"content", text}};
}

// response_format → text.format; null when it has no Responses form.
Json TextFormat(const Json& rf) {
  auto type = FindString(rf, "type");
  if (!type) return nullptr;
  if (*type == "json_object" || *type == "text") return {{"type", std::string(*type)}};
  if (*type != "json_schema") return nullptr;
  const Json* js = FindObject(rf, "json_schema");
  Json format = {{"type", "json_schema"}};
  format["name"] = js ? std::string(FindString(*js, "name").value_or("output")) : "output";
  const Json* schema = js ? FindObject(*js, "schema") : nullptr;
  format["schema"] = schema ? *schema : Json{{"type", "object"}};
  if (js) {
    if (auto d = FindString(*js, "description")) format["description"] = std::string(*d);
    if (auto strict = FindBool(*js, "strict")) format["strict"] = *strict;
  }
  return format;
}

}  // namespace

Result<Json> BuildResponsesBody(const AttemptSpec& spec) {
  const Json& req = *spec.request;
  const Endpoint& ep = *spec.endpoint;
  const Json* messages = FindArray(req, "messages");
  if (!messages || messages->empty()) {
    return BadField("messages must be a non-empty array", "messages");
  }
  // Leading system prompts become `instructions` when a conversation follows them.
  size_t first_turn = 0;
  while (first_turn < messages->size() &&
         IsSystemRole(FindString((*messages)[first_turn], "role").value_or(""))) {
    ++first_turn;
  }
  const size_t hoisted = first_turn < messages->size() ? first_turn : 0;

  std::string instructions;
  Json input = Json::array();
  for (size_t i = 0; i < messages->size(); ++i) {
    const Json& m = (*messages)[i];
    std::string field = "messages[" + std::to_string(i) + "]";
    auto role = FindString(m, "role");
    if (!role) return BadField(field + ".role is required", field + ".role");
    const Json* content = Find(m, "content");
    if (IsSystemRole(*role)) {
      std::string text = content ? ContentText(*content) : std::string();
      if (i < hoisted) {
        if (!instructions.empty() && !text.empty()) instructions.append("\n\n");
        instructions.append(text);
      } else {
        input.push_back(DeveloperItem(text));
      }
    } else if (*role == "user") {
      Json item = {{"type", "message"}, {"role", "user"}};
      if (content && content->is_string())
        item["content"] = *content;
      else if (content && content->is_array())
        item["content"] = InputParts(*content);
      else
        return BadField(field + ".content must be a string or an array", field + ".content");
      input.push_back(std::move(item));
    } else if (*role == "assistant") {
      Json parts = AssistantParts(content);
      if (!parts.empty()) {
        input.push_back({{"type", "message"}, {"role", "assistant"}, {"content", std::move(parts)}});
      }
      if (const Json* calls = FindArray(m, "tool_calls")) {
        for (const Json& call : *calls) {
          const Json* fn = FindObject(call, "function");
          input.push_back({{"type", "function_call"},
                           {"call_id", std::string(FindString(call, "id").value_or(""))},
                           {"name", fn ? std::string(FindString(*fn, "name").value_or("")) : ""},
                           {"arguments", ToolArguments(call)}});
        }
      }
    } else if (*role == "tool") {
      input.push_back({{"type", "function_call_output"},
                       {"call_id", std::string(FindString(m, "tool_call_id").value_or(""))},
                       {"output", content ? ContentText(*content) : std::string()}});
    } else {
      return BadField(field + ".role '" + std::string(*role) + "' is not supported",
                      field + ".role");
    }
  }

  Json out = Json::object();
  out["model"] = ep.upstream_model;
  if (hoisted > 0) out["instructions"] = instructions;
  out["input"] = std::move(input);

  // Tools, flattened.
  const Json* tools = FindArray(req, "tools");
  if (tools && !tools->empty() && EndpointSupports(ep, Param::kTools)) {
    Json list = Json::array();
    for (const Json& tool : *tools) {
      const Json* fn = FindObject(tool, "function");
      auto name = fn ? FindString(*fn, "name") : std::nullopt;
      if (!name) continue;
      Json t = {{"type", "function"}, {"name", std::string(*name)}};
      if (auto d = FindString(*fn, "description")) t["description"] = std::string(*d);
      const Json* params = FindObject(*fn, "parameters");
      t["parameters"] = params ? *params : Json{{"type", "object"}, {"properties", Json::object()}};
      t["strict"] = FindBool(*fn, "strict").value_or(false);
      list.push_back(std::move(t));
    }
    if (!list.empty()) {
      out["tools"] = std::move(list);
      if (const Json* tc = Find(req, "tool_choice"); tc && EndpointSupports(ep, Param::kToolChoice)) {
        if (tc->is_string()) {
          out["tool_choice"] = *tc;
        } else if (const Json* fn = FindObject(*tc, "function")) {
          if (auto n = FindString(*fn, "name"))
            out["tool_choice"] = {{"type", "function"}, {"name", std::string(*n)}};
        }
      }
      if (auto ptc = FindBool(req, "parallel_tool_calls");
          ptc && EndpointSupports(ep, Param::kParallelToolCalls)) {
        out["parallel_tool_calls"] = *ptc;
      }
    }
  }

  // Output shape.
  Json text = Json::object();
  if (const Json* rf = FindObject(req, "response_format");
      rf && EndpointSupports(ep, Param::kResponseFormat)) {
    Json format = TextFormat(*rf);
    if (!format.is_null()) text["format"] = std::move(format);
  }
  if (auto v = FindString(req, "verbosity"); v && EndpointSupports(ep, Param::kVerbosity)) {
    text["verbosity"] = std::string(*v);
  }
  if (!text.empty()) out["text"] = std::move(text);

  // Reasoning and limits.
  std::optional<int64_t> max_tokens = RequestMaxTokens(req);
  if (EndpointSupports(ep, Param::kReasoning)) {
    std::string effort = OpenAIEffort(ReadReasoning(req), max_tokens);
    if (!effort.empty()) {
      Json reasoning = {{"effort", effort}};
      if (effort != "none") {
        reasoning["summary"] = "auto";
        // store:false keeps nothing at OpenAI: the reasoning comes back encrypted instead.
        out["include"] = Json::array({"reasoning.encrypted_content"});
      }
      out["reasoning"] = std::move(reasoning);
    }
  }
  if (max_tokens) out["max_output_tokens"] = std::max(*max_tokens, kResponsesMinOutputTokens);
  if (auto t = FindNumber(req, "temperature"); t && EndpointSupports(ep, Param::kTemperature)) {
    out["temperature"] = *t;
  }
  if (auto p = FindNumber(req, "top_p"); p && EndpointSupports(ep, Param::kTopP)) {
    out["top_p"] = *p;
  }
  std::string user = UpstreamUser(spec);
  if (!user.empty()) out["user"] = user;
  out["store"] = false;
  if (spec.stream) out["stream"] = true;
  return out;
}

namespace {

// A response's status (+ incomplete reason) → the normalised finish reason; "" when the
// status is not a finished answer.
std::string_view FinishOf(std::string_view status, std::string_view reason, bool tool_calls) {
  if (status == "completed") return tool_calls ? "tool_calls" : "stop";
  if (status == "incomplete") return reason == "content_filter" ? "content_filter" : "length";
  return {};
}

ProviderError FailedResponse(const Json* error) {
  ProviderError e;
  if (error) ExtractBodyError(Json{{"error", *error}}, &e);
  if (e.message.empty()) e.message = "Provider reported that the response failed";
  return e;
}

}  // namespace

bool ParseResponsesResponse(const AttemptContext& ctx, const Json& body, JsonView view,
                            Completion* out, ProviderError* error) {
  const Json* output = FindArray(body, "output");
  auto status = FindString(body, "status");
  if (!output || !status) {
    error->forced_type = "invalid_response";
    error->message = "Provider returned an invalid response: no output or status";
    return false;
  }
  if (*status == "failed") {
    *error = FailedResponse(FindObject(body, "error"));
    return false;
  }
  std::string text, refusal, reasoning;
  bool any_text = false;
  Json details = Json::array();
  Json tool_calls = Json::array();
  auto add_reasoning = [&reasoning](std::string_view part) {
    if (!reasoning.empty()) reasoning.append("\n\n");
    reasoning.append(part);
  };
  for (const Json& item : *output) {
    auto type = FindString(item, "type");
    if (!type) continue;
    if (*type == "message") {
      const Json* content = FindArray(item, "content");
      if (!content) continue;
      for (const Json& part : *content) {
        auto pt = FindString(part, "type");
        if (pt == std::optional<std::string_view>("output_text")) {
          if (auto t = FindString(part, "text")) text.append(*t), any_text = true;
        } else if (pt == std::optional<std::string_view>("refusal")) {
          if (auto r = FindString(part, "refusal")) refusal.append(*r);
        }
      }
    } else if (*type == "reasoning") {
      for (const char* key : {"summary", "content"}) {
        const Json* parts = FindArray(item, key);
        if (!parts) continue;
        for (const Json& part : *parts) {
          auto t = FindString(part, "text");
          if (t && !t->empty()) add_reasoning(*t);
        }
      }
      if (auto enc = FindString(item, "encrypted_content"); enc && !enc->empty()) {
        details.push_back({{"type", "reasoning.encrypted"},
                           {"data", std::string(*enc)},
                           {"format", kResponsesReasoningFormat},
                           {"index", static_cast<int64_t>(details.size())}});
      }
    } else if (*type == "function_call") {
      auto name = FindString(item, "name");
      if (!name) continue;  // a call without a name cannot be made
      const Json* args = Find(item, "arguments");
      std::string id(FindString(item, "call_id").value_or(""));
      if (id.empty()) id = SyntheticToolCallId(ctx.generation_id, static_cast<int>(tool_calls.size()));
      tool_calls.push_back(
          {{"id", id},
           {"type", "function"},
           {"function",
            {{"name", std::string(*name)},
             {"arguments", args && args->is_string() ? args->get<std::string>()
                           : args && !args->is_null() ? Dump(*args)
                                                      : std::string()}}}});
    }
  }
  std::string_view reason;
  if (const Json* incomplete = FindObject(body, "incomplete_details")) {
    reason = FindString(*incomplete, "reason").value_or("");
  }
  std::string_view finish = FinishOf(*status, reason, !tool_calls.empty());
  if (finish.empty()) {
    error->forced_type = "invalid_response";
    error->message = "Provider returned an unfinished response (status " + std::string(*status) +
                     ")";
    return false;
  }
  SetAssistantMessage(any_text, text, reasoning, std::move(details), std::move(tool_calls),
                      &out->message);
  if (!refusal.empty()) out->message["refusal"] = refusal;
  out->finish_reason = std::string(finish);
  out->native_finish_reason =
      *status == "incomplete" && !reason.empty() ? std::string(reason) : std::string(*status);
  out->usage = ResponsesUsage(view["usage"]);
  return true;
}

namespace {

// Upstream Responses event stream → normalised events. Text, refusals, reasoning and tool
// arguments are forwarded from their delta events; an output item's `done` event fills in what
// no delta carried (so a provider that sends whole items gives the same answer), and brings the
// encrypted reasoning.
class ResponsesDecoder : public StreamDecoder {
 public:
  explicit ResponsesDecoder(const AttemptContext& ctx) : generation_id_(ctx.generation_id) {}

  void OnEvent(const SseEvent& event, StreamSink& sink) override {
    if (event.data == "[DONE]") return;  // not part of this API; completion is an event
    std::optional<JsonView> parsed = ReadProviderJson(event.data, &tape_);
    if (!parsed || !parsed->is_object()) {
      ProviderError e;
      e.forced_type = "invalid_response";
      e.message = "Provider sent an invalid stream event";
      e.raw = TruncateRaw(event.data);
      sink.Fail(std::move(e));
      return;
    }
    JsonView type_v, delta, item, response, output_index, part_index;
    parsed->ForEachMember([&](JsonView member, JsonView value) {
      std::string_view key = member.str();
      if (key == "type")
        type_v = value;
      else if (key == "delta")
        delta = value;
      else if (key == "item")
        item = value;
      else if (key == "response")
        response = value;
      else if (key == "output_index")
        output_index = value;
      else if (key == "summary_index" || key == "content_index")
        part_index = value;
    });
    std::string_view type = type_v.str();
    if (type.empty()) type = event.event;
    ClientWriter& w = sink.writer();
    const int index = OutputIndex(output_index);
    if (type == "response.output_text.delta") {
      if (index < 0 || !delta.is_string() || delta.str().empty()) return;
      State(index).text = true;
      w.Content(delta.str());
    } else if (type == "response.refusal.delta") {
      if (index < 0 || !delta.is_string() || delta.str().empty()) return;
      State(index).text = true;
      w.Refusal(delta.str());
    } else if (type == "response.reasoning_summary_text.delta" ||
               type == "response.reasoning_text.delta") {
      if (index < 0 || !delta.is_string() || delta.str().empty()) return;
      State(index).reasoning = true;
      auto part = part_index.Int().value_or(0);
      int kind = type == "response.reasoning_text.delta" ? 1 : 0;
      ReasoningPart(w, index, kind, part);
      w.Reasoning(delta.str(), {});
    } else if (type == "response.function_call_arguments.delta") {
      if (index < 0 || !delta.is_string() || delta.str().empty()) return;
      ItemState& s = State(index);
      if (s.tool < 0) return;  // arguments of a call that was never announced
      s.arguments = true;
      w.ToolCallArgs(s.tool, delta.str());
    } else if (type == "response.output_item.added") {
      if (index < 0 || item["type"].str() != "function_call") return;
      StartTool(w, index, item);
    } else if (type == "response.output_item.done") {
      if (index < 0) return;
      ItemDone(w, index, item);
    } else if (type == "response.completed" || type == "response.incomplete") {
      sink.summary().usage = ResponsesUsage(response["usage"]);
      JsonView status = response["status"];
      std::string_view reason = response["incomplete_details"]["reason"].str();
      std::string_view native = status.str();
      if (native.empty()) native = type == "response.completed" ? "completed" : "incomplete";
      std::string_view finish = FinishOf(native, reason, w.tool_calls_seen());
      if (finish.empty()) finish = type == "response.completed" ? "stop" : "length";
      w.Finish(finish, native == "incomplete" && !reason.empty() ? reason : native);
      done_ = true;
      sink.summary().upstream_done = true;
    } else if (type == "response.failed") {
      if (response["usage"].is_object()) sink.summary().usage = ResponsesUsage(response["usage"]);
      ProviderError e;
      Result<Json> body = ParseJson(event.data, {}, "stream event");
      const Json* r = body.ok() ? FindObject(*body, "response") : nullptr;
      e = FailedResponse(r ? FindObject(*r, "error") : nullptr);
      e.raw = TruncateRaw(event.data);
      sink.Fail(std::move(e));
    } else if (type == "error") {
      // {"type":"error","code","message","param"} (or an {"error":{...}} wrapper).
      ProviderError e;
      Result<Json> body = ParseJson(event.data, {}, "stream error");
      if (body.ok()) {
        if (FindObject(*body, "error")) {
          ExtractBodyError(*body, &e);
        } else {
          e = FailedResponse(&*body);
        }
      }
      if (e.message.empty()) e.message = "Provider reported an error in the stream";
      e.raw = TruncateRaw(event.data);
      sink.Fail(std::move(e));
    }
    // response.created / in_progress, content_part and *.done text events carry nothing new.
  }

  bool Complete(const StreamSink&) const override { return done_; }

 private:
  struct ItemState {
    int tool = -1;           // tool-call index of a function_call item
    bool text = false;       // text or refusal deltas were forwarded
    bool reasoning = false;  // reasoning deltas were forwarded
    bool arguments = false;  // argument deltas were forwarded
  };

  static int OutputIndex(JsonView v) {
    auto i = v.Int();
    if (!i || *i < 0 || *i > 4096) return -1;
    return static_cast<int>(*i);
  }

  ItemState& State(int index) {
    if (static_cast<size_t>(index) >= items_.size()) items_.resize(index + 1);
    return items_[index];
  }

  void StartTool(ClientWriter& w, int index, JsonView item) {
    ItemState& s = State(index);
    if (s.tool >= 0) return;
    s.tool = tools_++;
    std::string_view args = item["arguments"].str();
    s.arguments = !args.empty();
    std::string_view id = item["call_id"].str();
    std::string synthetic;
    if (id.empty()) {  // as the buffered translation names a call without an id
      AppendEscaped(synthetic, SyntheticToolCallId(generation_id_, s.tool));
      id = synthetic;
    }
    w.ToolCallStart(s.tool, id, item["name"].str(), args);
  }

  // Separates reasoning parts with a blank line, as the buffered translation joins them.
  void ReasoningPart(ClientWriter& w, int index, int kind, int64_t part) {
    int64_t key = (static_cast<int64_t>(index) << 20) + (part << 1) + kind;
    if (key == last_part_) return;
    if (last_part_ >= 0) w.Reasoning("\\n\\n", {});
    last_part_ = key;
  }

  void ItemDone(ClientWriter& w, int index, JsonView item) {
    ItemState& s = State(index);
    std::string_view type = item["type"].str();
    if (type == "function_call") {
      if (s.tool < 0) {
        if (item["name"].str().empty()) return;
        StartTool(w, index, item);
      } else if (!s.arguments) {
        std::string_view args = item["arguments"].str();
        if (!args.empty()) w.ToolCallArgs(s.tool, args);
      }
      s.arguments = true;
    } else if (type == "message" && !s.text) {
      item["content"].ForEachElement([&](JsonView part) {
        std::string_view pt = part["type"].str();
        if (pt == "output_text") {
          std::string_view t = part["text"].str();
          if (!t.empty()) w.Content(t);
        } else if (pt == "refusal") {
          std::string_view r = part["refusal"].str();
          if (!r.empty()) w.Refusal(r);
        }
      });
      s.text = true;
    } else if (type == "reasoning") {
      if (!s.reasoning) {
        int64_t part = 0;
        int kind = 0;
        for (const char* key : {"summary", "content"}) {
          item[key].ForEachElement([&](JsonView p) {
            std::string_view t = p["text"].str();
            if (!t.empty()) {
              ReasoningPart(w, index, kind, part);
              w.Reasoning(t, {});
            }
            ++part;
          });
          part = 0;
          kind = 1;
        }
        s.reasoning = true;
      }
      std::string_view enc = item["encrypted_content"].str();
      if (!enc.empty()) w.ReasoningEncrypted(enc, kResponsesReasoningFormat);
    }
  }

  std::string generation_id_;
  JsonTape tape_;  // container ends of the current event, reused
  std::vector<ItemState> items_;
  int tools_ = 0;
  int64_t last_part_ = -1;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<StreamDecoder> MakeResponsesDecoder(const AttemptContext& ctx) {
  return std::make_unique<ResponsesDecoder>(ctx);
}

}  // namespace wire
}  // namespace switchyard
