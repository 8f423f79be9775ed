// Google Gemini: request building, buffered and streamed response translation, the schema
// sanitiser and the test-only inverse. Mapping rules are listed in switchyard/wire/gemini.h.
#include "switchyard/wire/gemini.h"

#include <algorithm>
#include <cmath>

#include "wire/internal.h"

namespace switchyard {
namespace {

constexpr std::string_view kSignatureFormat = "google-gemini-v1";

bool KeptSchemaKey(std::string_view k) {
  static const char* const kKeys[] = {
      "title",         "description", "nullable",  "enum",
      "required",      "minItems",    "maxItems",  "minProperties",
      "maxProperties", "minLength",   "maxLength", "pattern",
      "minimum",       "maximum",     "example",   "propertyOrdering"};
  for (const char* key : kKeys) {
    if (k == key) return true;
  }
  return false;
}

bool KeptFormat(std::string_view f) {
  return f == "date-time" || f == "enum" || f == "int32" || f == "int64" || f == "float" ||
         f == "double";
}

Json Sanitize(const Json& s, int depth) {
  if (!s.is_object() || depth > 64) return s.is_object() ? Json::object() : s;
  Json out = Json::object();
  for (auto it = s.begin(); it != s.end(); ++it) {
    const std::string& key = it.key();
    const Json& v = it.value();
    if (key == "properties" && v.is_object()) {
      Json props = Json::object();
      for (auto p = v.begin(); p != v.end(); ++p) props[p.key()] = Sanitize(p.value(), depth + 1);
      out["properties"] = std::move(props);
    } else if (key == "items") {
      if (v.is_object())
        out["items"] = Sanitize(v, depth + 1);
      else if (v.is_array() && !v.empty())
        out["items"] = Sanitize(v[0], depth + 1);
    } else if ((key == "anyOf" || key == "oneOf") && v.is_array()) {
      Json list = Json::array();
      for (const Json& x : v) list.push_back(Sanitize(x, depth + 1));
      out["anyOf"] = std::move(list);
    } else if (key == "allOf" && v.is_array()) {
      for (const Json& x : v) {
        Json part = Sanitize(x, depth + 1);
        for (auto p = part.begin(); p != part.end(); ++p) {
          if (p.key() == "properties" && out.contains("properties") && p.value().is_object()) {
            for (auto q = p.value().begin(); q != p.value().end(); ++q)
              out["properties"][q.key()] = q.value();
          } else if (p.key() == "required" && out.contains("required") &&
                     out["required"].is_array() && p.value().is_array()) {
            for (const Json& r : p.value()) out["required"].push_back(r);
          } else {
            out[p.key()] = p.value();
          }
        }
      }
    } else if (key == "type") {
      if (v.is_string()) {
        out["type"] = v;
      } else if (v.is_array()) {
        bool nullable = false;
        std::string first;
        for (const Json& t : v) {
          if (!t.is_string()) continue;
          if (t == "null")
            nullable = true;
          else if (first.empty())
            first = t.get<std::string>();
        }
        if (!first.empty()) out["type"] = first;
        if (nullable) out["nullable"] = true;
      }
    } else if (key == "const") {
      out["enum"] = Json::array({v});
    } else if (key == "format") {
      if (v.is_string() && KeptFormat(v.get_ref<const std::string&>())) out["format"] = v;
    } else if (KeptSchemaKey(key)) {
      out[key] = v;
    }
  }
  // Gemini takes enum only on STRING schemas: a bare enum/const of strings says so explicitly.
  if (const Json* e = FindArray(out, "enum");
      e && !out.contains("type") && !out.contains("anyOf")) {
    if (std::all_of(e->begin(), e->end(), [](const Json& x) { return x.is_string(); }))
      out["type"] = "string";
  }
  return out;
}

bool HasProperties(const Json& schema) {
  const Json* props = FindObject(schema, "properties");
  return props && !props->empty();
}

std::string GuessMime(std::string_view url) {
  size_t q = url.find_first_of("?#");
  std::string_view path = url.substr(0, q);
  size_t dot = path.rfind('.');
  std::string ext = dot == std::string_view::npos ? "" : std::string(path.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "png") return "image/png";
  if (ext == "webp") return "image/webp";
  if (ext == "gif") return "image/gif";
  if (ext == "heic") return "image/heic";
  if (ext == "heif") return "image/heif";
  if (ext == "pdf") return "application/pdf";
  return "image/jpeg";
}

// Chat content → Gemini parts.
Json ToParts(const Json& content) {
  Json parts = Json::array();
  if (content.is_string()) {
    parts.push_back({{"text", content}});
    return parts;
  }
  if (!content.is_array()) return parts;
  for (const Json& part : content) {
    auto type = FindString(part, "type");
    if (!type) continue;
    std::string media_type, data;
    if (*type == "text" || *type == "input_text") {
      if (auto text = FindString(part, "text")) parts.push_back({{"text", std::string(*text)}});
    } else if (*type == "image_url") {
      std::string url;
      if (const Json* iu = Find(part, "image_url")) {
        if (iu->is_string())
          url = iu->get<std::string>();
        else if (auto u = FindString(*iu, "url"))
          url = std::string(*u);
      }
      if (url.empty()) continue;
      if (wire::ParseDataUrl(url, &media_type, &data)) {
        parts.push_back({{"inlineData", {{"mimeType", media_type}, {"data", data}}}});
      } else {
        parts.push_back({{"fileData", {{"mimeType", GuessMime(url)}, {"fileUri", url}}}});
      }
    } else if (*type == "file") {
      const Json* file = FindObject(part, "file");
      auto fd = file ? FindString(*file, "file_data") : std::nullopt;
      if (fd && wire::ParseDataUrl(*fd, &media_type, &data)) {
        parts.push_back({{"inlineData", {{"mimeType", media_type}, {"data", data}}}});
      }
    } else if (*type == "input_audio") {
      const Json* audio = FindObject(part, "input_audio");
      if (!audio) continue;
      auto b64 = FindString(*audio, "data");
      auto format = FindString(*audio, "format");
      if (b64) {
        parts.push_back({{"inlineData",
                          {{"mimeType", "audio/" + std::string(format.value_or("wav"))},
                           {"data", std::string(*b64)}}}});
      }
    }
  }
  return parts;
}

Json ParseArgs(const Json& call) {
  const Json* fn = FindObject(call, "function");
  auto args = fn ? FindString(*fn, "arguments") : std::nullopt;
  if (!args || args->empty()) return Json::object();
  Result<Json> parsed = ParseJson(*args, {}, "tool arguments");
  if (!parsed.ok() || !parsed->is_object()) return Json::object();
  return std::move(parsed).value();
}

int64_t FixedBudget(std::string_view effort) {
  if (effort == "minimal") return 1024;
  if (effort == "low") return 2048;
  if (effort == "high") return 16384;
  if (effort == "xhigh") return 24576;
  return 8192;
}

}  // namespace

Json SanitizeGeminiSchema(const Json& schema) { return Sanitize(schema, 0); }

namespace wire {

Result<Json> BuildGeminiBody(const AttemptSpec& spec) {
  const Json& req = *spec.request;
  const Endpoint& ep = *spec.endpoint;
  const Json* messages = FindArray(req, "messages");
  if (!messages || messages->empty()) {
    return Status::InvalidArgument("messages must be a non-empty array", "messages");
  }
  std::vector<std::pair<std::string, std::string>> call_names;  // tool call id → function name
  std::string system;
  Json contents = Json::array();
  // Gemini wants turns that alternate (two user turns in a row are a 400): a turn of the same
  // role as the one before joins it (a user message after another, after tool results, or
  // around an assistant turn left out for having no parts; and after context compression).
  auto add = [&contents](const char* role, Json parts) {
    if (!contents.empty() && contents.back()["role"] == role) {
      Json& into = contents.back()["parts"];
      for (Json& p : parts) into.push_back(std::move(p));
    } else {
      contents.push_back({{"role", role}, {"parts", std::move(parts)}});
    }
  };
  for (size_t i = 0; i < messages->size(); ++i) {
    const Json& m = (*messages)[i];
    auto role = FindString(m, "role");
    std::string field = "messages[" + std::to_string(i) + "]";
    if (!role) return Status::InvalidArgument(field + ".role is required", field + ".role");
    const Json* content = Find(m, "content");
    if (*role == "system" || *role == "developer") {
      if (content) {
        if (!system.empty()) system.append("\n\n");
        system.append(ContentText(*content));
      }
      continue;
    }
    if (*role == "tool") {
      std::string id(FindString(m, "tool_call_id").value_or(""));
      std::string name;
      for (const auto& [cid, cname] : call_names) {
        if (cid == id) name = cname;
      }
      std::string text = content ? ContentText(*content) : std::string();
      Json response;
      if (!text.empty() && (text[0] == '{')) {
        Result<Json> parsed = ParseJson(text, {}, "tool result");
        if (parsed.ok() && parsed->is_object()) response = std::move(parsed).value();
      }
      if (response.is_null()) response = {{"content", text}};
      Json part = {
          {"functionResponse", {{"id", id}, {"name", name}, {"response", std::move(response)}}}};
      add("user", Json::array({std::move(part)}));
      continue;
    }
    if (*role == "user") {
      if (!content || (!content->is_string() && !content->is_array())) {
        return Status::InvalidArgument(field + ".content must be a string or an array",
                                       field + ".content");
      }
      add("user", ToParts(*content));
    } else if (*role == "assistant") {
      Json parts = Json::array();
      if (content && (content->is_string() || content->is_array())) {
        for (Json& p : ToParts(*content)) {
          if (auto t = FindString(p, "text"); t && t->empty()) continue;
          parts.push_back(std::move(p));
        }
      }
      size_t first_call = parts.size();
      if (const Json* calls = FindArray(m, "tool_calls")) {
        for (const Json& call : *calls) {
          const Json* fn = FindObject(call, "function");
          std::string name = fn ? std::string(FindString(*fn, "name").value_or("")) : "";
          std::string id(FindString(call, "id").value_or(""));
          call_names.emplace_back(id, name);
          Json fc = {{"name", name}, {"args", ParseArgs(call)}};
          if (!id.empty()) fc["id"] = id;
          parts.push_back({{"functionCall", std::move(fc)}});
        }
      }
      if (const Json* details = FindArray(m, "reasoning_details")) {
        for (const Json& d : *details) {
          if (FindString(d, "format") != std::optional<std::string_view>(kSignatureFormat))
            continue;
          auto data = FindString(d, "data");
          if (!data || parts.empty()) continue;
          size_t target = first_call < parts.size() ? first_call : 0;
          parts[target]["thoughtSignature"] = std::string(*data);
          break;
        }
      }
      if (parts.empty()) continue;  // Gemini rejects a turn without parts
      add("model", std::move(parts));
    } else {
      return Status::InvalidArgument(field + ".role '" + std::string(*role) + "' is not supported",
                                     field + ".role");
    }
  }
  Json out = Json::object();
  out["contents"] = std::move(contents);
  if (!system.empty()) out["systemInstruction"] = {{"parts", Json::array({{{"text", system}}})}};

  const Json* tools = FindArray(req, "tools");
  if (tools && !tools->empty() && EndpointSupports(ep, Param::kTools)) {
    Json decls = Json::array();
    for (const Json& tool : *tools) {
      const Json* fn = FindObject(tool, "function");
      auto name = fn ? FindString(*fn, "name") : std::nullopt;
      if (!name) continue;
      Json d = {{"name", std::string(*name)}};
      if (auto desc = FindString(*fn, "description")) d["description"] = std::string(*desc);
      if (const Json* params = FindObject(*fn, "parameters")) {
        Json clean = SanitizeGeminiSchema(*params);
        if (HasProperties(clean)) d["parameters"] = std::move(clean);
      }
      decls.push_back(std::move(d));
    }
    out["tools"] = Json::array({{{"functionDeclarations", std::move(decls)}}});
    if (const Json* tc = Find(req, "tool_choice"); tc && EndpointSupports(ep, Param::kToolChoice)) {
      Json config;
      if (tc->is_string()) {
        const std::string& s = tc->get_ref<const std::string&>();
        if (s == "auto")
          config = {{"mode", "AUTO"}};
        else if (s == "required" || s == "any")
          config = {{"mode", "ANY"}};
        else if (s == "none")
          config = {{"mode", "NONE"}};
      } else if (const Json* fn = FindObject(*tc, "function")) {
        if (auto name = FindString(*fn, "name")) {
          config = {{"mode", "ANY"}, {"allowedFunctionNames", Json::array({std::string(*name)})}};
        }
      }
      if (!config.is_null()) out["toolConfig"] = {{"functionCallingConfig", std::move(config)}};
    }
  }

  Json gen = Json::object();
  std::optional<int64_t> max_tokens = RequestMaxTokens(req);
  if (max_tokens) gen["maxOutputTokens"] = *max_tokens;
  if (auto t = FindNumber(req, "temperature"); t && EndpointSupports(ep, Param::kTemperature))
    gen["temperature"] = *t;
  if (auto p = FindNumber(req, "top_p"); p && EndpointSupports(ep, Param::kTopP)) gen["topP"] = *p;
  if (auto k = FindInt(req, "top_k"); k && EndpointSupports(ep, Param::kTopK)) gen["topK"] = *k;
  if (auto s = FindInt(req, "seed"); s && EndpointSupports(ep, Param::kSeed)) gen["seed"] = *s;
  if (auto p = FindNumber(req, "presence_penalty");
      p && EndpointSupports(ep, Param::kPresencePenalty)) {
    gen["presencePenalty"] = *p;
  }
  if (auto f = FindNumber(req, "frequency_penalty");
      f && EndpointSupports(ep, Param::kFrequencyPenalty)) {
    gen["frequencyPenalty"] = *f;
  }
  if (const Json* stop = Find(req, "stop"); stop && EndpointSupports(ep, Param::kStop)) {
    Json seqs = Json::array();
    if (stop->is_string()) seqs.push_back(*stop);
    if (stop->is_array()) {
      for (const Json& s : *stop) {
        if (s.is_string()) seqs.push_back(s);
      }
    }
    if (!seqs.empty()) gen["stopSequences"] = std::move(seqs);
  }
  if (const Json* rf = FindObject(req, "response_format");
      rf && EndpointSupports(ep, Param::kResponseFormat)) {
    auto type = FindString(*rf, "type");
    if (type == std::optional<std::string_view>("json_object")) {
      gen["responseMimeType"] = "application/json";
    } else if (type == std::optional<std::string_view>("json_schema")) {
      gen["responseMimeType"] = "application/json";
      const Json* js = FindObject(*rf, "json_schema");
      if (const Json* schema = js ? FindObject(*js, "schema") : nullptr) {
        gen["responseSchema"] = SanitizeGeminiSchema(*schema);
      }
    }
  }
  ReasoningRequest reasoning = ReadReasoning(req);
  if (EndpointSupports(ep, Param::kReasoning)) {
    if (reasoning.enabled) {
      int64_t budget;
      if (reasoning.max_tokens)
        budget = *reasoning.max_tokens;
      else if (max_tokens)
        budget = std::max<int64_t>(
            128, static_cast<int64_t>(
                     std::floor(static_cast<double>(*max_tokens) * EffortRatio(reasoning.effort))));
      else
        budget = FixedBudget(reasoning.effort);
      gen["thinkingConfig"] = {{"thinkingBudget", budget}, {"includeThoughts", !reasoning.exclude}};
    } else if (reasoning.disabled) {
      gen["thinkingConfig"] = {{"thinkingBudget", 0}};
    }
  }
  if (!gen.empty()) out["generationConfig"] = std::move(gen);
  return out;
}

bool ParseGeminiResponse(const AttemptContext& ctx, const Json& body, JsonView view,
                         Completion* out, ProviderError* error) {
  const Json* candidates = FindArray(body, "candidates");
  if (!candidates || candidates->empty()) {
    const Json* feedback = FindObject(body, "promptFeedback");
    if (auto reason = feedback ? FindString(*feedback, "blockReason") : std::nullopt) {
      error->forced_type = "content_filter";
      error->message = "The provider blocked the prompt (" + std::string(*reason) + ")";
      return false;
    }
    error->forced_type = "invalid_response";
    error->message = "Provider returned an invalid response: no candidates";
    return false;
  }
  const Json& cand = (*candidates)[0];
  if (!cand.is_object() || (!FindObject(cand, "content") && !FindString(cand, "finishReason"))) {
    error->forced_type = "invalid_response";
    error->message = "Provider returned an invalid response: the candidate has no content";
    return false;
  }
  std::string text, reasoning;
  bool any_text = false;
  Json calls = Json::array(), details = Json::array();
  const Json* content = FindObject(cand, "content");
  if (const Json* parts = content ? FindArray(*content, "parts") : nullptr) {
    for (const Json& part : *parts) {
      if (auto sig = FindString(part, "thoughtSignature")) {
        details.push_back({{"type", "reasoning.encrypted"},
                           {"data", std::string(*sig)},
                           {"format", kSignatureFormat},
                           {"index", static_cast<int64_t>(details.size())}});
      }
      if (auto t = FindString(part, "text")) {
        if (FindBool(part, "thought") == std::optional<bool>(true)) {
          reasoning.append(*t);
        } else {
          text.append(*t);
          any_text = true;
        }
      }
      if (const Json* fc = FindObject(part, "functionCall"); fc && FindString(*fc, "name")) {
        const Json* args = Find(*fc, "args");
        auto id = FindString(*fc, "id");
        calls.push_back(
            {{"id", id && !id->empty()
                        ? std::string(*id)
                        : SyntheticToolCallId(ctx.generation_id, static_cast<int>(calls.size()))},
             {"type", "function"},
             {"function",
              {{"name", std::string(FindString(*fc, "name").value_or(""))},
               {"arguments", args && args->is_object() ? Dump(*args) : std::string("{}")}}}});
      }
    }
  }
  SetAssistantMessage(any_text, text, reasoning, std::move(details), std::move(calls),
                      &out->message);
  if (auto fr = FindString(cand, "finishReason")) {
    out->native_finish_reason = std::string(*fr);
    out->finish_reason = std::string(GeminiFinishToFinish(*fr, out->message.contains("tool_calls")));
  }
  out->usage = GeminiUsage(view["usageMetadata"]);
  return true;
}

namespace {

class GeminiDecoder : public StreamDecoder {
 public:
  explicit GeminiDecoder(const AttemptContext& ctx) : generation_id_(ctx.generation_id) {}

