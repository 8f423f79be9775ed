// generation.h: what the router remembers about each generation, and spend rolled up by key,
// workspace, model, provider, app and UTC day.
//
// A GenerationRecord is written once, when the ledger settles a reservation: the host supplies
// the details it observed (model, provider, latency, attribution headers), the ledger fills the
// money and token fields from the settlement, so /generation, /key and the rollups always show
// the amount that was actually charged. Records render as OpenRouter's GET /generation body.
// The ledger keeps the last N records (LedgerConfig::max_generations); the host persists older
// ones if it needs them. Rollups are small counters kept per UTC day for a bounded number of
// days (LedgerConfig::rollup_days).
//
// Thread-safety: plain values; a Rollups object is used by one caller at a time.
//
// Example:
//   GenerationRecord r;
//   r.model = "openai/gpt-4o"; r.provider_name = "OpenAI"; r.streamed = true;
//   ledger.Settle({.id = "gen-1", ..., .record = &r});
//   Json body = RenderGeneration(*ledger.FindGeneration("gen-1"));   // {"data":{...}}
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "switchyard/base/status.h"
#include "switchyard/money/money.h"
#include "switchyard/money/usage.h"

namespace switchyard {

struct ProviderResponse {
  std::string provider_name;
  // The status the router decided for that attempt: the HTTP status it mapped the outcome to (a
  // garbage 200 is a 502), 200 for the one that served, 0 when there was no response at all.
  int32_t status = 0;
  std::optional<int64_t> latency_ms;
  std::string error_type;  // the classified failure ("rate_limit", "timeout", ...); empty: none
  bool operator==(const ProviderResponse&) const = default;
};

struct GenerationRecord {
  // Filled by the host (Settle's input).
  std::string id;                             // "gen-..."
  std::string model;                          // the model that served ("anthropic/claude-sonnet-4")
  std::string provider_name;                  // display name ("Anthropic")
  std::optional<int64_t> latency_ms;          // request start → first byte
  std::optional<int64_t> generation_time_ms;  // first byte → last byte
  bool streamed = false;
  bool cancelled = false;
  std::string finish_reason;                         // normalised; empty = null
  std::string native_finish_reason;                  // the provider's own; empty = null
  std::vector<ProviderResponse> provider_responses;  // every attempt, fallbacks included
  std::string origin;
  std::string http_referer;  // HTTP-Referer header
  std::string app_title;     // X-Title header
  std::optional<int64_t> app_id;
  std::string external_user;  // the request's `user`
  std::string session_id;
  std::string api_type;  // OpenRouter's: "embeddings" for an embeddings request; empty: "completions"

  // Filled by the ledger at settlement.
  std::string key_hash;
  std::string workspace_id;
  Usage usage;
  Cost cost;  // total_cost = cost.charged, upstream = cost.upstream
  int64_t tier_min_prompt_tokens = 0;  // the long-context price tier that applied; 0: base
  int64_t created_at_ms = 0;

