// Ledger::Apply: the JSON command surface behind sy_ledger_apply. One object in, one object out;
// failures are Status values that the C ABI renders as the documented error body.
//
// Every command is {"op": <name>, ...}. Amounts are USD as decimal strings ("10.5") or numbers;
// times are now_ms (integer ms since the epoch, required by every command that changes state).
// Results that mirror an OpenRouter endpoint have OpenRouter's shape ({"data":...}); the others
// carry exact decimal strings.
//
//   account and credits
//     configure     {account_id?, allowed_models?, allowed_providers?, ignored_providers?, zdr?,
//                    data_collection?, byok_providers?, settings?{reservation_ttl_ms,
//                    max_generations, idempotency_window_ms, max_closed_reservations,
//                    rollup_days, journal, fallback_max_tokens}}
//     purchase      {id, amount, now_ms, note?}   amount = what the customer paid; fee deducted
//     grant         {id, amount, now_ms, note?}
//     refund        {id, amount, now_ms, note?}
//     credits       {key_hash?, now_ms?}          → GET /credits body (403 unless a management key)
//     balance       {}                            → exact totals
//     movements     {}                            → every purchase, grant and refund
//   keys (hash = lowercase hex SHA-256 of the secret, computed by the host; the host checks the
//   caller with authenticate {use: "management"} before these)
//     create_key    {hash, name, label?, limit?, limit_reset?, include_byok_in_limit?,
//                    expires_at?, workspace_id?, guardrails?, management?, disabled?, now_ms}
//     update_key    {hash, <any create field but management>, now_ms}
//     delete_key    {hash, now_ms}
//     get_key       {hash, now_ms}                → {"data": key}
//     list_keys     {now_ms, include_disabled?}   → {"data": [key]}
//     authenticate  {key_hash, use?: inference|management|any, now_ms}
//                                                 → {"data": key, "context": policy context}
//     key_info      {key_hash, now_ms}            → GET /key body
//     policy        {key_hash, now_ms}            → policy context (planner input)
//   workspaces and guardrails
//     put_workspace {id, name?, limit?, limit_reset?, include_byok_in_limit?, guardrails?, now_ms}
//     put_guardrail {id, name?, description?, allowed_models?, allowed_providers?, enforce_zdr?,
//                    limit? (or limit_usd), limit_reset? (or reset_interval),
//                    include_byok_in_limit?, now_ms}
//     get_workspace / delete_workspace / get_guardrail / delete_guardrail  {id, now_ms?}
//     list_workspaces / list_guardrails {now_ms?}
//   the money path
//     reserve       {id, key_hash, now_ms, ttl_ms?, estimated_prompt_tokens, max_tokens?, images?,
//                    attempts: [{endpoint: i, byok?} | {pricing:{..}, tiers?, context_length?,
//                    max_completion_tokens?, byok?}]}
//                   or {id, key_hash, now_ms, plan: <sy_router_plan output>} (attempts,
//                   estimated_prompt_tokens and max_tokens are read from the plan)
//     settle        {id, now_ms, priced:{usage, cost, tier_min_prompt_tokens} (charged as it is)
//                    | usage:{...} (priced here), finish_reason?, byok?, discount?, byok_fee?,
//                    endpoint: i | pricing:{..} (+tiers) | attempt: <plan attempt>,
//                    generation?: {model, provider_name, latency_ms, generation_time_ms,
//                    streamed, cancelled, native_finish_reason, provider_responses, origin,
//                    http_referer, app_title, app_id, external_user, session_id}, reply?}
//                   → the settlement's amounts and usage; with reply "none": {} (for a host
//                   that reads only the status); with reply "generation": the `generation` body
//                   of the record it wrote ({} when the ledger keeps none)
//     release       {id, now_ms}
//     expire        {now_ms}
//   credit leases (ledger.h, "credit leases")
//     lease_grant   {id, key_hash, want, min?, share?, ttl_ms?, now_ms}
//                                                 → {id, amount, expires_at_ms, replayed}
//     lease_settle  {lease, key_hash, <settle fields>}   settles id on the lease (return = release)
//     lease_trim    {id, amount}                  frees up to amount of the lease → {trimmed}
//   an isolate's lease book (a ledger with no account)
//     book_add      {lease, key_hash, amount, use_until_ms, expires_at_ms}
//     book_reserve  {<reserve fields>}            → {id, lease, hold} (402 reason "lease": none covers)
//     book_done     {id, priced? | charged? | released?} → {id, lease} (none: the whole hold)
//     book_idle     {now_ms, all?}                → {leases: [{lease, key_hash, unused, used}]}
//     book_status   {key_hash, now_ms}            → {available, want, leases, open}
//     book_trim     {key_hash}                    → {trims: [{id, amount}]} (send as lease_trim)
//   records and state
//     generation    {id}                          → GET /generation body
//     generations   {limit?, key_hash?}           → newest first
//     rollup        {by: day|key|workspace|model|provider|app, from?, to?} (dates "2026-08-01")
//     export        {}                            → the state (snapshot + empty log)
//     take_log      {}                            → {"log": [...]} since the last take_log
#include <algorithm>

#include "ledger/ledger_internal.h"
#include "switchyard/catalog/catalog.h"
#include "switchyard/ledger/ledger.h"