  void OnEvent(const SseEvent& event, StreamSink& sink) override {
    std::optional<JsonView> parsed = ReadProviderJson(event.data, &tape_);
    if (!parsed || !parsed->is_object()) {
      ProviderError e;
      e.forced_type = "invalid_response";
      e.message = "Provider sent an invalid stream chunk";
      e.raw = TruncateRaw(event.data);
      sink.Fail(std::move(e));
      return;
    }
    JsonView error, usage_metadata, candidates, feedback;
    parsed->ForEachMember([&](JsonView member, JsonView value) {
      std::string_view key = member.str();
      if (key == "candidates")
        candidates = value;
      else if (key == "usageMetadata")
        usage_metadata = value;
      else if (key == "error")
        error = value;
      else if (key == "promptFeedback")
        feedback = value;
    });
    if (error.valid() && !error.is_null()) {
      FailFromStreamError(event.data, sink);
      return;
    }
    if (usage_metadata.is_object()) sink.summary().usage = GeminiUsage(usage_metadata);
    JsonView cand = candidates.At(0);
    if (!cand.is_object()) {
      JsonView reason = feedback["blockReason"];
      if (reason.is_string()) {
        ProviderError e;
        e.forced_type = "content_filter";
        e.message = "The provider blocked the prompt (" + reason.Unescape() + ")";
        e.raw = TruncateRaw(event.data);
        sink.Fail(std::move(e));
      }
      return;
    }
    ClientWriter& w = sink.writer();
    JsonView content, finish;
    cand.ForEachMember([&](JsonView member, JsonView value) {
      std::string_view key = member.str();
      if (key == "content")
        content = value;
      else if (key == "finishReason")
        finish = value;
    });
    content["parts"].ForEachElement([&](JsonView part) {
      JsonView sig, text, thought, fc;
      part.ForEachMember([&](JsonView member, JsonView value) {
      std::string_view key = member.str();
        if (key == "text")
          text = value;
        else if (key == "thought")
          thought = value;
        else if (key == "thoughtSignature")
          sig = value;
        else if (key == "functionCall")
          fc = value;
      });
      if (sig.is_string() && !sig.str().empty()) w.ReasoningEncrypted(sig.str(), kSignatureFormat);
      if (text.is_string() && !text.str().empty()) {
        if (thought.Bool() == std::optional<bool>(true))
          w.Reasoning(text.str(), {});
        else
          w.Content(text.str());
      }
      if (fc.is_object() && fc["name"].is_string()) {
        int index = tools_++;
        std::string_view id = fc["id"].str();
        if (id.empty()) {
          id_.clear();
          AppendEscaped(id_, SyntheticToolCallId(generation_id_, index));
          id = id_;
        }
        args_.clear();
        JsonView args = fc["args"];
        if (args.is_object()) {
          minified_.clear();
          AppendMinified(minified_, args.raw());
          AppendEscaped(args_, minified_);
        } else {
          args_ = "{}";
        }
        w.ToolCallStart(index, id, fc["name"].str(), args_);
      }
    });
    if (finish.is_string() && !finish.str().empty()) {
      finished_ = true;
      sink.summary().upstream_done = true;
      w.Finish(GeminiFinishToFinish(finish.str(), w.tool_calls_seen()), finish.str());
    }
  }