  // The app a generation is attributed to: X-Title, else HTTP-Referer, else "".
  std::string_view app() const;
  bool operator==(const GenerationRecord&) const = default;
};

// {"data":{id, model, provider_name, total_cost, usage, upstream_inference_cost, cache_discount,
// is_byok, tokens_prompt, tokens_completion, native_tokens_*, latency, generation_time,
// streamed, cancelled, finish_reason, native_finish_reason, provider_responses, origin,
// http_referer, app_id, external_user, session_id, workspace_id, created_at}} with amounts as
// USD numbers, as OpenRouter renders it; plus what a client needs to recompute the charge:
// native_tokens_cache_write / _1h, cost_components (the Cost as CostToJson writes it: each price
// component at list price as exact decimal USD strings, summing to `list`, then upstream,
// charged, ...) and pricing_tier ({min_prompt_tokens} or null).
Json RenderGeneration(const GenerationRecord& record);
// The same body as JSON text, appended to `out`: what the ledger's `generation` command answers
// through the C ABI (a DOM built only to be written out cost as much as the rest of a settle).
// RenderGeneration is this text read back, so the fields are stated once.
void AppendGenerationBody(std::string& out, const GenerationRecord& record);

// Lossless form for state export (amounts as exact decimal strings) and its inverse. The
// inverse also reads the host-supplied part of a settle command: unknown fields are ignored,
// absent ones keep their defaults.
Json GenerationToJson(const GenerationRecord& record);
Result<GenerationRecord> GenerationFromJson(const Json& json);
// GenerationToJson's text (it is this text read back), appended to `out`.
void AppendGenerationJson(std::string& out, const GenerationRecord& record);
// The record as the ledger's operation log carries it inside a charge entry: the lossless form
// without what the entry states or replay derives (cost, id, created_at_ms, key_hash,
// workspace_id) and without members at their default (empty strings, absent numbers, a zero
// tier). GenerationFromJson reads it back; the ledger's replay fills in the rest.
void AppendGenerationLogJson(std::string& out, const GenerationRecord& record);
// Only the host-observed fields (model, provider_name, latency, ..., session_id).
Status ReadGenerationDetails(const Json& json, GenerationRecord* record);

// ---- rollups -----------------------------------------------------------------------------------

enum class RollupBy : uint8_t { kDay, kKey, kWorkspace, kModel, kProvider, kApp };
const char* RollupByName(RollupBy by);  // "day", "key", ...
std::optional<RollupBy> ParseRollupBy(std::string_view name);

struct RollupTotals {
  int64_t requests = 0;
  Picos cost = 0;           // charged to credits
  Picos upstream = 0;       // upstream inference cost
  Picos byok_upstream = 0;  // upstream cost of BYOK generations (paid by the user to the provider)
  int64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0, cache_write_tokens = 0,
          reasoning_tokens = 0;
  void Add(const GenerationRecord& r);
  bool operator==(const RollupTotals&) const = default;
};

class Rollups {
 public:
  Rollups() = default;
  Rollups(const Rollups& other);  // rebuilds the name index over its own copies
  Rollups& operator=(const Rollups& other);
  Rollups(Rollups&& other) noexcept;  // deque and map nodes move with their addresses
  Rollups& operator=(Rollups&& other) noexcept;

  // Counts one settled generation under its UTC day (created_at) in every dimension.
  void Add(const GenerationRecord& record);
  // Drops every day before `first_day` (a UtcDay number).
  void PruneBefore(int64_t first_day);

  // {"data":[{"day":"2026-08-01","<by>":name,...totals}]} for days in [from_day, to_day],
  // sorted by day then name. RollupBy::kDay gives one row per day.
  Json Render(RollupBy by, int64_t from_day, int64_t to_day) const;
  std::optional<RollupTotals> Get(RollupBy by, std::string_view name, int64_t day) const;

  // Canonical (sorted) export and its inverse.
  Json ToJson() const;
  static Result<Rollups> FromJson(const Json& json);
  size_t size() const { return totals_.size(); }

 private:
  uint32_t Intern(std::string_view name);
  static uint64_t Slot(RollupBy by, int64_t day, uint32_t symbol);
  void AddTo(RollupBy by, int64_t day, std::string_view name, const RollupTotals& delta);

  std::deque<std::string> names_;  // stable addresses: the index below holds views into it
  std::unordered_map<std::string_view, uint32_t> symbols_;
  std::unordered_map<uint64_t, RollupTotals> totals_;

  // The row each dimension touched last: consecutive generations mostly share model, provider,
  // key and day, so Add usually compares six short strings instead of hashing them.
  struct Recent {
    uint64_t slot = 0;
    std::string_view name;
    RollupTotals* totals = nullptr;
  };
  Recent recent_[6];
  void ForgetRecent();
};

}  // namespace switchyard