namespace switchyard {

using internal::kMaxList;
using internal::kMaxListItem;
using internal::kMaxText;
using internal::OptionalUsdNumber;
using internal::StringOrNull;
using internal::UsdJson;

namespace {

constexpr size_t kMaxAttempts = 64;

Result<int64_t> NowMs(const Json& c) { return ReadNowMs(c); }

// A non-empty string (ids, hashes).
Result<std::string_view> RequiredString(const Json& c, const char* name) {
  JsonFields fields(c);
  std::string_view s;
  SY_RETURN_IF_ERROR(fields.String(name, &s));
  if (s.empty()) return fields.Error(name, "is required");
  return s;
}

// A non-negative integer (token counts, limits, ttls), or nullopt when not given.
Result<std::optional<int64_t>> OptionalCount(const JsonFields& fields, const char* name) {
  std::optional<int64_t> n;
  SY_RETURN_IF_ERROR(fields.Int(name, 0, INT64_MAX, &n));
  return n;
}
Result<std::optional<int64_t>> OptionalCount(const Json& c, const char* name) {
  return OptionalCount(JsonFields(c), name);
}

Result<Picos> Amount(const Json& c, const char* name) {
  const Json* v = Find(c, name);
  if (v == nullptr) return Status::InvalidArgument(std::string(name) + " is required", name);
  Result<Picos> r = ParseUsdJson(*v);
  if (!r.ok()) return Status::InvalidArgument(r.status().message(), name);
  return r;
}

// limit / limit_reset / include_byok_in_limit onto a budget (only the fields present).
Status ApplyBudgetSpec(const Json& c, Budget* b, const char* limit_name = "limit",
                       const char* reset_name = "limit_reset") {
  const Json* limit = Find(c, limit_name);
  if (limit == nullptr && std::string_view(limit_name) == "limit") limit = Find(c, "limit_usd");
  if (limit != nullptr) {
    if (limit->is_null()) {
      b->limit.reset();
    } else {
      Result<Picos> l = ParseUsdJson(*limit);
      if (!l.ok() || *l < 0) {
        return Status::InvalidArgument("limit must be a non-negative USD amount or null", "limit");
      }
      b->limit = *l;
    }
  }
  const Json* reset = Find(c, reset_name);
  if (reset == nullptr) reset = Find(c, "reset_interval");
  if (reset != nullptr) {
    SY_ASSIGN_OR_RETURN(b->reset, ParseLimitReset(reset));
  }
  return JsonFields(c).Bool("include_byok_in_limit", &b->include_byok);
}


// Narrows an allow-list by another (nullopt = no restriction): the result is a ceiling of both.
void Narrow(std::optional<std::vector<std::string>>* into,
            const std::optional<std::vector<std::string>>& with) {
  if (!with) return;
  if (!*into) {
    *into = with;
    return;
  }
  std::vector<std::string> kept;
  for (const std::string& s : **into) {
    if (std::find(with->begin(), with->end(), s) != with->end()) kept.push_back(s);
  }
  *into = std::move(kept);
}

Json OptionalList(const std::optional<std::vector<std::string>>& list) {
  return list ? Json(*list) : Json(nullptr);
}

Json BudgetFields(const Budget& b, const UtcPeriods& now) {
  const char* reset = LimitResetName(b.reset);
  return {{"limit", OptionalUsdNumber(b.limit)},
          {"limit_remaining", OptionalUsdNumber(b.Remaining(now))},
          {"limit_reset", reset ? Json(reset) : Json(nullptr)},
          {"include_byok_in_limit", b.include_byok},
          {"usage", UsdNumber(b.usage.total)},
          {"usage_daily", UsdNumber(b.usage.In(LimitReset::kDaily, now))},
          {"usage_weekly", UsdNumber(b.usage.In(LimitReset::kWeekly, now))},
          {"usage_monthly", UsdNumber(b.usage.In(LimitReset::kMonthly, now))},
          {"byok_usage", UsdNumber(b.byok.total)},
          {"byok_usage_daily", UsdNumber(b.byok.In(LimitReset::kDaily, now))},
          {"byok_usage_weekly", UsdNumber(b.byok.In(LimitReset::kWeekly, now))},
          {"byok_usage_monthly", UsdNumber(b.byok.In(LimitReset::kMonthly, now))}};
}

// Prices given inline by a command, with their tiers, kept alive for the call.
struct InlinePrices {
  Prices base;
  std::vector<PriceTier> tiers;
};

Result<InlinePrices> ReadInlinePrices(const Json& attempt) {
  const Json* pricing = FindObject(attempt, "pricing");
  if (pricing == nullptr) return Status::InvalidArgument("attempt needs endpoint or pricing");
  InlinePrices out;
  SY_ASSIGN_OR_RETURN(out.base, ParseInlinePrices(*pricing));
  if (const Json* tiers = Find(attempt, "tiers"); tiers != nullptr && !tiers->is_null()) {
    if (!tiers->is_array() || tiers->size() > 16) {
      return Status::InvalidArgument("tiers must be an array (at most 16)", "tiers");
    }
    int64_t last = 0;
    for (const Json& t : *tiers) {
      std::optional<int64_t> min = FindInt(t, "min_prompt_tokens");
      const Json* tp = FindObject(t, "pricing");
      if (!min || *min <= last || tp == nullptr) {
        return Status::InvalidArgument(
            "tiers need ascending positive min_prompt_tokens and a pricing object", "tiers");
      }
      Json merged = *pricing;  // a tier states what changes; the rest is the base price
      merged.update(*tp);
      PriceTier tier;
      tier.min_prompt_tokens = *min;
      SY_ASSIGN_OR_RETURN(tier.prices, ParseInlinePrices(merged));
      out.tiers.push_back(std::move(tier));
      last = *min;
    }
  }
  return out;
}

// Resolves one attempt (catalog endpoint or inline prices) for a prompt of `prompt_tokens`.
struct ResolvedAttempt {
  const Endpoint* endpoint = nullptr;
  InlinePrices inline_prices;
  const Prices* prices = nullptr;
  int64_t context_length = 0;
  int64_t max_completion_tokens = 0;
  bool byok = false;
};

Status ResolveAttempt(const Json& a, const Catalog* catalog, int64_t prompt_tokens,
                      ResolvedAttempt* out) {
  if (!a.is_object()) return Status::InvalidArgument("attempts must be objects", "attempts");
  if (const Json* e = Find(a, "endpoint"); e != nullptr && !e->is_null() && !Find(a, "pricing")) {
    if (catalog == nullptr) {
      return Status::InvalidArgument("an attempt by endpoint index needs the router's catalog");
    }
    std::optional<int64_t> index = FindInt(a, "endpoint");
    if (!index || *index < 0 || *index >= static_cast<int64_t>(catalog->endpoints().size())) {
      return Status::InvalidArgument("attempt endpoint index out of range", "endpoint");
    }
    out->endpoint = &catalog->endpoint(static_cast<uint32_t>(*index));
    out->prices = &catalog->PricesFor(*out->endpoint, prompt_tokens);
    out->context_length = out->endpoint->context_length;
    out->max_completion_tokens = out->endpoint->max_completion_tokens;
  } else {
    SY_ASSIGN_OR_RETURN(out->inline_prices, ReadInlinePrices(a));
    out->prices =
        &PricesForPrompt(out->inline_prices.base, out->inline_prices.tiers, prompt_tokens);
  }
  SY_ASSIGN_OR_RETURN(std::optional<int64_t> ctx, OptionalCount(a, "context_length"));
  SY_ASSIGN_OR_RETURN(std::optional<int64_t> mct, OptionalCount(a, "max_completion_tokens"));
  if (ctx) out->context_length = *ctx;
  if (mct) out->max_completion_tokens = *mct;
  out->byok = FindBool(a, "byok").value_or(false);
  return Status::Ok();
}

Result<KeyUse> ParseKeyUse(const Json& c) {
  std::string_view use = FindString(c, "use").value_or("inference");
  if (use == "inference") return KeyUse::kInference;
  if (use == "management") return KeyUse::kManagement;
  if (use == "any") return KeyUse::kAny;
  return Status::InvalidArgument("use must be inference, management or any", "use");
}

Result<int64_t> DayArg(const Json& c, const char* name, int64_t fallback) {
  const Json* v = Find(c, name);
  if (v == nullptr || v->is_null()) return fallback;
  SY_ASSIGN_OR_RETURN(int64_t ms, ParseTimeJson(*v));
  return UtcDay(ms);
}

}  // namespace

// ---- dispatch
// ------------------------------------------------------------------------------------

Result<Json> Ledger::Apply(const Json& command, const Catalog* catalog) {
  if (!command.is_object()) return Status::InvalidArgument("a ledger command must be an object");
  return ApplyCommand(command, catalog);
}

Result<std::string> Ledger::ApplyText(const Json& c, const Catalog* catalog) {
  if (!c.is_object()) return Status::InvalidArgument("a ledger command must be an object");
  std::string_view op = FindString(c, "op").value_or("");
  std::string out;
  if (op == "take_log") {
    out += "{\"log\":";
    TakeLogText(out);
    out += '}';
    return out;
  }
  if (op == "generation") {
    SY_ASSIGN_OR_RETURN(std::string_view id, RequiredString(c, "id"));
    const GenerationRecord* r = FindGeneration(id);
    if (r == nullptr) return Status::NotFound("Generation " + std::string(id) + " not found");
    AppendGenerationBody(out, *r);
    return out;
  }
  if (op == "settle" || op == "lease_settle") {
    SY_ASSIGN_OR_RETURN(std::string_view reply, SettleReply(c));
    if (!reply.empty()) {
      Usage usage;
      Result<Settlement> settled = SettleFromCommand(c, catalog, &usage);
      if (!settled.ok()) return settled.take_status();
      AppendSettleReply(reply, FindString(c, "id").value_or(""), out);
      return out;
    }
  }
  SY_ASSIGN_OR_RETURN(Json result, ApplyCommand(c, catalog));
  result.DumpTo(out);
  return out;
}

Result<Json> Ledger::ApplyCommand(const Json& c, const Catalog* catalog) {
  std::string_view op = FindString(c, "op").value_or("");

  if (op == "reserve" || op == "book_reserve") return ReserveCommand(c, catalog);
  if (op == "settle" || op == "lease_settle") return SettleCommand(c, catalog);
  if (op == "lease_grant" || op == "lease_trim" || op == "book_add" || op == "book_done" ||
      op == "book_idle" || op == "book_status" || op == "book_trim") {
    return LeaseCommand(op, c, catalog);
  }
  if (op == "release") {
    SY_ASSIGN_OR_RETURN(std::string_view id, RequiredString(c, "id"));
    SY_ASSIGN_OR_RETURN(int64_t now, NowMs(c));
    SY_ASSIGN_OR_RETURN(Picos freed, Release(id, now));
    return Json{
        {"id", std::string(id)}, {"released", UsdJson(freed)}, {"available", UsdJson(available())}};
  }
  if (op == "expire") {
    SY_ASSIGN_OR_RETURN(int64_t now, NowMs(c));
    std::vector<std::string> expired = Expire(now);
    return Json{
        {"expired", std::move(expired)}, {"open", active_.size()}, {"held", UsdJson(held_)}};
  }
  if (op == "purchase" || op == "grant" || op == "refund") {
    SY_ASSIGN_OR_RETURN(std::string_view id, RequiredString(c, "id"));
    SY_ASSIGN_OR_RETURN(int64_t now, NowMs(c));
    SY_ASSIGN_OR_RETURN(Picos amount, Amount(c, "amount"));
    std::string note;
    SY_RETURN_IF_ERROR(JsonFields(c).String("note", &note, 1024));
    Movement::Kind kind = op == "purchase" ? Movement::Kind::kPurchase
                          : op == "grant"  ? Movement::Kind::kGrant
                                           : Movement::Kind::kRefund;
    SY_ASSIGN_OR_RETURN(Movement m, Move(kind, id, amount, now, note));
    return Json{{"id", m.id},
                {"kind", MovementKindName(m.kind)},
                {"amount", UsdJson(m.amount)},
                {"fee", UsdJson(m.fee)},
                {"credited", UsdJson(m.credited)},
                {"replayed", m.replayed},
                {"total_credits", UsdJson(total_credits())},
                {"balance", UsdJson(balance())}};
  }
  if (op == "credits") {
    // GET /credits is for management keys: checked when the host names the calling key.
    if (std::optional<std::string_view> hash = FindString(c, "key_hash")) {
      SY_ASSIGN_OR_RETURN(int64_t now, NowMs(c));
      SY_ASSIGN_OR_RETURN(const ApiKey* key, Authenticate(*hash, KeyUse::kManagement, now));
      (void)key;
    }
    return RenderCredits();
  }
  if (op == "balance") {
    return Json{{"total_credits", UsdJson(total_credits())},
                {"total_usage", UsdJson(spent_)},
                {"balance", UsdJson(balance())},
                {"held", UsdJson(held_)},
                {"available", UsdJson(available())},
                {"purchased", UsdJson(paid_)},
                {"purchase_fees", UsdJson(fees_)},
                {"granted", UsdJson(granted_)},
                {"refunded", UsdJson(refunded_)},
                {"overrun", UsdJson(overrun_)},
                {"open_reservations", active_.size()}};
  }
  if (op == "movements") {
    Json data = Json::array();
    for (const Movement& m : movements_) {
      data.push_back({{"id", m.id},
                      {"kind", MovementKindName(m.kind)},
                      {"amount", UsdJson(m.amount)},
                      {"fee", UsdJson(m.fee)},
                      {"credited", UsdJson(m.credited)},
                      {"created_at", FormatIsoUtc(m.at_ms)},
                      {"note", m.note}});
    }
    return Json{{"data", std::move(data)}};
  }
  if (op == "configure") {
    AccountPolicy policy = policy_;
    LedgerConfig config = config_;
    SY_RETURN_IF_ERROR(internal::ApplyPolicy(c, &policy));
    if (const Json* settings = Find(c, "settings")) {
      SY_RETURN_IF_ERROR(internal::ApplySettings(*settings, &config));
    }
    policy_ = std::move(policy);
    config_ = config;
    if (ring_.size() > config_.max_generations || ring_head_ != 0)
      ResizeRing(config_.max_generations);
    if (config_.journal && !replaying_) JournalCommand(c);
    return Json{{"policy", internal::PolicyJson(policy_)},
                {"settings", internal::SettingsJson(config_)}};
  }
  if (op == "create_key" || op == "update_key" || op == "delete_key" || op == "get_key" ||
      op == "list_keys") {
    return KeyCommand(op, c);
  }
  if (op == "authenticate" || op == "key_info" || op == "policy") {
    SY_ASSIGN_OR_RETURN(std::string_view hash, RequiredString(c, "key_hash"));
    SY_ASSIGN_OR_RETURN(int64_t now, NowMs(c));
    if (op == "key_info") return RenderKeyInfo(hash, now);
    if (op == "policy") return PolicyContext(hash, now);
    SY_ASSIGN_OR_RETURN(KeyUse use, ParseKeyUse(c));
    SY_ASSIGN_OR_RETURN(const ApiKey* key, Authenticate(hash, use, now));
    SY_ASSIGN_OR_RETURN(Json context, PolicyContext(hash, now));
    return Json{{"data", RenderKey(*key, now)}, {"context", std::move(context)}};
  }
  if (op == "put_workspace" || op == "delete_workspace" || op == "get_workspace" ||
      op == "list_workspaces") {
    return WorkspaceCommand(op, c);
  }
  if (op == "put_guardrail" || op == "delete_guardrail" || op == "get_guardrail" ||
      op == "list_guardrails") {
    return GuardrailCommand(op, c);
  }
  if (op == "generation") {
    SY_ASSIGN_OR_RETURN(std::string_view id, RequiredString(c, "id"));
    const GenerationRecord* r = FindGeneration(id);
    if (r == nullptr) return Status::NotFound("Generation " + std::string(id) + " not found");
    return RenderGeneration(*r);
  }
  if (op == "generations") {
    SY_ASSIGN_OR_RETURN(std::optional<int64_t> limit, OptionalCount(c, "limit"));
    std::string_view key = FindString(c, "key_hash").value_or("");
    Json data = Json::array();
    for (size_t i = ring_.size(); i-- > 0;) {
      if (limit && static_cast<int64_t>(data.size()) >= *limit) break;
      const GenerationRecord& r = generation(i);
      if (!key.empty() && r.key_hash != key) continue;
      data.push_back(std::move(RenderGeneration(r)["data"]));
    }
    return Json{{"data", std::move(data)}};
  }
  if (op == "rollup") {
    std::optional<RollupBy> by = ParseRollupBy(FindString(c, "by").value_or("day"));
    if (!by)
      return Status::InvalidArgument("by must be day, key, workspace, model, provider or app",
                                     "by");
    SY_ASSIGN_OR_RETURN(int64_t from, DayArg(c, "from", 0));
    SY_ASSIGN_OR_RETURN(int64_t to, DayArg(c, "to", INT64_MAX));
    return rollups_.Render(*by, from, to);
  }
  if (op == "export") return Export();
  if (op == "take_log") return Json{{"log", TakeLog()}};
  if (op.empty()) return Status::InvalidArgument("a ledger command needs an op", "op");
  return Status::InvalidArgument("unknown ledger op '" + std::string(op.substr(0, 40)) + "'", "op");
}

// ---- keys
// ----------------------------------------------------------------------------------------

Json Ledger::RenderKey(const ApiKey& k, int64_t now_ms) const {
  const UtcPeriods now = UtcPeriods::At(now_ms);
  Json out = {{"hash", k.hash},
              {"name", k.name},
              {"label", k.label},
              {"disabled", k.disabled},
              {"is_management_key", k.management}};
  out.update(BudgetFields(k.budget, now));
  Json guardrails = Json::array();
  for (uint32_t g : k.guardrails) guardrails.push_back(guardrails_[g].id);
  // OpenRouter's key schema wants a string here: "" for a key outside every workspace.
  out["workspace_id"] = k.workspace >= 0 ? workspaces_[k.workspace].id : std::string();
  out["guardrails"] = std::move(guardrails);
  out["creator_user_id"] = nullptr;  // no users: keys belong to the account
  out["external_user"] = nullptr;
  out["created_at"] = FormatIsoUtc(k.created_at_ms);
  out["updated_at"] = k.updated_at_ms ? Json(FormatIsoUtc(k.updated_at_ms)) : Json(nullptr);
  out["expires_at"] = k.expires_at_ms ? Json(FormatIsoUtc(*k.expires_at_ms)) : Json(nullptr);
  return out;
}

Result<Json> Ledger::KeyCommand(std::string_view op, const Json& c) {
  SY_ASSIGN_OR_RETURN(int64_t now, NowMs(c));
  if (op == "list_keys") {
    bool include_disabled = FindBool(c, "include_disabled").value_or(true);
    Json data = Json::array();
    for (const ApiKey& k : keys_) {
      if (k.deleted || (k.disabled && !include_disabled)) continue;
      data.push_back(RenderKey(k, now));
    }
    return Json{{"data", std::move(data)}};
  }
  SY_ASSIGN_OR_RETURN(std::string_view hash, RequiredString(c, "hash"));
  std::optional<uint64_t> prefix = internal::KeyHashPrefix(hash);
  if (!prefix) {
    return Status::InvalidArgument("hash must be 64 lowercase hex digits (SHA-256 of the key)",
                                   "hash");
  }
  const int32_t slot = KeySlot(hash);
  if (op == "get_key") {
    if (slot < 0 || keys_[slot].deleted) return Status::NotFound("no such key");
    return Json{{"data", RenderKey(keys_[slot], now)}};
  }
  if (op == "delete_key") {
    if (slot < 0) return Status::NotFound("no such key");
    if (!keys_[slot].deleted) {
      keys_[slot].deleted = true;
      keys_[slot].updated_at_ms = now;
      if (config_.journal && !replaying_) JournalCommand(c);
    }
    return Json{{"deleted", true}};
  }

  // create_key / update_key: build the new key on a copy, commit only if every field is valid.
  ApiKey key;
  if (op == "create_key") {
    // The content of a create is the command without its time: the same create retried later
    // is a replay, anything else reusing the hash is a conflict.
    Json content = c;
    content.erase("now_ms");
    internal::Fingerprint fp;
    fp.Add(std::string_view(Dump(content)));
    if (slot >= 0 || key_index_.count(*prefix)) {
      const ApiKey* existing = slot >= 0 ? &keys_[slot] : nullptr;
      if (existing != nullptr && !existing->deleted && existing->create_fingerprint == fp.value()) {
        return Json{{"data", RenderKey(*existing, now)}, {"replayed", true}};
      }
      return Status::Conflict("a key with this hash already exists");
    }
    key.hash = std::string(hash);
    key.create_fingerprint = fp.value();
    key.created_at_ms = now;
    SY_RETURN_IF_ERROR(JsonFields(c).String("name", &key.name, kMaxText));
    if (key.name.empty()) return Status::InvalidArgument("name is required", "name");
    key.management =
        FindBool(c, "management").value_or(FindBool(c, "is_management_key").value_or(false));
  } else {
    if (slot < 0 || keys_[slot].deleted) return Status::NotFound("no such key");
    key = keys_[slot];
    key.updated_at_ms = now;
    SY_RETURN_IF_ERROR(JsonFields(c).String("name", &key.name, kMaxText));
  }
  SY_RETURN_IF_ERROR(JsonFields(c).String("label", &key.label, kMaxText));
  SY_RETURN_IF_ERROR(ApplyBudgetSpec(c, &key.budget));
  if (const Json* v = Find(c, "disabled")) {
    if (!v->is_boolean()) return Status::InvalidArgument("disabled must be a boolean", "disabled");
    key.disabled = v->get<bool>();
  }
  if (const Json* v = Find(c, "expires_at")) {
    if (v->is_null()) {
      key.expires_at_ms.reset();
    } else {
      Result<int64_t> t = ParseTimeJson(*v);
      if (!t.ok()) return Status::InvalidArgument(t.status().message(), "expires_at");
      if (*t <= now)
        return Status::InvalidArgument("expires_at must be in the future", "expires_at");
      key.expires_at_ms = *t;
    }
  }
  if (const Json* v = Find(c, "workspace_id")) {
    if (v->is_null()) {
      key.workspace = -1;
    } else {
      const Workspace* ws =
          v->is_string() ? FindWorkspace(v->get_ref<const std::string&>()) : nullptr;
      if (ws == nullptr) return Status::NotFound("no such workspace");
      key.workspace = static_cast<int32_t>(ws - workspaces_.data());
    }
  }
  std::optional<std::vector<std::string>> guardrails;
  SY_RETURN_IF_ERROR(JsonFields(c).StringList("guardrails", kMaxList, &guardrails, kMaxListItem));
  if (guardrails) {
    const std::vector<std::string>& ids = *guardrails;
    key.guardrails.clear();
    for (const std::string& id : ids) {
      const Guardrail* g = FindGuardrail(id);
      if (g == nullptr) return Status::NotFound("no such guardrail '" + id + "'");
      uint32_t gs = static_cast<uint32_t>(g - guardrails_.data());
      if (std::find(key.guardrails.begin(), key.guardrails.end(), gs) == key.guardrails.end()) {
        key.guardrails.push_back(gs);
      }
    }
  }
  uint32_t committed;
  if (op == "create_key") {
    committed = static_cast<uint32_t>(keys_.size());
    key_index_.emplace(*prefix, committed);
    keys_.push_back(std::move(key));
  } else {
    committed = static_cast<uint32_t>(slot);
    keys_[committed] = std::move(key);
  }
  if (config_.journal && !replaying_) JournalCommand(c);
  return Json{{"data", RenderKey(keys_[committed], now)}};
}

Result<Json> Ledger::RenderKeyInfo(std::string_view key_hash, int64_t now_ms) const {
  SY_ASSIGN_OR_RETURN(const ApiKey* key, Authenticate(key_hash, KeyUse::kAny, now_ms));
  const UtcPeriods now = UtcPeriods::At(now_ms);
  Json data = {{"label", key->label}};
  data.update(BudgetFields(key->budget, now));
  data["is_free_tier"] = paid_ == 0;
  data["is_management_key"] = key->management;
  data["is_provisioning_key"] = key->management;  // the former name of management keys
  data["expires_at"] = key->expires_at_ms ? Json(FormatIsoUtc(*key->expires_at_ms)) : Json(nullptr);
  data["workspace_id"] = key->workspace >= 0 ? Json(workspaces_[key->workspace].id) : Json(nullptr);
  // OpenRouter's schema has more fields, constants for Switchyard (no users, organizations,
  // regions, free-model quota or rate limit): the edge worker adds them (js/src/worker/api.js).
  return Json{{"data", std::move(data)}};
}

Json Ledger::RenderCredits() const {
  return {{"data",
           {{"total_credits", UsdNumber(total_credits())}, {"total_usage", UsdNumber(spent_)}}}};
}

Result<Json> Ledger::PolicyContext(std::string_view key_hash, int64_t now_ms) const {
  SY_ASSIGN_OR_RETURN(const ApiKey* key, Authenticate(key_hash, KeyUse::kAny, now_ms));
  std::optional<std::vector<std::string>> models = policy_.allowed_models;
  std::optional<std::vector<std::string>> providers = policy_.allowed_providers;
  bool zdr = policy_.zdr;
  auto apply = [&](const std::vector<uint32_t>& slots) {
    for (uint32_t g : slots) {
      const Guardrail& gr = guardrails_[g];
      if (gr.deleted) continue;
      Narrow(&models, gr.allowed_models);
      Narrow(&providers, gr.allowed_providers);
      zdr = zdr || gr.enforce_zdr;
    }
  };
  apply(key->guardrails);
  if (key->workspace >= 0 && !workspaces_[key->workspace].deleted) {
    apply(workspaces_[key->workspace].guardrails);
  }
  return Json{{"account_id", policy_.account_id},
              {"allowed_models", OptionalList(models)},
              {"allowed_providers", OptionalList(providers)},
              {"ignored_providers", policy_.ignored_providers},
              {"zdr", zdr},
              {"data_collection", policy_.deny_data_collection ? "deny" : "allow"},
              {"byok_providers", policy_.byok_providers}};
}

// ---- workspaces and guardrails
// -------------------------------------------------------------------

Json Ledger::RenderWorkspace(const Workspace& w, int64_t now_ms) const {
  Json guardrails = Json::array();
  for (uint32_t g : w.guardrails) guardrails.push_back(guardrails_[g].id);
  Json out = {{"id", w.id}, {"name", w.name}, {"guardrails", std::move(guardrails)}};
  out.update(BudgetFields(w.budget, UtcPeriods::At(now_ms)));
  out["created_at"] = FormatIsoUtc(w.created_at_ms);
  return out;
}

Json Ledger::RenderGuardrail(const Guardrail& g, int64_t now_ms) const {
  Json out = {{"id", g.id},
              {"name", g.name},
              {"description", g.description},
              {"allowed_models", OptionalList(g.allowed_models)},
              {"allowed_providers", OptionalList(g.allowed_providers)},
              {"enforce_zdr", g.enforce_zdr}};
  out.update(BudgetFields(g.budget, UtcPeriods::At(now_ms)));
  out["created_at"] = FormatIsoUtc(g.created_at_ms);
  return out;
}

Result<Json> Ledger::WorkspaceCommand(std::string_view op, const Json& c) {
  const int64_t now = FindInt(c, "now_ms").value_or(0);
  if (op == "list_workspaces") {
    Json data = Json::array();
    for (const Workspace& w : workspaces_) {
      if (!w.deleted) data.push_back(RenderWorkspace(w, now));
    }
    return Json{{"data", std::move(data)}};
  }
  SY_ASSIGN_OR_RETURN(std::string_view id, RequiredString(c, "id"));
  SY_RETURN_IF_ERROR(internal::CheckId(id, "id"));
  auto it = workspace_index_.find(id);
  if (op == "get_workspace" || op == "delete_workspace") {
    if (it == workspace_index_.end() || workspaces_[it->second].deleted) {
      return Status::NotFound("no such workspace");
    }
    if (op == "get_workspace") return Json{{"data", RenderWorkspace(workspaces_[it->second], now)}};
    workspaces_[it->second].deleted = true;
    if (config_.journal && !replaying_) JournalCommand(c);
    return Json{{"deleted", true}};
  }
  SY_ASSIGN_OR_RETURN(int64_t now_ms, NowMs(c));
  Workspace w;
  if (it != workspace_index_.end()) {
    w = workspaces_[it->second];
    w.deleted = false;
    w.updated_at_ms = now_ms;
  } else {
    w.id = std::string(id);
    w.created_at_ms = now_ms;
  }
  SY_RETURN_IF_ERROR(JsonFields(c).String("name", &w.name, kMaxText));
  SY_RETURN_IF_ERROR(ApplyBudgetSpec(c, &w.budget));
  std::optional<std::vector<std::string>> guardrails;
  SY_RETURN_IF_ERROR(JsonFields(c).StringList("guardrails", kMaxList, &guardrails, kMaxListItem));
  if (guardrails) {
    const std::vector<std::string>& ids = *guardrails;
    w.guardrails.clear();
    for (const std::string& gid : ids) {
      const Guardrail* g = FindGuardrail(gid);
      if (g == nullptr) return Status::NotFound("no such guardrail '" + gid + "'");
      uint32_t gs = static_cast<uint32_t>(g - guardrails_.data());
      if (std::find(w.guardrails.begin(), w.guardrails.end(), gs) == w.guardrails.end()) {
        w.guardrails.push_back(gs);
      }
    }
  }
  uint32_t slot;
  if (it != workspace_index_.end()) {
    slot = it->second;
    workspaces_[slot] = std::move(w);
  } else {
    slot = static_cast<uint32_t>(workspaces_.size());
    workspace_index_.emplace(std::string(id), slot);
    workspaces_.push_back(std::move(w));
  }
  if (config_.journal && !replaying_) JournalCommand(c);
  return Json{{"data", RenderWorkspace(workspaces_[slot], now_ms)}};
}

Result<Json> Ledger::GuardrailCommand(std::string_view op, const Json& c) {
  const int64_t now = FindInt(c, "now_ms").value_or(0);
  if (op == "list_guardrails") {
    Json data = Json::array();
    for (const Guardrail& g : guardrails_) {
      if (!g.deleted) data.push_back(RenderGuardrail(g, now));
    }
    return Json{{"data", std::move(data)}};
  }
  SY_ASSIGN_OR_RETURN(std::string_view id, RequiredString(c, "id"));
  SY_RETURN_IF_ERROR(internal::CheckId(id, "id"));
  auto it = guardrail_index_.find(id);
  if (op == "get_guardrail" || op == "delete_guardrail") {
    if (it == guardrail_index_.end() || guardrails_[it->second].deleted) {
      return Status::NotFound("no such guardrail");
    }
    if (op == "get_guardrail") return Json{{"data", RenderGuardrail(guardrails_[it->second], now)}};
    guardrails_[it->second].deleted = true;
    if (config_.journal && !replaying_) JournalCommand(c);
    return Json{{"deleted", true}};
  }
  SY_ASSIGN_OR_RETURN(int64_t now_ms, NowMs(c));
  Guardrail g;
  if (it != guardrail_index_.end()) {
    g = guardrails_[it->second];
    g.deleted = false;
    g.updated_at_ms = now_ms;
  } else {
    g.id = std::string(id);
    g.created_at_ms = now_ms;
  }
  SY_RETURN_IF_ERROR(JsonFields(c).String("name", &g.name, kMaxText));
  SY_RETURN_IF_ERROR(JsonFields(c).String("description", &g.description, 4096));
  SY_RETURN_IF_ERROR(internal::ReadAllowList(c, "allowed_models", &g.allowed_models));
  SY_RETURN_IF_ERROR(internal::ReadAllowList(c, "allowed_providers", &g.allowed_providers));
  if (const Json* v = Find(c, "enforce_zdr")) {
    if (!v->is_boolean())
      return Status::InvalidArgument("enforce_zdr must be a boolean", "enforce_zdr");
    g.enforce_zdr = v->get<bool>();
  }
  SY_RETURN_IF_ERROR(ApplyBudgetSpec(c, &g.budget));
  uint32_t slot;
  if (it != guardrail_index_.end()) {
    slot = it->second;
    guardrails_[slot] = std::move(g);
  } else {
    slot = static_cast<uint32_t>(guardrails_.size());
    guardrail_index_.emplace(std::string(id), slot);
    guardrails_.push_back(std::move(g));
  }
  if (config_.journal && !replaying_) JournalCommand(c);
  return Json{{"data", RenderGuardrail(guardrails_[slot], now_ms)}};
}

// ---- reserve and settle
// --------------------------------------------------------------------------

Result<Json> Ledger::ReserveCommand(const Json& c, const Catalog* catalog) {
  SY_ASSIGN_OR_RETURN(std::string_view id, RequiredString(c, "id"));
  SY_ASSIGN_OR_RETURN(std::string_view key_hash, RequiredString(c, "key_hash"));
  SY_ASSIGN_OR_RETURN(int64_t now, NowMs(c));
  const Json* plan = FindObject(c, "plan");
  // A field of the command, else of the plan it carries.
  auto field = [&](const char* name) -> const Json* {
    if (const Json* v = Find(c, name)) return v;
    return plan != nullptr ? Find(*plan, name) : nullptr;
  };
  JsonFields fields(c), plan_fields(plan != nullptr ? *plan : c, "plan");
  auto count = [&](const char* name) -> Result<std::optional<int64_t>> {
    if (fields.Get(name) || plan == nullptr) return OptionalCount(fields, name);
    return OptionalCount(plan_fields, name);
  };
  SY_ASSIGN_OR_RETURN(std::optional<int64_t> est, count("estimated_prompt_tokens"));
  SY_ASSIGN_OR_RETURN(std::optional<int64_t> max_tokens, count("max_tokens"));
  SY_ASSIGN_OR_RETURN(std::optional<int64_t> images, count("images"));
  SY_ASSIGN_OR_RETURN(std::optional<int64_t> ttl, count("ttl_ms"));
  static const Json kNone;
  const Json* attempts_field = field("attempts");
  const Json& attempts_json = attempts_field != nullptr ? *attempts_field : kNone;
  if (!attempts_json.is_array() || attempts_json.empty() || attempts_json.size() > kMaxAttempts) {
    return Status::InvalidArgument("attempts must be a non-empty array (at most 64)", "attempts");
  }
  const int64_t prompt = est.value_or(0);
  std::vector<ResolvedAttempt> resolved(attempts_json.size());
  std::vector<AttemptPrices> attempts(attempts_json.size());
  for (size_t i = 0; i < attempts_json.size(); ++i) {
    SY_RETURN_IF_ERROR(ResolveAttempt(attempts_json[i], catalog, prompt, &resolved[i]));
    attempts[i] = {resolved[i].prices, resolved[i].context_length,
                   resolved[i].max_completion_tokens, resolved[i].byok};
  }
  ReserveRequest req;
  req.id = id;
  req.key_hash = key_hash;
  req.now_ms = now;
  req.ttl_ms = ttl.value_or(0);
  req.estimated_prompt_tokens = prompt;
  req.max_tokens = max_tokens;
  req.images = images.value_or(0);
  req.attempts = attempts;
  if (FindString(c, "op") == std::string_view("book_reserve")) {
    // The isolate's book: the same worst case, taken from a lease instead of the account.
    SY_RETURN_IF_ERROR(internal::CheckId(id, "id"));
    SY_ASSIGN_OR_RETURN(Hold worst, WorstCaseHold(req, config_.fallback_max_tokens));
    if (worst.byok_amount > 0) {
      return Status::PaymentRequired("BYOK requests reserve at the account").With("reason", "lease");
    }
    SY_ASSIGN_OR_RETURN(std::string lease, book_.Take(id, key_hash, worst.amount, now));
    return Json{{"id", std::string(id)},
                {"lease", std::move(lease)},
                {"hold", UsdJson(worst.amount)},
                {"max_tokens", worst.max_tokens}};
  }
  SY_ASSIGN_OR_RETURN(Hold hold, Reserve(req));
  return Json{{"id", std::string(id)},
              {"hold", UsdJson(hold.amount)},
              {"byok_hold", UsdJson(hold.byok_amount)},
              {"max_tokens", hold.max_tokens},
              {"expires_at_ms", hold.expires_at_ms},
              {"replayed", hold.replayed},
              {"available", UsdJson(available())}};
}

Result<std::string_view> Ledger::SettleReply(const Json& c) {
  const Json* reply = Find(c, "reply");
  if (reply == nullptr || reply->is_null()) return std::string_view();
  std::string_view r = reply->is_string() ? std::string_view(reply->get_ref<const std::string&>())
                                          : std::string_view("?");
  if (r != "none" && r != "generation") {
    return Status::InvalidArgument("reply must be \"none\" or \"generation\"", "reply");
  }
  return r;
}

void Ledger::AppendSettleReply(std::string_view reply, std::string_view id,
                               std::string& out) const {
  const GenerationRecord* record = reply == "generation" ? FindGeneration(id) : nullptr;
  if (record != nullptr) {
    AppendGenerationBody(out, *record);
  } else {
    out += "{}";  // "none", or a record the ledger does not keep (max_generations 0)
  }
}

Result<Json> Ledger::SettleCommand(const Json& c, const Catalog* catalog) {
  SY_ASSIGN_OR_RETURN(std::string_view reply, SettleReply(c));
  Usage usage;
  SY_ASSIGN_OR_RETURN(Settlement s, SettleFromCommand(c, catalog, &usage));
  const std::string id(FindString(c, "id").value_or(""));
  if (!reply.empty()) {  // as ApplyText writes it (AppendSettleReply)
    const GenerationRecord* record = reply == "generation" ? FindGeneration(id) : nullptr;
    return record != nullptr ? RenderGeneration(*record) : Json::object();
  }
  return Json{{"id", id},
              {"usage", RenderUsage(usage, s.cost)},
              {"charged", UsdJson(s.cost.charged)},
              {"upstream", UsdJson(s.cost.upstream)},
              {"hold", UsdJson(s.hold)},
              {"overrun", UsdJson(s.overrun)},
              {"byok_overrun", UsdJson(s.byok_overrun)},
              {"insured", s.cost.insured},
              {"late", s.late},
              {"replayed", s.replayed},
              {"balance", UsdJson(balance())}};
}

Result<Settlement> Ledger::SettleFromCommand(const Json& c, const Catalog* catalog,
                                             Usage* usage_out) {
  SY_ASSIGN_OR_RETURN(std::string_view id, RequiredString(c, "id"));
  SY_ASSIGN_OR_RETURN(int64_t now, NowMs(c));
  // `priced` (money.h): the usage and cost the core computed when the attempt ended, charged as
  // it is. Without it, `usage` is priced here at the endpoint's prices.
  std::optional<PricedUsage> priced;
  Usage usage;
  if (const Json* p = Find(c, "priced"); p != nullptr && !p->is_null()) {
    SY_ASSIGN_OR_RETURN(priced, PricedUsageFromJson(*p));
    usage = priced->usage;
  } else {
    const Json* usage_json = FindObject(c, "usage");
    if (usage_json == nullptr) return Status::InvalidArgument("usage or priced is required", "usage");
    SY_ASSIGN_OR_RETURN(usage, ParseUsageJson(*usage_json));
  }
  const Json* attempt = FindObject(c, "attempt");
  ResolvedAttempt resolved;
  SY_RETURN_IF_ERROR(
      ResolveAttempt(attempt ? *attempt : c, catalog, usage.prompt_tokens, &resolved));

  CostOptions options;
  options.byok = FindBool(c, "byok").value_or(resolved.byok);
  if (const Json* d = Find(c, "discount"); d != nullptr && !d->is_null()) {
    Result<int64_t> ppm = ParseFractionPpm(*d);
    if (!ppm.ok()) return Status::InvalidArgument(ppm.status().message(), "discount");
    options.discount_ppm = *ppm;
  }
  if (const Json* f = Find(c, "byok_fee"); f != nullptr && !f->is_null()) {
    Result<int64_t> ppm = ParseFractionPpm(*f);
    if (!ppm.ok()) return Status::InvalidArgument(ppm.status().message(), "byok_fee");
    options.byok_fee_ppm = *ppm;
  }
  const Json* finish = Find(c, "finish_reason");
  if (finish != nullptr && !finish->is_null() && !finish->is_string()) {
    return Status::InvalidArgument("finish_reason must be a string or null", "finish_reason");
  }
  std::string finish_reason = finish && finish->is_string() ? finish->get<std::string>() : "";
  options.finish_reason = finish_reason;

  GenerationRecord record;
  if (const Json* g = Find(c, "generation"); g != nullptr && !g->is_null()) {
    SY_RETURN_IF_ERROR(ReadGenerationDetails(*g, &record));
  }
  if (resolved.endpoint != nullptr) {
    if (record.model.empty()) record.model = catalog->model_of(*resolved.endpoint).id;
    if (record.provider_name.empty()) {
      record.provider_name = catalog->provider_of(*resolved.endpoint).name;
    }
  }
  if (priced && FindBool(c, "byok").value_or(priced->cost.is_byok) != priced->cost.is_byok) {
    return Status::InvalidArgument("byok differs from priced.cost.is_byok", "byok");
  }
  SettleRequest req;
  req.id = id;
  req.now_ms = now;
  req.priced = priced ? &*priced : nullptr;
  req.prices = resolved.prices;
  req.usage = usage;
  req.options = options;
  req.record = &record;
  Settlement s;
  if (FindString(c, "op") == std::string_view("lease_settle")) {
    SY_ASSIGN_OR_RETURN(std::string_view lease, RequiredString(c, "lease"));
    SY_ASSIGN_OR_RETURN(std::string_view key_hash, RequiredString(c, "key_hash"));
    SY_ASSIGN_OR_RETURN(s, SettleOnLease(lease, key_hash, req));
  } else {
    SY_ASSIGN_OR_RETURN(s, Settle(req));
  }
  *usage_out = usage;
  return s;
}

// ---- leases
// ------------------------------------------------------------------------------------

Result<Json> Ledger::LeaseCommand(std::string_view op, const Json& c, const Catalog*) {
  auto usd = [&](const char* name, bool required) -> Result<std::optional<Picos>> {
    const Json* v = Find(c, name);
    if (v == nullptr || v->is_null()) {
      if (required) return Status::InvalidArgument(std::string(name) + " is required", name);
      return std::optional<Picos>();
    }
    Result<Picos> p = ParseUsdJson(*v);
    if (!p.ok()) return Status::InvalidArgument(p.status().message(), name);
    return std::optional<Picos>(*p);
  };
  if (op == "lease_grant") {
    SY_ASSIGN_OR_RETURN(std::string_view id, RequiredString(c, "id"));
    SY_ASSIGN_OR_RETURN(std::string_view key_hash, RequiredString(c, "key_hash"));
    SY_ASSIGN_OR_RETURN(int64_t now, NowMs(c));
    SY_ASSIGN_OR_RETURN(std::optional<int64_t> ttl, OptionalCount(c, "ttl_ms"));
    SY_ASSIGN_OR_RETURN(std::optional<Picos> want, usd("want", true));
    SY_ASSIGN_OR_RETURN(std::optional<Picos> min, usd("min", false));
    LeaseRequest req;
    req.id = id;
    req.key_hash = key_hash;
    req.now_ms = now;
    req.ttl_ms = ttl.value_or(0);
    req.want = *want;
    req.min = min.value_or(1);
    if (const Json* share = Find(c, "share"); share != nullptr && !share->is_null()) {
      Result<int64_t> ppm = ParseFractionPpm(*share);
      if (!ppm.ok()) return Status::InvalidArgument(ppm.status().message(), "share");
      req.share_ppm = *ppm;
    }
    SY_ASSIGN_OR_RETURN(LeaseGrant g, GrantLease(req));
    return Json{{"id", std::string(id)},
                {"amount", UsdJson(g.amount)},
                {"expires_at_ms", g.expires_at_ms},
                {"replayed", g.replayed},
                {"available", UsdJson(available())}};
  }
  if (op == "lease_trim") {
    SY_ASSIGN_OR_RETURN(std::string_view id, RequiredString(c, "id"));
    SY_ASSIGN_OR_RETURN(std::optional<Picos> amount, usd("amount", true));
    SY_ASSIGN_OR_RETURN(Picos trimmed, TrimLease(id, *amount));
    return Json{{"id", std::string(id)}, {"trimmed", UsdJson(trimmed)}};
  }
  if (op == "book_trim") {
    SY_ASSIGN_OR_RETURN(std::string_view key_hash, RequiredString(c, "key_hash"));
    Json out = Json::array();
    for (const auto& [lease, amount] : book_.Trim(key_hash)) {
      out.push_back({{"id", lease}, {"amount", UsdJson(amount)}});
    }
    return Json{{"trims", std::move(out)}};
  }
  if (op == "book_add") {
    SY_ASSIGN_OR_RETURN(std::string_view id, RequiredString(c, "lease"));
    SY_ASSIGN_OR_RETURN(std::string_view key_hash, RequiredString(c, "key_hash"));
    SY_ASSIGN_OR_RETURN(std::optional<Picos> amount, usd("amount", true));
    std::optional<int64_t> use_until = FindInt(c, "use_until_ms");
    std::optional<int64_t> expires = FindInt(c, "expires_at_ms");
    if (!use_until || !expires || *use_until > *expires) {
      return Status::InvalidArgument("use_until_ms and expires_at_ms (use_until ≤ expires)");
    }
    BookLease lease;
    lease.id = std::string(id);
    lease.key_hash = std::string(key_hash);
    lease.amount = *amount;
    lease.use_until_ms = *use_until;
    lease.expires_at_ms = *expires;
    SY_RETURN_IF_ERROR(book_.Add(std::move(lease)));
    return Json{{"lease", std::string(id)}, {"leases", book_.size()}};
  }
  if (op == "book_done") {
    SY_ASSIGN_OR_RETURN(std::string_view id, RequiredString(c, "id"));
    // What the request was charged: the settle command's priced cost, or `charged`; released:
    // nothing; none of these: its whole hold (what the book cannot know it counts as spent).
    std::optional<Picos> charged;
    if (const Json* p = Find(c, "priced"); p != nullptr && !p->is_null()) {
      SY_ASSIGN_OR_RETURN(PricedUsage priced, PricedUsageFromJson(*p));
      charged = priced.cost.charged;
    } else if (FindBool(c, "released").value_or(false)) {
      charged = std::nullopt;
    } else {
      SY_ASSIGN_OR_RETURN(charged, usd("charged", false));
      if (!charged) charged = book_.HoldOf(id);
    }
    SY_ASSIGN_OR_RETURN(std::string lease, book_.Done(id, charged));
    return Json{{"id", std::string(id)}, {"lease", std::move(lease)}};
  }
  if (op == "book_idle") {
    SY_ASSIGN_OR_RETURN(int64_t now, NowMs(c));
    Json out = Json::array();
    for (const BookLease& l : book_.Idle(now, FindBool(c, "all").value_or(false))) {
      out.push_back({{"lease", l.id},
                     {"key_hash", l.key_hash},
                     {"unused", UsdJson(std::max<Picos>(0, l.left()))},
                     {"used", UsdJson(l.used)}});
    }
    return Json{{"leases", std::move(out)}};
  }
  // book_status
  SY_ASSIGN_OR_RETURN(std::string_view key_hash, RequiredString(c, "key_hash"));
  SY_ASSIGN_OR_RETURN(int64_t now, NowMs(c));
  return Json{{"available", UsdJson(book_.Available(key_hash, now))},
              {"want", UsdJson(book_.Want(key_hash, now))},
              {"leases", book_.size()},
              {"open", book_.open()}};
}

}  // namespace switchyard
