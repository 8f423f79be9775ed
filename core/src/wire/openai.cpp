// OpenAI-compatible chat completions: request shaping (router fields out, per-provider
// parameter names, unsupported parameters dropped), buffered normalisation and the streaming
// pass-through, which re-emits each upstream chunk in the router's own chunk shape without
// building a JSON tree.
#include "switchyard/wire/openai.h"

#include <algorithm>
#include <cmath>

#include "wire/internal.h"

namespace switchyard {

std::string_view NormalizeFinishReason(std::string_view native) {
  return wire::NormalizeOpenAIFinish(native);
}

bool IsRouterOnlyField(std::string_view field) {
  static const char* const kFields[] = {"models",        "provider",
                                        "route",         "transforms",
                                        "preset",        "session_id",
                                        "usage",         "plugins",
                                        "fallbacks",     "debug",
                                        "reasoning",     "include_reasoning",
                                        "cache_control", "structured_outputs",
                                        "responses_echo"};
  for (const char* f : kFields) {
    if (field == f) return true;
  }
  return false;
}

namespace wire {
namespace {

struct FieldParam {
  const char* field;
  Param param;
};
constexpr FieldParam kFieldParams[] = {
    {"temperature", Param::kTemperature},
    {"top_p", Param::kTopP},
    {"top_k", Param::kTopK},
    {"min_p", Param::kMinP},
    {"top_a", Param::kTopA},
    {"stop", Param::kStop},
    {"seed", Param::kSeed},
    {"frequency_penalty", Param::kFrequencyPenalty},
    {"presence_penalty", Param::kPresencePenalty},
    {"repetition_penalty", Param::kRepetitionPenalty},
    {"logit_bias", Param::kLogitBias},
    {"logprobs", Param::kLogprobs},
    {"top_logprobs", Param::kTopLogprobs},
    {"response_format", Param::kResponseFormat},
    {"tools", Param::kTools},
    {"tool_choice", Param::kToolChoice},
    {"parallel_tool_calls", Param::kParallelToolCalls},
    {"web_search_options", Param::kWebSearchOptions},
    {"verbosity", Param::kVerbosity},
    {"prediction", Param::kPrediction},
};

// Fields this file writes itself (taken out of the copy, then re-added in the provider's form).
bool IsRewritten(std::string_view k) {
  return k == "model" || k == "messages" || k == "stream" || k == "stream_options" ||
         k == "max_tokens" || k == "max_completion_tokens" || k == "user" ||
         k == "reasoning_effort" || k == "metadata";
}

bool EndpointLists(const Endpoint& ep, std::string_view name) {
  return std::find(ep.supported_parameters.begin(), ep.supported_parameters.end(), name) !=
         ep.supported_parameters.end();
}

// Messages as an OpenAI-compatible provider accepts them: router-only message fields
// (reasoning, reasoning_details, part-level cache_control) removed; `developer` becomes
// `system` except for OpenAI itself. Copies only when something must change.
// `scratch` receives the cleaned copy when one is needed; the result points at what to send.
const Json& CleanMessages(const Json& messages, bool keep_developer, Json* scratch) {
  bool dirty = false;
  for (const Json& m : messages) {
    if (!m.is_object()) continue;
    if (m.contains("reasoning") || m.contains("reasoning_details")) dirty = true;
    if (!keep_developer && FindString(m, "role") == std::optional<std::string_view>("developer"))
      dirty = true;
    if (const Json* c = FindArray(m, "content")) {
      for (const Json& part : *c) {
        if (part.is_object() && part.contains("cache_control")) dirty = true;
      }
    }
    if (dirty) break;
  }
  if (!dirty) return messages;
  Json& out = *scratch;
  out = Json::array();
  for (const Json& m : messages) {
    Json copy = m;
    if (copy.is_object()) {
      copy.erase("reasoning");
      copy.erase("reasoning_details");
      if (!keep_developer &&
          FindString(copy, "role") == std::optional<std::string_view>("developer")) {
        copy["role"] = "system";
      }
      auto it = copy.find("content");
      if (it != copy.end() && it->is_array()) {
        for (Json& part : *it) {
          if (part.is_object()) part.erase("cache_control");
        }
      }
    }
    out.push_back(std::move(copy));
  }
  return out;
}

}  // namespace

std::string OpenAIEffort(const ReasoningRequest& r, std::optional<int64_t> max_tokens) {
  if (r.disabled) return r.effort == "none" ? "none" : "";
  if (!r.enabled) return "";
  if (!r.effort.empty()) return r.effort == "xhigh" ? "high" : r.effort;
  if (r.max_tokens) {
    // A token budget only: the nearest effort by the share of the completion cap it takes.
    double share = max_tokens
                       ? static_cast<double>(*r.max_tokens) / static_cast<double>(*max_tokens)
                       : (*r.max_tokens >= 16000  ? 0.8
                          : *r.max_tokens >= 4000 ? 0.5
                                                  : 0.2);
    if (share >= 0.8) return "high";
    if (share >= 0.5) return "medium";
    if (share >= 0.2) return "low";
    return "minimal";
  }
  return "medium";
}

Status BuildOpenAIBody(const AttemptSpec& spec, std::string* body) {
  const Json& req = *spec.request;
  const Endpoint& ep = *spec.endpoint;
  const Provider& provider = *spec.provider;
  const Json* messages = FindArray(req, "messages");
  if (!messages || messages->empty()) {
    return Status::InvalidArgument("messages must be a non-empty array", "messages");
  }
  // Written as text field by field: the request's own values are serialised in place, so a
  // large conversation is never copied into a second tree.
  std::string& out = *body;
  out.clear();
  out.reserve(1024);
  auto key = [&out](std::string_view name) {
    out.push_back(out.size() > 1 ? ',' : '{');
    out.push_back('"');
    AppendEscaped(out, name);
    out.append("\":");
  };
  key("model");
  out.push_back('"');
  AppendEscaped(out, ep.upstream_model);
  out.push_back('"');
  key("messages");
  Json cleaned;
  (CleanMessages(*messages, provider.slug == "openai", &cleaned)).DumpTo(out);
  for (auto it = req.begin(); it != req.end(); ++it) {
    const std::string& name = it.key();
    if (IsRouterOnlyField(name) || IsRewritten(name)) continue;
    bool drop = false;
    for (const FieldParam& fp : kFieldParams) {
      if (name == fp.field) {
        drop = !EndpointSupports(ep, fp.param);
        break;
      }
    }
    if (drop) continue;
    key(name);
    it.value().DumpTo(out);
  }
  std::optional<int64_t> max_tokens = RequestMaxTokens(req);
  if (max_tokens) {
    key(provider.uses_max_completion_tokens ? "max_completion_tokens" : "max_tokens");
    AppendInt(out, *max_tokens);
  }
  if (EndpointSupports(ep, Param::kReasoning)) {
    std::string effort = OpenAIEffort(ReadReasoning(req), max_tokens);
    if (!effort.empty()) {
      key("reasoning_effort");
      out.push_back('"');
      out.append(effort);
      out.push_back('"');
    }
  }
  if (const Json* metadata = FindObject(req, "metadata");
      metadata && EndpointLists(ep, "metadata")) {
    key("metadata");
    metadata->DumpTo(out);
  }
  std::string user = UpstreamUser(spec);
  if (!user.empty()) {
    key("user");
    out.push_back('"');
    AppendEscaped(out, user);
    out.push_back('"');
  }
  if (spec.stream) {
    key("stream");
    out.append("true");
    key("stream_options");
    out.append("{\"include_usage\":true}");
  }
  out.push_back('}');
  return Status::Ok();
}

bool ParseOpenAIResponse(const AttemptContext& ctx, const Json& body, JsonView view,
                         Completion* out, ProviderError* error) {
  const Json* choices = FindArray(body, "choices");
  const Json* choice = choices && !choices->empty() ? &(*choices)[0] : nullptr;
  const Json* message = choice ? FindObject(*choice, "message") : nullptr;
  if (!message) {
    error->forced_type = "invalid_response";
    error->message = "Provider returned an invalid response: no choices[0].message";
    return false;
  }
  Json& msg = out->message;
  msg["role"] = "assistant";
  const Json* content = Find(*message, "content");
  if (content && content->is_string())
    msg["content"] = *content;
  else if (content && content->is_array())
    msg["content"] = ContentText(*content);
  else
    msg["content"] = nullptr;
  auto reasoning = FindString(*message, "reasoning");
  if (!reasoning) reasoning = FindString(*message, "reasoning_content");
  if (reasoning && !reasoning->empty()) msg["reasoning"] = std::string(*reasoning);
  if (const Json* details = FindArray(*message, "reasoning_details");
      details && !details->empty()) {
    msg["reasoning_details"] = *details;
  }
  if (auto refusal = FindString(*message, "refusal")) msg["refusal"] = std::string(*refusal);
  if (const Json* annotations = FindArray(*message, "annotations");
      annotations && !annotations->empty()) {
    msg["annotations"] = *annotations;
  }
  if (const Json* calls = FindArray(*message, "tool_calls"); calls && !calls->empty()) {
    Json list = Json::array();
    for (const Json& call : *calls) {
      const Json* fn = FindObject(call, "function");
      if (!fn || !FindString(*fn, "name")) continue;  // a call without a name cannot be made
      const Json* args = Find(*fn, "arguments");
      std::string arguments = args && args->is_string()  ? args->get<std::string>()
                              : args && !args->is_null() ? Dump(*args)
                                                         : std::string();
      list.push_back({{"id", std::string(FindString(call, "id").value_or(""))},
                      {"type", "function"},
                      {"function",
                       {{"name", std::string(FindString(*fn, "name").value_or(""))},
                        {"arguments", arguments}}}});
    }
    if (!list.empty()) msg["tool_calls"] = std::move(list);
  }
  auto finish = FindString(*choice, "finish_reason");
  if (finish) {
    out->native_finish_reason = std::string(*finish);
    out->finish_reason = std::string(NormalizeOpenAIFinish(*finish));
  }
  if (!msg["content"].is_string() && !msg.contains("tool_calls") && !msg.contains("reasoning") &&
      !msg.contains("refusal") && !finish) {
    error->forced_type = "invalid_response";
    error->message = "Provider returned an invalid response: the message has no content";
    return false;
  }
  out->usage = OpenAIUsage(view["usage"]);
  return true;
}

namespace {

// Upstream OpenAI-compatible stream → normalised events.
class OpenAIDecoder : public StreamDecoder {
 public:
  void OnEvent(const SseEvent& event, StreamSink& sink) override {
    if (event.data == "[DONE]") {
      done_ = true;
      sink.summary().upstream_done = true;
      return;
    }
    std::optional<JsonView> parsed = ReadProviderJson(event.data, &tape_);
    if (!parsed || !parsed->is_object()) {
      ProviderError e;
      e.forced_type = "invalid_response";
      e.message = "Provider sent an invalid stream chunk";
      e.raw = TruncateRaw(event.data);
      sink.Fail(std::move(e));
      return;
    }
    // One pass over each object level: Get() per key would rescan the chunk every time.
    JsonView error, usage, choices;
    parsed->ForEachMember([&](JsonView member, JsonView value) {
      std::string_view key = member.str();
      if (key == "choices")
        choices = value;
      else if (key == "usage")
        usage = value;
      else if (key == "error")
        error = value;
    });
    if ((error.valid() && !error.is_null()) || event.event == "error") {
      FailFromStreamError(event.data, sink);
      return;
    }
    if (usage.is_object()) sink.summary().usage = OpenAIUsage(usage);
    ClientWriter& w = sink.writer();
    choices.ForEachElement([&](JsonView choice) {
      JsonView index, delta, finish;
      choice.ForEachMember([&](JsonView member, JsonView value) {
      std::string_view key = member.str();
        if (key == "delta")
          delta = value;
        else if (key == "finish_reason")
          finish = value;
        else if (key == "index")
          index = value;
      });
      auto i = index.Int();
      if (i && *i != 0) return;  // n > 1 is not routed; only the first choice counts
      if (delta.is_object()) {
        JsonView content, reasoning, reasoning_content, details, refusal, tool_calls;
        delta.ForEachMember([&](JsonView member, JsonView value) {
      std::string_view key = member.str();
          if (key == "content")
            content = value;
          else if (key == "reasoning")
            reasoning = value;
          else if (key == "reasoning_content")
            reasoning_content = value;
          else if (key == "reasoning_details")
            details = value;
          else if (key == "refusal")
            refusal = value;
          else if (key == "tool_calls")
            tool_calls = value;
        });
        if (!reasoning.is_string() || reasoning.str().empty()) reasoning = reasoning_content;
        if (reasoning.is_string() && !reasoning.str().empty()) w.Reasoning(reasoning.str(), {});
        if (details.is_array() && details.size() > 0) w.RawReasoningDetails(details.raw());
        if (content.is_string() && !content.str().empty()) w.Content(content.str());
        if (refusal.is_string() && !refusal.str().empty()) w.Refusal(refusal.str());
        tool_calls.ForEachElement([&](JsonView call) { ToolCall(call, w); });
      }
      if (finish.is_string() && !finish.str().empty()) {
        finished_ = true;
        w.Finish(NormalizeOpenAIFinish(finish.str()), finish.str());
      }
    });
  }

  bool Complete(const StreamSink&) const override { return done_ || finished_; }

 private:
  JsonTape tape_;  // container ends of the current event, reused
  void ToolCall(JsonView call, ClientWriter& w) {
    auto i = call["index"].Int();
    int index = i ? static_cast<int>(std::clamp<int64_t>(*i, 0, 1023)) : 0;
    JsonView fn = call["function"];
    std::string_view id = call["id"].str(), name = fn["name"].str(), args = fn["arguments"].str();
    if (static_cast<size_t>(index) >= started_.size()) started_.resize(index + 1, false);
    if (!started_[index] && (!id.empty() || !name.empty())) {
      started_[index] = true;
      w.ToolCallStart(index, id, name, args);
    } else if (!args.empty()) {
      w.ToolCallArgs(index, args);
    }
  }

  std::vector<bool> started_;
  bool done_ = false;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<StreamDecoder> MakeOpenAIDecoder(const AttemptContext&) {
  return std::make_unique<OpenAIDecoder>();
}

}  // namespace wire
}  // namespace switchyard
