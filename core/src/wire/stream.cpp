// Stream translation: upstream SSE → (per-format decoder) → normalised events → ClientWriter →
// client bytes, in OpenAI chunk shape or as Anthropic Messages events. The writer builds its
// output by appending to one reused string: an upstream chunk costs a JSON validation pass, a few
// lookups and one append, with no allocation once the buffers have grown.
#include <algorithm>

#include "switchyard/request/request.h"
#include "switchyard/wire/anthropic.h"
#include "switchyard/wire/wire.h"
#include "wire/internal.h"
#include "wire/responses_internal.h"

namespace switchyard {
namespace wire {
namespace {

void AppendEvent(std::string& out, std::string_view name) {
  out.append("event: ");
  out.append(name);
  out.append("\ndata: ");
}

bool IsAnthropicFormat(std::string_view format) { return format.substr(0, 9) == "anthropic"; }

}  // namespace

ClientWriter::ClientWriter(const AttemptContext& ctx, StreamSummary* summary)
    : ctx_(ctx), summary_(summary) {
  // {"id":..,"provider":..,"model":..,"object":"chat.completion.chunk","created":N,
  std::string head = "{\"id\":";
  AppendQuoted(head, ctx.generation_id);
  head.append(",\"provider\":");
  AppendQuoted(head, ctx.provider_name);
  head.append(",\"model\":");
  AppendQuoted(head, ctx.model_id);
  head.append(",\"object\":\"chat.completion.chunk\",\"created\":");
  AppendInt(head, ctx.created);
  head.push_back(',');
  prefix_ = "data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"";
  scratch_ = std::move(head);  // kept as the chunk head for usage and error chunks
  if (ctx.client_format == ClientFormat::kResponses) {
    responses_ = std::make_unique<ResponsesStream>(ctx, summary, &out_);
  }
}

ClientWriter::~ClientWriter() = default;

void ClientWriter::Begin() {
  if (emitted_) return;
  emitted_ = true;
  summary_->first_byte_emitted = true;
  if (ctx_.client_format != ClientFormat::kAnthropic) return;
  const Usage& u = summary_->usage;
  AppendEvent(out_, "message_start");
  out_.append("{\"type\":\"message_start\",\"message\":{\"id\":");
  AppendQuoted(out_, ctx_.generation_id);
  out_.append(",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
  AppendQuoted(out_, ctx_.model_id);
  out_.append(
      ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":");
  AppendInt(out_, u.uncached_prompt_tokens());
  out_.append(",\"cache_creation_input_tokens\":");
  AppendInt(out_, u.cache_write_tokens + u.cache_write_1h_tokens);
  out_.append(",\"cache_read_input_tokens\":");
  AppendInt(out_, u.cached_tokens);
  out_.append(",\"output_tokens\":0}}}\n\n");
  ++summary_->client_events;
}

void ClientWriter::ChunkOpen() {
  Begin();
  out_.append(prefix_);
}

void ClientWriter::ChunkClose(std::string_view finish, std::string_view raw_native) {
  out_.append("},\"finish_reason\":");
  if (finish.empty()) {
    out_.append("null");
  } else {
    out_.push_back('"');
    out_.append(finish);
    out_.push_back('"');
  }
  out_.append(",\"native_finish_reason\":");
  if (raw_native.empty()) {
    out_.append("null");
  } else {
    out_.push_back('"');
    AppendRawUtf8(out_, raw_native);
    out_.push_back('"');
  }
  out_.append(",\"logprobs\":null}]}\n\n");
  ++summary_->client_events;
}

void ClientWriter::AnthropicBlock(int kind, std::string_view start_json) {
  Begin();
  AnthropicStopBlock();
  open_block_ = next_block_++;
  open_kind_ = kind;
  AppendEvent(out_, "content_block_start");
  out_.append("{\"type\":\"content_block_start\",\"index\":");
  AppendInt(out_, open_block_);
  out_.append(",\"content_block\":");
  out_.append(start_json);
  out_.append("}\n\n");
  ++summary_->client_events;
}

void ClientWriter::AnthropicStopBlock() {
  if (open_block_ < 0) return;
  AppendEvent(out_, "content_block_stop");
  out_.append("{\"type\":\"content_block_stop\",\"index\":");
  AppendInt(out_, open_block_);
  out_.append("}\n\n");
  ++summary_->client_events;
  open_block_ = -1;
  open_kind_ = 0;
}

void ClientWriter::AnthropicDelta(std::string_view delta_prefix, std::string_view raw,
                                  std::string_view suffix) {
  AppendEvent(out_, "content_block_delta");
  out_.append("{\"type\":\"content_block_delta\",\"index\":");
  AppendInt(out_, open_block_);
  out_.append(",\"delta\":");
  out_.append(delta_prefix);
  AppendRawUtf8(out_, raw);
  out_.append(suffix);
  out_.append("}\n\n");
  ++summary_->client_events;
}

void ClientWriter::Content(std::string_view raw) {
  output_chars_ += static_cast<int64_t>(raw.size());
  in_reasoning_ = false;
  if (responses_) return Begin(), responses_->Content(raw);
  if (ctx_.client_format == ClientFormat::kAnthropic) {
    if (open_kind_ != 1) AnthropicBlock(1, "{\"type\":\"text\",\"text\":\"\"}");
    AnthropicDelta("{\"type\":\"text_delta\",\"text\":\"", raw, "\"}");
    return;
  }
  ChunkOpen();
  out_.append(",\"content\":\"");
  AppendRawUtf8(out_, raw);
  out_.push_back('"');
  ChunkClose({}, {});
}

void ClientWriter::Refusal(std::string_view raw) {
  output_chars_ += static_cast<int64_t>(raw.size());
  if (responses_) return Begin(), responses_->Refusal(raw);
  if (ctx_.client_format == ClientFormat::kAnthropic) {
    Content(raw);
    return;
  }
  in_reasoning_ = false;
  ChunkOpen();
  out_.append(",\"content\":\"\",\"refusal\":\"");
  AppendRawUtf8(out_, raw);
  out_.push_back('"');
  ChunkClose({}, {});
}

void ClientWriter::Reasoning(std::string_view raw, std::string_view format) {
  output_chars_ += static_cast<int64_t>(raw.size());
  if (ctx_.exclude_reasoning) return;
  bool new_block = !in_reasoning_;
  if (new_block && !format.empty()) ++reasoning_index_;  // details are numbered per block
  in_reasoning_ = true;
  if (responses_) return Begin(), responses_->Reasoning(raw);
  if (ctx_.client_format == ClientFormat::kAnthropic) {
    if (open_kind_ != 2 || new_block) {
      AnthropicBlock(2, "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}");
    }
    AnthropicDelta("{\"type\":\"thinking_delta\",\"thinking\":\"", raw, "\"}");
    return;
  }
  ChunkOpen();
  out_.append(",\"content\":\"\",\"reasoning\":\"");
  AppendRawUtf8(out_, raw);
  out_.push_back('"');
  if (!format.empty()) {
    out_.append(",\"reasoning_details\":[{\"type\":\"reasoning.text\",\"text\":\"");
    AppendRawUtf8(out_, raw);
    out_.append("\",\"format\":\"");
    out_.append(format);
    out_.append("\",\"index\":");
    AppendInt(out_, reasoning_index_);
    out_.append("}]");
  }
  ChunkClose({}, {});
}

void ClientWriter::ReasoningSignature(std::string_view raw_signature, std::string_view format) {
  if (ctx_.exclude_reasoning) return;
  if (!in_reasoning_) ++reasoning_index_;
  bool was_open = in_reasoning_;
  in_reasoning_ = false;  // a signature closes its thinking block
  if (responses_) return Begin(), responses_->ReasoningSignature(raw_signature, format);
  if (ctx_.client_format == ClientFormat::kAnthropic) {
    if (open_kind_ != 2 || !was_open) {
      AnthropicBlock(2, "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}");
    }
    AnthropicDelta("{\"type\":\"signature_delta\",\"signature\":\"", raw_signature, "\"}");
    return;
  }
  ChunkOpen();
  out_.append(
      ",\"content\":\"\",\"reasoning_details\":[{\"type\":\"reasoning.text\",\"signature\":\"");
  AppendRawUtf8(out_, raw_signature);
  out_.append("\",\"format\":\"");
  out_.append(format);
  out_.append("\",\"index\":");
  AppendInt(out_, reasoning_index_);
  out_.append("}]");
  ChunkClose({}, {});
}

void ClientWriter::ReasoningEncrypted(std::string_view raw_data, std::string_view format) {
  if (ctx_.exclude_reasoning) return;
  ++reasoning_index_;
  in_reasoning_ = false;
  if (responses_) return Begin(), responses_->ReasoningEncrypted(raw_data, format);
  if (ctx_.client_format == ClientFormat::kAnthropic) {
    if (!IsAnthropicFormat(format)) return;  // another provider's signature means nothing here
    scratch2_.assign("{\"type\":\"redacted_thinking\",\"data\":\"");
    AppendRawUtf8(scratch2_, raw_data);
    scratch2_.append("\"}");
    AnthropicBlock(4, scratch2_);
    AnthropicStopBlock();
    return;
  }
  ChunkOpen();
  out_.append(
      ",\"content\":\"\",\"reasoning_details\":[{\"type\":\"reasoning.encrypted\",\"data\":\"");
  AppendRawUtf8(out_, raw_data);
  out_.append("\",\"format\":\"");
  out_.append(format);
  out_.append("\",\"index\":");
  AppendInt(out_, reasoning_index_);
  out_.append("}]");
  ChunkClose({}, {});
}

void ClientWriter::RawReasoningDetails(std::string_view raw_array) {
  if (responses_) return;  // reasoning text comes through Reasoning()
  if (ctx_.exclude_reasoning || ctx_.client_format == ClientFormat::kAnthropic) return;
  ChunkOpen();
  out_.append(",\"content\":\"\",\"reasoning_details\":");
  AppendRawUtf8(out_, raw_array);
  ChunkClose({}, {});
}

void ClientWriter::ToolCallStart(int index, std::string_view raw_id, std::string_view raw_name,
                                 std::string_view raw_args) {
  output_chars_ += static_cast<int64_t>(raw_name.size() + raw_args.size());
  in_reasoning_ = false;
  tool_calls_seen_ = true;
  if (responses_) return Begin(), responses_->ToolCallStart(index, raw_id, raw_name, raw_args);
  if (ctx_.client_format == ClientFormat::kAnthropic) {
    scratch2_.assign("{\"type\":\"tool_use\",\"id\":\"");
    AppendRawUtf8(scratch2_, raw_id);
    scratch2_.append("\",\"name\":\"");
    AppendRawUtf8(scratch2_, raw_name);
    scratch2_.append("\",\"input\":{}}");
    AnthropicBlock(3, scratch2_);
    if (static_cast<size_t>(index) >= tool_blocks_.size()) tool_blocks_.resize(index + 1, -1);
    tool_blocks_[index] = open_block_;
    if (!raw_args.empty())
      AnthropicDelta("{\"type\":\"input_json_delta\",\"partial_json\":\"", raw_args, "\"}");
    return;
  }
  ChunkOpen();
  out_.append(",\"content\":null,\"tool_calls\":[{\"index\":");
  AppendInt(out_, index);
  out_.append(",\"id\":\"");
  AppendRawUtf8(out_, raw_id);
  out_.append("\",\"type\":\"function\",\"function\":{\"name\":\"");
  AppendRawUtf8(out_, raw_name);
  out_.append("\",\"arguments\":\"");
  AppendRawUtf8(out_, raw_args);
  out_.append("\"}}]");
  ChunkClose({}, {});
}

void ClientWriter::ToolCallArgs(int index, std::string_view raw_args) {
  output_chars_ += static_cast<int64_t>(raw_args.size());
  if (responses_) return responses_->ToolCallArgs(index, raw_args);
  if (ctx_.client_format == ClientFormat::kAnthropic) {
    if (index < 0 || static_cast<size_t>(index) >= tool_blocks_.size() || tool_blocks_[index] < 0)
      return;
    int saved = open_block_;
    open_block_ = tool_blocks_[index];  // fragments of an earlier call keep their block index
    AnthropicDelta("{\"type\":\"input_json_delta\",\"partial_json\":\"", raw_args, "\"}");
    open_block_ = saved;
    return;
  }
  ChunkOpen();
  out_.append(",\"content\":null,\"tool_calls\":[{\"index\":");
  AppendInt(out_, index);
  out_.append(",\"function\":{\"arguments\":\"");
  AppendRawUtf8(out_, raw_args);
  out_.append("\"}}]");
  ChunkClose({}, {});
}

void ClientWriter::Finish(std::string_view finish, std::string_view raw_native) {
  if (finished_) return;
  finished_ = true;
  in_reasoning_ = false;
  summary_->finish_reason = std::string(finish);
  summary_->native_finish_reason.clear();
  // The raw value is escaped JSON text; finish reasons are plain words, but unescape to be exact.
  summary_->native_finish_reason = Unescape(raw_native);
  if (responses_) return;  // told in response.completed / response.incomplete
  if (ctx_.client_format == ClientFormat::kAnthropic) return;  // sent with message_delta
  ChunkOpen();
  out_.append(",\"content\":\"\"");
  ChunkClose(finish, raw_native);
}

void ClientWriter::Close(const Json* cost) {
  if (responses_) return Begin(), responses_->Close(cost);
  const Usage& u = summary_->usage;
  if (ctx_.client_format == ClientFormat::kAnthropic) {
    Begin();
    AnthropicStopBlock();
    Json usage = {{"input_tokens", u.uncached_prompt_tokens()},
                  {"cache_creation_input_tokens", u.cache_write_tokens + u.cache_write_1h_tokens},
                  {"cache_read_input_tokens", u.cached_tokens},
                  {"output_tokens", u.completion_tokens}};
    if (cost && cost->is_object()) {
      for (auto it = cost->begin(); it != cost->end(); ++it) usage[it.key()] = it.value();
    }
    AppendEvent(out_, "message_delta");
    out_.append("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"");
    out_.append(FinishToAnthropicStop(summary_->finish_reason, summary_->native_finish_reason));
    out_.append("\",\"stop_sequence\":null},\"usage\":");
    out_.append(Dump(usage));
    out_.append("}\n\n");
    AppendEvent(out_, "message_stop");
    out_.append("{\"type\":\"message_stop\"}\n\n");
    summary_->client_events += 2;
    return;
  }
  if (!emitted_) {
    // An empty answer still gets one choice chunk, so clients see the assistant turn.
    ChunkOpen();
    out_.append(",\"content\":\"\"");
    ChunkClose({}, {});
  }
  Json usage = RenderUsage(u);
  if (cost && cost->is_object()) {
    for (auto it = cost->begin(); it != cost->end(); ++it) usage[it.key()] = it.value();
  }
  out_.append("data: ");
  out_.append(scratch_);
  out_.append("\"choices\":[],\"usage\":");
  out_.append(Dump(usage));
  out_.append("}\n\n");
  out_.append(kSseDone);
  summary_->client_events += 2;
}

void ClientWriter::Error(const Failure& f) {
  if (responses_) return responses_->Error(f);
  if (ctx_.client_format == ClientFormat::kAnthropic) {
    Json body = {{"type", "error"},
                 {"error", {{"type", AnthropicErrorType(f.error_type)}, {"message", f.message}}}};
    AppendEvent(out_, "error");
    out_.append(Dump(body));
    out_.append("\n\n");
    ++summary_->client_events;
    return;
  }
  Json error = {
      {"code", HttpStatus(f.code)},
      {"message", f.message},
      {"metadata", {{"error_type", f.error_type}, {"provider_name", ctx_.provider_name}}}};
  out_.append("data: ");
  out_.append(scratch_);
  out_.append("\"error\":");
  out_.append(Dump(error));
  out_.append(
      ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\","
      "\"native_finish_reason\":null}]}\n\n");
  out_.append(kSseDone);
  summary_->client_events += 2;
}

}  // namespace wire

// ---- the translator ---------------------------------------------------------------------------

struct StreamTranslator::Impl : wire::StreamSink {
  Impl(wire::AttemptContext c, int status, Headers h, int64_t now)
      : ctx(std::move(c)),
        writer_(ctx, &summary_),
        status_(status),
        headers_(std::move(h)),
        now_ms_(now) {}

  wire::ClientWriter& writer() override { return writer_; }
  StreamSummary& summary() override { return summary_; }

  void Fail(wire::ProviderError e) override {
    if (summary_.terminated) return;
    wire::Failure f = wire::Classify(ctx, e);
    summary_.terminated = true;
    summary_.error = wire::FailureStatus(ctx, f);
    summary_.error_type = f.error_type;
    summary_.retry_after_ms = f.retry_after_ms;
    summary_.model_fallback_eligible = f.model_fallback_eligible;
    if (!writer_.emitted()) {
      // Nothing reached the client: the host may still fall back.
      summary_.outcome = f.outcome;
      summary_.error_status = HttpStatus(f.code);
      summary_.error_body = Dump(wire::FailureBody(ctx, f));
    } else {
      summary_.outcome = Outcome::kFail;
      summary_.finish_reason = "error";
      EstimateCutUsage();
      writer_.Error(f);
    }
  }

  // A stream that fails after the client got content is still billed for what was generated.
  // Providers report usage only at the end, so when none arrived the usage is estimated the way
  // the planner estimates prompts: about four bytes of output per token, and the request's
  // estimated prompt. Provider-reported counts always win.
  void EstimateCutUsage() {
    Usage& u = summary_.usage;
    if (u.known && u.completion_tokens > 0) return;
    int64_t generated = (writer_.output_chars() + 3) / 4;
    if (u.completion_tokens < generated) u.completion_tokens = generated;
    if (u.prompt_tokens == 0) u.prompt_tokens = ctx.estimated_prompt_tokens;
  }

  void OnEvent(const SseEvent& event) {
    if (summary_.terminated) return;
    ++summary_.upstream_events;
    decoder->OnEvent(event, *this);
  }

  // A whole JSON body (non-2xx, or a provider that answered a stream request with JSON):
  // translated once; a failure ends the attempt with no client bytes, a success is replayed as a
  // stream by Replay() once the cost is known.
  void PrepareBuffered(std::string_view body) {
    // The OpenAI shape is what the replay walks; the writer renders the client's format.
    wire::AttemptContext openai_ctx = ctx;
    openai_ctx.client_format = ClientFormat::kOpenAI;
    AttemptResult r = wire::TranslateWithContext(openai_ctx, status_, headers_, body, now_ms_);
    if (r.outcome != Outcome::kDone) {
      summary_.terminated = true;
      summary_.outcome = r.outcome;
      summary_.error = r.error;
      summary_.error_type = r.error_type;
      summary_.retry_after_ms = r.retry_after_ms;
      summary_.model_fallback_eligible = r.model_fallback_eligible;
      summary_.error_status = r.client_status;
      summary_.error_body = ctx.client_format == ClientFormat::kAnthropic
                                ? Dump(AnthropicErrorBody(r.error))
                                : r.client_body;
      return;
    }
    summary_.usage = r.usage;
    summary_.finish_reason = r.finish_reason;
    summary_.native_finish_reason = r.native_finish_reason;
    summary_.upstream_done = true;
    buffered_ = std::move(r.client_json);
    replay_ = true;
  }

  void Replay(const Json* cost) {
    const Json* choices = FindArray(buffered_, "choices");
    const Json* message =
        choices && !choices->empty() ? FindObject((*choices)[0], "message") : nullptr;
    std::string esc;
    auto escaped = [&](std::string_view s) -> std::string_view {
      esc.clear();
      AppendEscaped(esc, s);
      return esc;
    };
    if (message) {
      if (auto r = FindString(*message, "reasoning"); r && !r->empty())
        writer_.Reasoning(escaped(*r), {});
      if (auto c = FindString(*message, "content"); c && !c->empty()) writer_.Content(escaped(*c));
      if (const Json* calls = FindArray(*message, "tool_calls")) {
        int index = 0;
        for (const Json& call : *calls) {
          const Json* fn = FindObject(call, "function");
          std::string id, name, args;
          AppendEscaped(id, FindString(call, "id").value_or(""));
          if (fn) {
            AppendEscaped(name, FindString(*fn, "name").value_or(""));
            AppendEscaped(args, FindString(*fn, "arguments").value_or(""));
          }
          writer_.ToolCallStart(index++, id, name, args);
        }
      }
    }
    std::string finish = summary_.finish_reason, native;
    AppendEscaped(native, summary_.native_finish_reason);
    if (!finish.empty()) writer_.Finish(finish, native);
    writer_.Close(cost);
    summary_.terminated = true;
    summary_.outcome = Outcome::kDone;
  }

  wire::AttemptContext ctx;
  StreamSummary summary_;
  wire::ClientWriter writer_;
  SseParser parser;
  std::unique_ptr<wire::StreamDecoder> decoder;
  bool collect = false;   // the body is JSON, not SSE: keep it whole
  std::string collected;  // the JSON body, or the first bytes of an SSE stream
  int status_;
  Headers headers_;
  int64_t now_ms_;
  bool input_closed = false;  // CloseInput ran; its bytes wait in the writer for Finish
  bool finished = false;      // Finish ran
  bool replay_ = false;       // a buffered success waits for Finish to be replayed
  Json buffered_;             // that success, in OpenAI shape
};

namespace {
constexpr size_t kMaxCollected = 16u << 20;    // a buffered body's limit (as ParseJson's)
constexpr size_t kKeptStreamHead = 64u << 10;  // SSE bytes kept in case the body is not SSE
}  // namespace

StreamTranslator::StreamTranslator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StreamTranslator::~StreamTranslator() = default;

Result<std::unique_ptr<StreamTranslator>> StreamTranslator::Open(const AttemptSpec& spec,
                                                                 int http_status,
                                                                 const Headers& headers,
                                                                 int64_t now_ms) {
  if (!spec.provider || !spec.endpoint) {
    return Status::Internal("attempt spec without provider or endpoint");
  }
  wire::AttemptContext ctx = wire::MakeContext(spec);
  if (spec.request) ctx.estimated_prompt_tokens = EstimatePromptTokens(*spec.request);
  auto impl = std::make_unique<Impl>(std::move(ctx), http_status, headers, now_ms);
  switch (impl->ctx.wire) {
    case WireFormat::kOpenAI:
      impl->decoder = wire::MakeOpenAIDecoder(impl->ctx);
      break;
    case WireFormat::kAnthropic:
      impl->decoder = wire::MakeAnthropicDecoder(impl->ctx);
      break;
    case WireFormat::kGemini:
      impl->decoder = wire::MakeGeminiDecoder(impl->ctx);
      break;
    case WireFormat::kOpenAIResponses:
      impl->decoder = wire::MakeResponsesDecoder(impl->ctx);
      break;
  }
  std::string_view type = FindHeader(headers, "content-type").value_or("");
  bool json = type.find("json") != std::string_view::npos &&
              type.find("event-stream") == std::string_view::npos;
  impl->collect = http_status < 200 || http_status > 299 || json;
  return std::unique_ptr<StreamTranslator>(new StreamTranslator(std::move(impl)));
}

std::string_view StreamTranslator::Feed(std::string_view bytes) {
  Impl& s = *impl_;
  if (s.input_closed) return {};  // bytes CloseInput produced wait for Finish
  s.writer_.out().clear();
  if (s.summary_.terminated) return {};
  if (s.collect) {
    size_t room = kMaxCollected + 1 - std::min(kMaxCollected + 1, s.collected.size());
    s.collected.append(bytes.substr(0, room));
    return {};
  }
  if (s.collected.size() < kKeptStreamHead) {  // the same head for every split of the bytes
    s.collected.append(bytes.substr(0, kKeptStreamHead - s.collected.size()));
  }
  s.parser.Feed(bytes, [&s](const SseEvent& e) { s.OnEvent(e); });
  if (s.parser.overflow() && !s.summary_.terminated) {
    wire::ProviderError e;
    e.forced_type = "invalid_response";
    e.message = "Provider sent a stream event beyond the size limit";
    s.Fail(std::move(e));
  }
  return s.writer_.out();
}

void StreamTranslator::CloseInput() {
  Impl& s = *impl_;
  if (s.input_closed) return;
  s.writer_.out().clear();
  s.input_closed = true;
  if (s.summary_.terminated) return;
  if (s.collect) {
    s.PrepareBuffered(s.collected);
    return;
  }
  s.parser.Finish([&s](const SseEvent& e) { s.OnEvent(e); });
  if (s.summary_.terminated || s.decoder->Complete(s)) return;
  // A provider that ignored `stream` and answered with a JSON body over an SSE content type.
  std::string_view head = s.collected;
  while (!head.empty() && (head.front() == ' ' || head.front() == '\n' || head.front() == '\r')) {
    head.remove_prefix(1);
  }
  if (s.summary_.upstream_events == 0 && !head.empty() &&
      (head.front() == '{' || head.front() == '[')) {
    s.PrepareBuffered(s.collected);
  }
}

std::string_view StreamTranslator::Finish(bool aborted, std::string_view reason, const Json* cost) {
  Impl& s = *impl_;
  if (s.finished) {
    s.writer_.out().clear();
    return {};
  }
  s.finished = true;
  if (!s.input_closed) {
    s.writer_.out().clear();
    if (aborted && s.collect) {
      s.input_closed = true;  // a cut JSON body is not worth parsing
    } else {
      CloseInput();
    }
  }
  // From here the writer holds what CloseInput produced and appends the ending to it.
  if (s.summary_.terminated) return s.writer_.out();
  bool complete = s.replay_ || (!s.collect && s.decoder->Complete(s));
  if (aborted && !complete) {
    wire::ProviderError e;
    e.forced_type = reason == "timeout" ? "timeout" : "connection_error";
    e.message = reason == "timeout" ? "Provider timed out" : "Provider connection closed early";
    s.Fail(std::move(e));
    return s.writer_.out();
  }
  if (s.replay_) {
    s.replay_ = false;
    s.Replay(cost);
    return s.writer_.out();
  }
  if (!complete) {
    wire::ProviderError e;
    e.forced_type = "invalid_response";
    e.message = s.summary_.upstream_events == 0
                    ? "Provider stream ended without any event"
                    : "Provider stream ended before the answer was complete";
    e.raw = wire::TruncateRaw(s.collected);
    s.Fail(std::move(e));
    return s.writer_.out();
  }
  // Complete (an abort after the provider had finished its answer counts as a normal end).
  s.writer_.Close(cost);
  s.summary_.terminated = true;
  s.summary_.outcome = Outcome::kDone;
  return s.writer_.out();
}

const StreamSummary& StreamTranslator::summary() const { return impl_->summary_; }

Json StreamTranslator::SummaryJson() const {
  const StreamSummary& s = impl_->summary_;
  return Json{{"terminated", s.terminated},
              {"outcome", OutcomeName(s.outcome)},
              {"first_byte_emitted", s.first_byte_emitted},
              {"upstream_done", s.upstream_done},
              {"usage", RenderUsage(s.usage)},
              {"usage_known", s.usage.known},
              {"finish_reason", s.finish_reason.empty() ? Json() : Json(s.finish_reason)},
              {"native_finish_reason",
               s.native_finish_reason.empty() ? Json() : Json(s.native_finish_reason)},
              {"error", s.error.ok() ? Json() : ErrorBody(s.error)},
              {"error_type", s.error_type.empty() ? Json() : Json(s.error_type)},
              {"retry_after_ms", s.retry_after_ms},
              {"model_fallback_eligible", s.model_fallback_eligible},
              {"error_status", s.error_status},
              {"error_body", s.error_body},
              {"upstream_events", s.upstream_events},
              {"client_events", s.client_events}};
}

}  // namespace switchyard