  bool Complete(const StreamSink&) const override { return finished_; }

 private:
  JsonTape tape_;  // container ends of the current event, reused
  std::string generation_id_;
  std::string id_, args_, minified_;
  int tools_ = 0;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<StreamDecoder> MakeGeminiDecoder(const AttemptContext& ctx) {
  return std::make_unique<GeminiDecoder>(ctx);
}

}  // namespace wire

Result<Json> GeminiToChat(const Json& request) {
  if (!request.is_object()) return Status::InvalidArgument("request must be an object");
  const Json* contents = FindArray(request, "contents");
  if (!contents) return Status::InvalidArgument("contents must be an array", "contents");
  Json messages = Json::array();
  if (const Json* si = FindObject(request, "systemInstruction")) {
    std::string text;
    if (const Json* parts = FindArray(*si, "parts")) {
      for (const Json& p : *parts) text.append(FindString(p, "text").value_or(""));
    }
    messages.push_back({{"role", "system"}, {"content", text}});
  }
  for (const Json& c : *contents) {
    auto role = FindString(c, "role").value_or("user");
    const Json* parts = FindArray(c, "parts");
    if (!parts) continue;
    if (role == "model") {
      std::string text;
      bool any_text = false;
      Json calls = Json::array(), details = Json::array();
      for (const Json& p : *parts) {
        if (auto t = FindString(p, "text")) text.append(*t), any_text = true;
        if (auto sig = FindString(p, "thoughtSignature")) {
          details.push_back({{"type", "reasoning.encrypted"},
                             {"data", std::string(*sig)},
                             {"format", kSignatureFormat},
                             {"index", static_cast<int64_t>(details.size())}});
        }
        if (const Json* fc = FindObject(p, "functionCall")) {
          const Json* args = Find(*fc, "args");
          calls.push_back({{"id", std::string(FindString(*fc, "id").value_or(""))},
                           {"type", "function"},
                           {"function",
                            {{"name", std::string(FindString(*fc, "name").value_or(""))},
                             {"arguments", args ? Dump(*args) : std::string("{}")}}}});
        }
      }
      Json msg = {{"role", "assistant"}, {"content", any_text ? Json(text) : Json()}};
      if (!calls.empty()) msg["tool_calls"] = std::move(calls);
      if (!details.empty()) msg["reasoning_details"] = std::move(details);
      messages.push_back(std::move(msg));
      continue;
    }
    Json user_parts = Json::array();
    for (const Json& p : *parts) {
      if (const Json* fr = FindObject(p, "functionResponse")) {
        const Json* response = Find(*fr, "response");
        std::string content;
        if (response && response->is_object() && response->size() == 1 &&
            response->contains("content") && (*response)["content"].is_string()) {
          content = (*response)["content"].get<std::string>();
        } else if (response) {
          content = Dump(*response);
        }
        messages.push_back({{"role", "tool"},
                            {"tool_call_id", std::string(FindString(*fr, "id").value_or(""))},
                            {"content", content}});
      } else if (auto t = FindString(p, "text")) {
        user_parts.push_back({{"type", "text"}, {"text", std::string(*t)}});
      } else if (const Json* inline_data = FindObject(p, "inlineData")) {
        std::string url = "data:" + std::string(FindString(*inline_data, "mimeType").value_or("")) +
                          ";base64," + std::string(FindString(*inline_data, "data").value_or(""));
        user_parts.push_back({{"type", "image_url"}, {"image_url", {{"url", url}}}});
      } else if (const Json* file = FindObject(p, "fileData")) {
        user_parts.push_back(
            {{"type", "image_url"},
             {"image_url", {{"url", std::string(FindString(*file, "fileUri").value_or(""))}}}});
      }
    }
    if (user_parts.size() == 1 && user_parts[0]["type"] == "text") {
      messages.push_back({{"role", "user"}, {"content", user_parts[0]["text"]}});
    } else if (!user_parts.empty()) {
      messages.push_back({{"role", "user"}, {"content", std::move(user_parts)}});
    }
  }
  Json out = {{"messages", std::move(messages)}};
  if (const Json* tools = FindArray(request, "tools")) {
    Json list = Json::array();
    for (const Json& t : *tools) {
      const Json* decls = FindArray(t, "functionDeclarations");
      if (!decls) continue;
      for (const Json& d : *decls) {
        Json fn = {{"name", std::string(FindString(d, "name").value_or(""))}};
        if (auto desc = FindString(d, "description")) fn["description"] = std::string(*desc);
        if (const Json* params = FindObject(d, "parameters")) fn["parameters"] = *params;
        list.push_back({{"type", "function"}, {"function", std::move(fn)}});
      }
    }
    out["tools"] = std::move(list);
  }
  if (const Json* tc = FindObject(request, "toolConfig")) {
    if (const Json* fcc = FindObject(*tc, "functionCallingConfig")) {
      auto mode = FindString(*fcc, "mode").value_or("AUTO");
      const Json* allowed = FindArray(*fcc, "allowedFunctionNames");
      if (mode == "ANY" && allowed && allowed->size() == 1 && (*allowed)[0].is_string()) {
        out["tool_choice"] = {{"type", "function"}, {"function", {{"name", (*allowed)[0]}}}};
      } else if (mode == "ANY") {
        out["tool_choice"] = "required";
      } else if (mode == "NONE") {
        out["tool_choice"] = "none";
      } else {
        out["tool_choice"] = "auto";
      }
    }
  }
  if (const Json* gen = FindObject(request, "generationConfig")) {
    if (auto v = FindInt(*gen, "maxOutputTokens")) out["max_tokens"] = *v;
    if (auto v = FindNumber(*gen, "temperature")) out["temperature"] = *v;
    if (auto v = FindNumber(*gen, "topP")) out["top_p"] = *v;
    if (auto v = FindInt(*gen, "topK")) out["top_k"] = *v;
    if (auto v = FindInt(*gen, "seed")) out["seed"] = *v;
    if (const Json* stops = FindArray(*gen, "stopSequences")) out["stop"] = *stops;
    if (const Json* tc = FindObject(*gen, "thinkingConfig")) {
      auto budget = FindInt(*tc, "thinkingBudget");
      if (budget && *budget == 0) {
        out["reasoning"] = {{"enabled", false}};
      } else {
        Json r = Json::object();
        if (budget)
          r["max_tokens"] = *budget;
        else
          r["enabled"] = true;
        if (FindBool(*tc, "includeThoughts") == std::optional<bool>(false)) r["exclude"] = true;
        out["reasoning"] = std::move(r);
      }
    }
  }
  return out;
}

}  // namespace switchyard
