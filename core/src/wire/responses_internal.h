// wire/responses_internal.h (wire-internal): what the buffered Responses rendering
// (responses.cpp) and the streamed one (responses_stream.cpp) share, so that both build the
// same `response` object and the same items.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/json/json.h"
#include "switchyard/wire/wire.h"

namespace switchyard::wire {

struct AttemptContext;
struct Failure;

// What the `response` envelope needs.
struct AttemptContextLite {
  std::string generation_id, model_id, provider_name;
  int64_t created = 0;
  Json echo;  // ResponsesToChat's echoed settings (null: defaults)
};

// "msg_<id>", "rs_<id>_<i>", "fc_<id>_<i>" (<id> is the generation id without "gen-"; index -1
// adds no suffix).
std::string ResponsesItemId(std::string_view prefix, std::string_view generation_id, int index);
// The chat usage object (RenderUsage) → the Responses usage object.
Json ResponsesUsage(const Json& chat_usage);
// Merges the money module's cost fields into a Responses usage object (cost_details also named
// upstream_inference_input_cost / upstream_inference_output_cost, as Responses clients read).
void MergeResponsesCost(Json& usage, const Json& cost);
// finish_reason → incomplete_details.reason ("" when the response is complete).
std::string_view ResponsesIncompleteReason(std::string_view finish);
// The `response` object around `output` and `usage`; `error` null or {code, message}.
Json ResponsesEnvelope(const AttemptContextLite& ctx, std::string_view status,
                       std::string_view incomplete_reason, Json output, Json usage, Json error);
Json ResponsesReasoningItem(std::string_view generation_id, int index, std::string_view text,
                            std::string_view signature, std::string_view encrypted,
                            std::string_view format);
Json ResponsesMessageItem(std::string_view generation_id, std::string_view text,
                          std::string_view refusal, std::string_view status);
Json ResponsesFunctionCallItem(std::string_view generation_id, int index, std::string_view call_id,
                               std::string_view name, std::string_view arguments);

// The streamed Responses event sequence, driven by the ClientWriter's normalised events. Raw
// strings are JSON-escaped text without quotes, as the writer receives them.
class ResponsesStream {
 public:
  ResponsesStream(const AttemptContext& ctx, StreamSummary* summary, std::string* out);
  ~ResponsesStream();

  void Content(std::string_view raw);
  void Refusal(std::string_view raw);
  void Reasoning(std::string_view raw);
  void ReasoningSignature(std::string_view raw, std::string_view format);
  void ReasoningEncrypted(std::string_view raw, std::string_view format);
  void ToolCallStart(int index, std::string_view raw_id, std::string_view raw_name,
                     std::string_view raw_args);
  void ToolCallArgs(int index, std::string_view raw_args);
  // Ends the stream: response.completed / response.incomplete with usage and cost.
  void Close(const Json* cost);
  // A failure after the first byte: response.failed.
  void Error(const Failure& failure);

 private:
  struct Item;
  void Begin();
  void Emit(std::string_view type, Json data);
  void Delta(std::string_view type, const Item& item, std::string_view raw,
             std::string_view extra);
  Item& Open(int kind);
  void CloseItem(Item& item);
  void CloseCurrent();
  Json Output() const;
  Json Usage(const Json* cost) const;

  const AttemptContext& ctx_;
  AttemptContextLite lite_;
  StreamSummary* summary_;
  std::string* out_;
  int64_t seq_ = 0;
  bool begun_ = false;
  std::vector<std::unique_ptr<Item>> items_;
  int current_ = -1;             // the open reasoning / message item (index in items_)
  std::vector<int> tool_items_;  // tool call index → items_ index (-1 none)
  int reasoning_count_ = 0;
};

}  // namespace switchyard::wire
