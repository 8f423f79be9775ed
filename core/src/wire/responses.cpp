// The OpenAI Responses API as a client format: the request mapping (ResponsesToChat) and the
// buffered `response` object (ChatCompletionToResponses). Rules are listed in
// switchyard/wire/responses.h; the streamed event sequence is in responses_stream.cpp.
#include "switchyard/wire/responses.h"

#include <string>
#include <utility>
#include <vector>

#include "wire/internal.h"
#include "wire/responses_internal.h"

namespace switchyard {
namespace {

Status Bad(std::string message, std::string field) {
  return Status::InvalidArgument(std::move(message), std::move(field));
}

// "<base><member><problem>" naming the field "<base><member>": one out-of-line builder keeps the
// many refusals small in the wasm builds.
[[gnu::noinline]] Status BadAt(std::string_view base, std::string_view member,
                               std::string_view problem) {
  std::string field(base);
  field.append(member);
  std::string message = field;
  message.append(problem);
  return Status::InvalidArgument(std::move(message), std::move(field));
}

bool IsInteger(const Json& v) { return v.is_number_integer() || v.is_number_unsigned(); }

std::string Path(const std::string& base, size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

// A client content part → a chat content part.
Result<Json> PartToChat(const Json& part, const std::string& field, bool assistant) {
  if (!part.is_object()) return Bad(field + " must be an object", field);
  auto type = FindString(part, "type");
  if (!type) return BadAt(field, ".type", " is required");
  if (*type == "input_text" || *type == "output_text" || *type == "text" || *type == "refusal") {
    const char* key = *type == "refusal" ? "refusal" : "text";
    auto text = FindString(part, key);
    if (!text) return Bad(field + "." + key + " must be a string", field + "." + key);
    return Json{{"type", "text"}, {"text", std::string(*text)}};
  }
  if (assistant) {
    return Bad(field + ".type '" + std::string(*type) +
                   "' is not an assistant content part (output_text or refusal)",
               field + ".type");
  }
  if (*type == "input_image") {
    if (Find(part, "file_id")) {
      return BadAt(field, ".file_id", " is not supported (stateless): send image_url");
    }
    auto url = FindString(part, "image_url");
    if (!url || url->empty()) return BadAt(field, ".image_url", " must be a string");
    Json image = {{"url", std::string(*url)}};
    if (auto detail = FindString(part, "detail")) image["detail"] = std::string(*detail);
    return Json{{"type", "image_url"}, {"image_url", std::move(image)}};
  }
  if (*type == "input_file") {
    if (Find(part, "file_id")) {
      return BadAt(field, ".file_id", " is not supported (stateless): send file_data");
    }
    if (Find(part, "file_url")) {
      return BadAt(field, ".file_url", " is not supported: send file_data (a data: URL)");
    }
    auto data = FindString(part, "file_data");
    if (!data || data->empty()) return BadAt(field, ".file_data", " must be a string");
    Json file = {{"file_data", std::string(*data)}};
    if (auto name = FindString(part, "filename")) file["filename"] = std::string(*name);
    return Json{{"type", "file"}, {"file", std::move(file)}};
  }
  return Bad(field + ".type '" + std::string(*type) + "' is not a supported content part",
             field + ".type");
}

// Builds the chat messages from the input items, grouping an assistant turn's text, reasoning
// and function calls into one assistant message as chat expects.
class MessageBuilder {
 public:
  explicit MessageBuilder(Json* out) : out_(out) {}

  Json& Assistant() {
    if (!open_) {
      pending_ = {{"role", "assistant"}, {"content", nullptr}};
      open_ = true;
    }
    return pending_;
  }
  void Flush() {
    if (!open_) return;
    open_ = false;
    // Reasoning alone is no turn a provider accepts: it is dropped with nothing to attach to.
    if (pending_["content"].is_null() && !pending_.contains("tool_calls")) return;
    out_->push_back(std::move(pending_));
  }
  void Push(Json message) {
    Flush();
    out_->push_back(std::move(message));
  }
  bool has_content() const { return open_ && !pending_["content"].is_null(); }
  bool has_calls() const { return open_ && pending_.contains("tool_calls"); }

 private:
  Json* out_;
  Json pending_;
  bool open_ = false;
};

Status MessageItem(const Json& item, const std::string& field, MessageBuilder& b) {
  auto role = FindString(item, "role");
  if (!role || (*role != "user" && *role != "assistant" && *role != "system" &&
                *role != "developer")) {
    return BadAt(field, ".role", " must be one of user, assistant, system, developer");
  }
  const Json* content = Find(item, "content");
  if (!content || (!content->is_string() && !content->is_array())) {
    return BadAt(field, ".content", " must be a string or an array of parts");
  }
  bool assistant = *role == "assistant";
  Json chat_content;
  if (content->is_string()) {
    chat_content = *content;
  } else {
    Json parts = Json::array();
    for (size_t i = 0; i < content->size(); ++i) {
      SY_ASSIGN_OR_RETURN(Json p, PartToChat((*content)[i], Path(field + ".content", i), assistant));
      parts.push_back(std::move(p));
    }
    if (assistant) {
      chat_content = wire::ContentText(parts);  // assistant turns are text
    } else {
      chat_content = std::move(parts);
    }
  }
  if (assistant) {
    // A second assistant text (or text after calls) starts a new turn.
    if (b.has_content() || b.has_calls()) b.Flush();
    b.Assistant()["content"] = std::move(chat_content);
    return Status::Ok();
  }
  b.Push(Json{{"role", std::string(*role)}, {"content", std::move(chat_content)}});
  return Status::Ok();
}

Status FunctionCallItem(const Json& item, const std::string& field, MessageBuilder& b) {
  auto call_id = FindString(item, "call_id");
  auto name = FindString(item, "name");
  auto args = FindString(item, "arguments");
  if (!call_id || call_id->empty())
    return BadAt(field, ".call_id", " must be a non-empty string");
  if (!name || name->empty()) return BadAt(field, ".name", " must be a non-empty string");
  if (!args) return BadAt(field, ".arguments", " must be a string");
  Json& a = b.Assistant();
  if (!a.contains("tool_calls")) a["tool_calls"] = Json::array();
  a["tool_calls"].push_back({{"id", std::string(*call_id)},
                             {"type", "function"},
                             {"function", {{"name", std::string(*name)},
                                           {"arguments", std::string(*args)}}}});
  return Status::Ok();
}

Status FunctionOutputItem(const Json& item, const std::string& field, MessageBuilder& b) {
  auto call_id = FindString(item, "call_id");
  if (!call_id || call_id->empty())
    return BadAt(field, ".call_id", " must be a non-empty string");
  const Json* output = Find(item, "output");
  Json content;
  if (output && output->is_string()) {
    content = *output;
  } else if (output && output->is_array()) {
    Json parts = Json::array();
    for (size_t i = 0; i < output->size(); ++i) {
      SY_ASSIGN_OR_RETURN(Json p, PartToChat((*output)[i], Path(field + ".output", i), false));
      parts.push_back(std::move(p));
    }
    content = std::move(parts);
  } else {
    return BadAt(field, ".output", " must be a string or an array of parts");
  }
  b.Push(Json{{"role", "tool"}, {"tool_call_id", std::string(*call_id)}, {"content", std::move(content)}});
  return Status::Ok();
}

// A reasoning item given back: its text and signature (or encrypted content) go on the next
// assistant message, where the wire builders hand them to the provider that can use them.
Status ReasoningItem(const Json& item, const std::string& field, MessageBuilder& b) {
  std::string text;
  for (const char* key : {"summary", "content"}) {
    const Json* parts = Find(item, key);
    if (!parts || parts->is_null()) continue;
    if (!parts->is_array()) return Bad(field + "." + key + " must be an array", field + "." + key);
    for (const Json& p : *parts) {
      if (auto t = FindString(p, "text")) {
        if (!text.empty() && std::string_view(key) == "summary") text.append("\n\n");
        text.append(*t);
      }
    }
    if (!text.empty()) break;  // summary first; the full content only when there is no summary
  }
  std::string format(FindString(item, "format").value_or(""));
  auto signature = FindString(item, "signature");
  auto encrypted = FindString(item, "encrypted_content");
  if (b.has_content() || b.has_calls()) b.Flush();  // reasoning opens a turn
  Json& a = b.Assistant();
  if (!text.empty()) {
    std::string joined(FindString(a, "reasoning").value_or(""));
    joined.append(text);
    a["reasoning"] = std::move(joined);
  }
  if (!a.contains("reasoning_details")) a["reasoning_details"] = Json::array();
  Json& details = a["reasoning_details"];
  int64_t index = static_cast<int64_t>(details.size());
  if (signature && !signature->empty()) {
    Json d = {{"type", "reasoning.text"}, {"text", text}, {"signature", std::string(*signature)},
              {"index", index}};
    if (!format.empty()) d["format"] = format;
    details.push_back(std::move(d));
  } else if (encrypted && !encrypted->empty()) {
    Json d = {{"type", "reasoning.encrypted"}, {"data", std::string(*encrypted)}, {"index", index}};
    if (!format.empty()) d["format"] = format;
    details.push_back(std::move(d));
  }
  if (details.empty()) a.erase("reasoning_details");
  return Status::Ok();
}

Status InputItems(const Json& input, MessageBuilder& b) {
  for (size_t i = 0; i < input.size(); ++i) {
    const Json& item = input[i];
    std::string field = Path("input", i);
    if (!item.is_object()) return Bad(field + " must be an object", field);
    std::string_view type = FindString(item, "type").value_or(item.contains("role") ? "message" : "");
    Status s;
    if (type == "message") {
      s = MessageItem(item, field, b);
    } else if (type == "function_call") {
      s = FunctionCallItem(item, field, b);
    } else if (type == "function_call_output") {
      s = FunctionOutputItem(item, field, b);
    } else if (type == "reasoning") {
      s = ReasoningItem(item, field, b);
    } else if (type == "item_reference") {
      s = Bad(field + ": item_reference needs stored responses; this router is stateless: send the "
                  "item itself",
              field + ".type");
    } else if (type.empty()) {
      s = BadAt(field, ".type", " is required");
    } else {
      s = Bad(field + ".type '" + std::string(type) + "' is not supported", field + ".type");
    }
    SY_RETURN_IF_ERROR(s);
  }
  b.Flush();
  return Status::Ok();
}

Result<Json> ToolsToChat(const Json& tools) {
  if (!tools.is_array()) return BadAt({}, "tools", " must be an array");
  Json list = Json::array();
  for (size_t i = 0; i < tools.size(); ++i) {
    const Json& t = tools[i];
    std::string field = Path("tools", i);
    auto type = FindString(t, "type");
    if (!type) return BadAt(field, ".type", " is required");
    if (*type != "function") {
      return Bad(field + ".type '" + std::string(*type) +
                     "' is not supported: only function tools are routed",
                 field + ".type");
    }
    auto name = FindString(t, "name");
    if (!name || name->empty()) return BadAt(field, ".name", " must be a non-empty string");
    Json fn = {{"name", std::string(*name)}};
    if (auto d = FindString(t, "description")) fn["description"] = std::string(*d);
    if (const Json* p = Find(t, "parameters"); p && !p->is_null()) {
      if (!p->is_object()) return BadAt(field, ".parameters", " must be an object");
      fn["parameters"] = *p;
    }
    if (const Json* s = Find(t, "strict"); s && s->is_boolean()) fn["strict"] = *s;
    list.push_back({{"type", "function"}, {"function", std::move(fn)}});
  }
  return list;
}

Result<Json> ToolChoiceToChat(const Json& tc) {
  if (tc.is_string()) {
    if (tc == "auto" || tc == "none" || tc == "required") return tc;
    return Bad("tool_choice must be auto, none, required or {type:\"function\", name}",
               "tool_choice");
  }
  auto type = FindString(tc, "type");
  if (type == std::optional<std::string_view>("function")) {
    auto name = FindString(tc, "name");
    if (!name || name->empty()) return BadAt({}, "tool_choice.name", " is required");
    return Json{{"type", "function"}, {"function", {{"name", std::string(*name)}}}};
  }
  return Bad("tool_choice must be auto, none, required or {type:\"function\", name}",
             "tool_choice");
}

Result<Json> TextFormatToChat(const Json& format) {
  auto type = FindString(format, "type");
  if (!type) return BadAt({}, "text.format.type", " is required");
  if (*type == "text") return Json();
  if (*type == "json_object") return Json{{"type", "json_object"}};
  if (*type == "json_schema") {
    auto name = FindString(format, "name");
    const Json* schema = FindObject(format, "schema");
    if (!name || name->empty()) return BadAt({}, "text.format.name", " is required");
    if (!schema) return BadAt({}, "text.format.schema", " must be an object");
    Json js = {{"name", std::string(*name)}, {"schema", *schema}};
    if (auto d = FindString(format, "description")) js["description"] = std::string(*d);
    if (const Json* s = Find(format, "strict"); s && s->is_boolean()) js["strict"] = *s;
    return Json{{"type", "json_schema"}, {"json_schema", std::move(js)}};
  }
  return BadAt({}, "text.format.type", " must be text, json_object or json_schema");
}

}  // namespace

Result<Json> ResponsesToChat(const Json& request) {
  if (!request.is_object()) return Bad("request body must be a JSON object", "");
  // Stateless: nothing is stored, so nothing can be referred to later.
  if (const Json* v = Find(request, "store"); v && !v->is_null()) {
    if (!v->is_boolean()) return BadAt({}, "store", " must be a boolean");
    if (v->get<bool>()) {
      return Bad("store: stateless: this router does not store responses; send store:false or "
                 "omit it",
                 "store");
    }
  }
  if (const Json* v = Find(request, "previous_response_id"); v && !v->is_null()) {
    return Bad("previous_response_id: stateless: this router does not store responses; send the "
               "whole conversation in input",
               "previous_response_id");
  }
  if (const Json* v = Find(request, "conversation"); v && !v->is_null()) {
    return Bad("conversation: stateless: this router does not store conversations; send the "
               "whole conversation in input",
               "conversation");
  }
  if (const Json* v = Find(request, "background"); v && !v->is_null()) {
    if (!v->is_boolean()) return BadAt({}, "background", " must be a boolean");
    if (v->get<bool>()) return BadAt({}, "background", ": responses run in the foreground only");
  }
  if (const Json* v = Find(request, "prompt"); v && !v->is_null()) {
    return BadAt({}, "prompt", ": stored prompt templates are not supported");
  }
  // Chat Completions parameters sent here would be dropped silently; OpenAI refuses them too.
  static constexpr std::pair<const char*, const char*> kChatOnly[] = {
      {"max_tokens", "max_output_tokens"},
      {"max_completion_tokens", "max_output_tokens"},
      {"messages", "input"},
      {"response_format", "text.format"}};
  for (const auto& [field, instead] : kChatOnly) {
    if (Find(request, field) != nullptr) {
      return Bad(std::string(field) + " is a Chat Completions parameter; the Responses API's is " +
                     instead,
                 field);
    }
  }

  Json out = Json::object();
  Json echo = Json::object();
  auto model = FindString(request, "model");
  const Json* models = Find(request, "models");
  if (!model && !models) return BadAt({}, "model", " is required");
  if (model) out["model"] = std::string(*model);

  Json messages = Json::array();
  if (const Json* instr = Find(request, "instructions"); instr && !instr->is_null()) {
    if (!instr->is_string()) return BadAt({}, "instructions", " must be a string");
    if (!instr->get_ref<const std::string&>().empty()) {
      messages.push_back({{"role", "system"}, {"content", *instr}});
    }
    echo["instructions"] = *instr;
  }
  const Json* input = Find(request, "input");
  if (!input || input->is_null()) return BadAt({}, "input", " is required");
  if (input->is_string()) {
    messages.push_back({{"role", "user"}, {"content", *input}});
  } else if (input->is_array()) {
    MessageBuilder b(&messages);
    SY_RETURN_IF_ERROR(InputItems(*input, b));
  } else {
    return BadAt({}, "input", " must be a string or an array of items");
  }
  if (messages.empty()) return BadAt({}, "input", " has no messages");
  out["messages"] = std::move(messages);

  if (const Json* tools = Find(request, "tools"); tools && !tools->is_null()) {
    SY_ASSIGN_OR_RETURN(Json list, ToolsToChat(*tools));
    // Echoed as sent, with `parameters` always present (clients read it as nullable, not
    // optional).
    Json echoed = *tools;
    for (Json& t : echoed) {
      if (!t.contains("parameters")) t["parameters"] = nullptr;
    }
    echo["tools"] = std::move(echoed);
    if (!list.empty()) out["tools"] = std::move(list);
  }
  if (const Json* tc = Find(request, "tool_choice"); tc && !tc->is_null()) {
    SY_ASSIGN_OR_RETURN(Json choice, ToolChoiceToChat(*tc));
    out["tool_choice"] = std::move(choice);
    echo["tool_choice"] = *tc;
  }
  if (const Json* text = Find(request, "text"); text && !text->is_null()) {
    if (!text->is_object()) return BadAt({}, "text", " must be an object");
    if (const Json* f = Find(*text, "format"); f && !f->is_null()) {
      if (!f->is_object()) return BadAt({}, "text.format", " must be an object");
      SY_ASSIGN_OR_RETURN(Json rf, TextFormatToChat(*f));
      if (!rf.is_null()) out["response_format"] = std::move(rf);
    }
    if (const Json* v = Find(*text, "verbosity"); v && v->is_string()) out["verbosity"] = *v;
    echo["text"] = *text;
  }
  if (const Json* r = Find(request, "reasoning"); r && !r->is_null()) {
    if (!r->is_object()) return BadAt({}, "reasoning", " must be an object");
    Json reasoning = Json::object();
    if (const Json* e = Find(*r, "effort"); e && !e->is_null()) {
      if (!e->is_string()) return BadAt({}, "reasoning.effort", " must be a string");
      reasoning["effort"] = *e;
    }
    // Router extensions of the reasoning object, as on chat.
    for (const char* key : {"max_tokens", "exclude", "enabled"}) {
      if (const Json* v = Find(*r, key)) reasoning[key] = *v;
    }
    if (!reasoning.empty()) out["reasoning"] = std::move(reasoning);
    echo["reasoning"] = *r;
  }
  if (const Json* mt = Find(request, "max_output_tokens"); mt && !mt->is_null()) {
    if (!IsInteger(*mt) || mt->get<int64_t>() < 1) {
      return BadAt({}, "max_output_tokens", " must be a positive integer");
    }
    out["max_tokens"] = *mt;
    echo["max_output_tokens"] = *mt;
  }
  for (const char* key : {"temperature", "top_p"}) {
    if (const Json* v = Find(request, key); v && !v->is_null()) {
      if (!v->is_number()) return Bad(std::string(key) + " must be a number", key);
      out[key] = *v;
      echo[key] = *v;
    }
  }
  if (const Json* v = Find(request, "parallel_tool_calls"); v && !v->is_null()) {
    if (!v->is_boolean()) return BadAt({}, "parallel_tool_calls", " must be a boolean");
    out["parallel_tool_calls"] = *v;
    echo["parallel_tool_calls"] = *v;
  }
  if (const Json* v = Find(request, "stream"); v && !v->is_null()) {
    if (!v->is_boolean()) return BadAt({}, "stream", " must be a boolean");
    out["stream"] = *v;
  }
  for (const char* key : {"user", "safety_identifier"}) {
    if (const Json* v = Find(request, key); v && !v->is_null()) {
      if (!v->is_string()) return Bad(std::string(key) + " must be a string", key);
      if (!out.contains("user")) out["user"] = *v;
      echo[key] = *v;
    }
  }
  if (const Json* m = Find(request, "metadata"); m && !m->is_null()) {
    if (!m->is_object()) return BadAt({}, "metadata", " must be an object of strings");
    for (auto it = m->begin(); it != m->end(); ++it) {
      if (!it.value().is_string()) {
        return Bad("metadata." + it.key() + " must be a string", "metadata." + it.key());
      }
    }
    echo["metadata"] = *m;  // accepted and echoed, never sent upstream
  }
  // Router extensions, as chat takes them.
  for (const char* key : {"models", "provider", "route", "transforms", "preset", "session_id",
                          "plugins", "debug", "top_k", "seed"}) {
    if (const Json* v = Find(request, key)) out[key] = *v;
  }
  out[kResponsesEchoKey] = std::move(echo);
  return out;
}

namespace wire {

std::string ResponsesItemId(std::string_view prefix, std::string_view generation_id, int index) {
  std::string id(prefix);
  id.push_back('_');
  std::string_view g = generation_id;
  if (g.substr(0, 4) == "gen-") g.remove_prefix(4);
  id.append(g);
  if (index >= 0) {
    id.push_back('_');
    id.append(std::to_string(index));
  }
  return id;
}

Json ResponsesUsage(const Json& chat_usage) {
  const Json* ptd = FindObject(chat_usage, "prompt_tokens_details");
  const Json* ctd = FindObject(chat_usage, "completion_tokens_details");
  int64_t input = FindInt(chat_usage, "prompt_tokens").value_or(0);
  int64_t output = FindInt(chat_usage, "completion_tokens").value_or(0);
  return Json{{"input_tokens", input},
              {"input_tokens_details",
               {{"cached_tokens", ptd ? FindInt(*ptd, "cached_tokens").value_or(0) : 0},
                {"cache_write_tokens", ptd ? FindInt(*ptd, "cache_write_tokens").value_or(0) : 0}}},
              {"output_tokens", output},
              {"output_tokens_details",
               {{"reasoning_tokens", ctd ? FindInt(*ctd, "reasoning_tokens").value_or(0) : 0}}},
              {"total_tokens", FindInt(chat_usage, "total_tokens").value_or(input + output)}};
}

void MergeResponsesCost(Json& usage, const Json& cost) {
  if (!usage.is_object() || !cost.is_object()) return;
  for (auto it = cost.begin(); it != cost.end(); ++it) usage[it.key()] = it.value();
  // The Responses usage names the cost split input / output (the chat one prompt / completions).
  auto details = usage.find("cost_details");
  if (details != usage.end() && details->is_object()) {
    Json& d = *details;
    // Copies first: inserting into the object may move the values a pointer would point at.
    const Json* p = Find(d, "upstream_inference_prompt_cost");
    const Json* c = Find(d, "upstream_inference_completions_cost");
    Json input = p ? *p : Json(), output = c ? *c : Json();
    if (!input.is_null()) d["upstream_inference_input_cost"] = std::move(input);
    if (!output.is_null()) d["upstream_inference_output_cost"] = std::move(output);
  }
}

Json ResponsesEnvelope(const AttemptContextLite& ctx, std::string_view status,
                       std::string_view incomplete_reason, Json output, Json usage, Json error) {
  const Json& echo = ctx.echo;
  auto echoed = [&](const char* key, Json fallback) -> Json {
    const Json* v = echo.is_object() ? Find(echo, key) : nullptr;
    return v ? *v : fallback;
  };
  Json text = echoed("text", Json::object());
  if (!text.is_object()) text = Json::object();
  if (!text.contains("format")) text["format"] = {{"type", "text"}};
  Json reasoning = echoed("reasoning", Json());
  if (reasoning.is_object()) {
    if (!reasoning.contains("effort")) reasoning["effort"] = nullptr;
    if (!reasoning.contains("summary")) reasoning["summary"] = nullptr;
  }
  Json r = {{"id", ctx.generation_id},
            {"object", "response"},
            {"created_at", ctx.created},
            {"status", std::string(status)},
            {"completed_at", status == "completed" ? Json(ctx.created) : Json()},
            {"error", std::move(error)},
            {"incomplete_details", incomplete_reason.empty()
                                       ? Json()
                                       : Json{{"reason", std::string(incomplete_reason)}}},
            {"instructions", echoed("instructions", Json())},
            {"max_output_tokens", echoed("max_output_tokens", Json())},
            {"metadata", echoed("metadata", Json::object())},
            {"model", ctx.model_id},
            {"output", std::move(output)},
            {"parallel_tool_calls", echoed("parallel_tool_calls", true)},
            {"previous_response_id", nullptr},
            {"reasoning", std::move(reasoning)},
            {"store", false},
            {"temperature", echoed("temperature", Json())},
            {"top_p", echoed("top_p", Json())},
            {"frequency_penalty", nullptr},
            {"presence_penalty", nullptr},
            {"text", std::move(text)},
            {"tool_choice", echoed("tool_choice", "auto")},
            {"tools", echoed("tools", Json::array())},
            {"truncation", "disabled"},
            {"user", echoed("user", Json())},
            {"usage", std::move(usage)}};
  if (!ctx.provider_name.empty()) r["provider"] = ctx.provider_name;
  return r;
}

std::string_view ResponsesIncompleteReason(std::string_view finish) {
  if (finish == "length") return "max_output_tokens";
  if (finish == "content_filter") return "content_filter";
  return {};
}

}  // namespace wire

Json ChatCompletionToResponses(const Json& completion, const Json& echo) {
  const Json* choices = FindArray(completion, "choices");
  const Json* choice = choices && !choices->empty() ? &(*choices)[0] : nullptr;
  const Json* message = choice ? FindObject(*choice, "message") : nullptr;
  wire::AttemptContextLite ctx;
  ctx.generation_id = std::string(FindString(completion, "id").value_or(""));
  ctx.created = FindInt(completion, "created").value_or(0);
  ctx.model_id = std::string(FindString(completion, "model").value_or(""));
  ctx.provider_name = std::string(FindString(completion, "provider").value_or(""));
  ctx.echo = echo;
  std::string finish(choice ? FindString(*choice, "finish_reason").value_or("") : "");
  std::string_view reason = wire::ResponsesIncompleteReason(finish);
  std::string_view item_status = reason.empty() ? "completed" : "incomplete";

  Json output = Json::array();
  if (message) {
    // One reasoning item per thinking block of reasoning_details (its text, signature or
    // encrypted content, as the stream gives them); the plain reasoning text otherwise.
    struct Block {
      int64_t index;
      std::string text, signature, encrypted, format;
    };
    std::vector<Block> blocks;
    if (const Json* details = FindArray(*message, "reasoning_details")) {
      for (const Json& d : *details) {
        auto type = FindString(d, "type").value_or("");
        if (type != "reasoning.text" && type != "reasoning.encrypted" && type != "reasoning.summary")
          continue;
        int64_t index = FindInt(d, "index").value_or(static_cast<int64_t>(blocks.size()));
        Block* b = nullptr;
        for (Block& x : blocks) {
          if (x.index == index) b = &x;
        }
        if (!b) {
          blocks.push_back(Block{index, "", "", "", ""});
          b = &blocks.back();
        }
        b->text.append(FindString(d, type == "reasoning.summary" ? "summary" : "text").value_or(""));
        b->signature.append(FindString(d, "signature").value_or(""));
        b->encrypted.append(FindString(d, "data").value_or(""));
        if (b->format.empty()) b->format = std::string(FindString(d, "format").value_or(""));
      }
    }
    std::string reasoning(FindString(*message, "reasoning").value_or(""));
    bool any_text = false;
    for (const Block& b : blocks) any_text |= !b.text.empty();
    if (!any_text && !reasoning.empty()) {
      if (blocks.empty()) blocks.push_back(Block{0, "", "", "", ""});
      blocks.front().text = reasoning;
    }
    int reasoning_index = 0;
    for (const Block& b : blocks) {
      if (b.text.empty() && b.signature.empty() && b.encrypted.empty()) continue;
      output.push_back(wire::ResponsesReasoningItem(ctx.generation_id, reasoning_index++, b.text,
                                                    b.signature, b.encrypted, b.format));
    }
    const Json* content = Find(*message, "content");
    std::string text = content ? wire::ContentText(*content) : std::string();
    std::string refusal(FindString(*message, "refusal").value_or(""));
    if (!text.empty() || !refusal.empty() || !FindArray(*message, "tool_calls")) {
      output.push_back(wire::ResponsesMessageItem(ctx.generation_id, text, refusal, item_status));
    }
    if (const Json* calls = FindArray(*message, "tool_calls")) {
      int index = 0;
      for (const Json& call : *calls) {
        const Json* fn = FindObject(call, "function");
        output.push_back(wire::ResponsesFunctionCallItem(
            ctx.generation_id, index++, FindString(call, "id").value_or(""),
            fn ? FindString(*fn, "name").value_or("") : "",
            fn ? FindString(*fn, "arguments").value_or("") : ""));
      }
    }
  }
  const Json* usage = FindObject(completion, "usage");
  Json r = wire::ResponsesEnvelope(ctx, reason.empty() ? "completed" : "incomplete", reason,
                                   std::move(output),
                                   wire::ResponsesUsage(usage ? *usage : Json::object()), Json());
  return r;
}

Json ResponsesErrorBody(const Status& status) { return ErrorBody(status); }

namespace wire {

Json ResponsesReasoningItem(std::string_view generation_id, int index, std::string_view text,
                            std::string_view signature, std::string_view encrypted,
                            std::string_view format) {
  Json summary = Json::array();
  if (!text.empty()) summary.push_back({{"type", "summary_text"}, {"text", std::string(text)}});
  Json item = {{"id", ResponsesItemId("rs", generation_id, index)},
               {"type", "reasoning"},
               {"summary", std::move(summary)}};
  if (!signature.empty()) item["signature"] = std::string(signature);
  if (!encrypted.empty()) item["encrypted_content"] = std::string(encrypted);
  if (!format.empty()) item["format"] = std::string(format);
  return item;
}

Json ResponsesMessageItem(std::string_view generation_id, std::string_view text,
                          std::string_view refusal, std::string_view status) {
  Json content = Json::array();
  if (!text.empty() || refusal.empty()) {
    content.push_back({{"type", "output_text"}, {"text", std::string(text)}, {"annotations", Json::array()}});
  }
  if (!refusal.empty()) content.push_back({{"type", "refusal"}, {"refusal", std::string(refusal)}});
  return Json{{"id", ResponsesItemId("msg", generation_id, -1)},
              {"type", "message"},
              {"status", std::string(status)},
              {"role", "assistant"},
              {"content", std::move(content)}};
}

Json ResponsesFunctionCallItem(std::string_view generation_id, int index, std::string_view call_id,
                               std::string_view name, std::string_view arguments) {
  return Json{{"id", ResponsesItemId("fc", generation_id, index)},
              {"type", "function_call"},
              {"status", "completed"},
              {"call_id", std::string(call_id)},
              {"name", std::string(name)},
              {"arguments", std::string(arguments)}};
}

}  // namespace wire
}  // namespace switchyard
