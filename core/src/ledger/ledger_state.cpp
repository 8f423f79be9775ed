// Ledger state as a value: the canonical snapshot (Export), its inverse (FromState) and the
// operation log (TakeLog, replay). Amounts are exact decimal USD strings so that a JS host can
// parse the snapshot without losing precision; every collection is written in a fixed order so
// that two ledgers with the same state export the same bytes.
#include <algorithm>

#include "ledger/ledger_internal.h"
#include "switchyard/json/json_text.h"
#include "switchyard/ledger/ledger.h"

namespace switchyard {

using internal::UsdJson;

namespace {

constexpr const char* kFormat = "switchyard-ledger";
constexpr int kVersion = 1;

Json NullableInt(int64_t v) { return v == INT64_MIN ? Json(nullptr) : Json(v); }

Json CounterJson(const UsageCounter& c) {
  return {{"total", UsdJson(c.total)},    {"daily", UsdJson(c.daily)},
          {"weekly", UsdJson(c.weekly)},  {"monthly", UsdJson(c.monthly)},
          {"day", NullableInt(c.day)},    {"week", NullableInt(c.week)},
          {"month", NullableInt(c.month)}};
}

Result<Picos> RequiredUsd(const Json& j, const char* name) {
  const Json* v = Find(j, name);
  if (v == nullptr) return Status::InvalidArgument(std::string("state: ") + name + " is missing");
  return ParseUsdJson(*v);
}

Result<UsageCounter> CounterFromJson(const Json& j) {
  UsageCounter c;
  SY_ASSIGN_OR_RETURN(c.total, RequiredUsd(j, "total"));
  SY_ASSIGN_OR_RETURN(c.daily, RequiredUsd(j, "daily"));
  SY_ASSIGN_OR_RETURN(c.weekly, RequiredUsd(j, "weekly"));
  SY_ASSIGN_OR_RETURN(c.monthly, RequiredUsd(j, "monthly"));
  c.day = FindInt(j, "day").value_or(INT64_MIN);
  c.week = FindInt(j, "week").value_or(INT64_MIN);
  c.month = FindInt(j, "month").value_or(INT64_MIN);
  return c;
}

Json BudgetJson(const Budget& b) {
  const char* reset = LimitResetName(b.reset);
  return {{"limit", b.limit ? Json(FormatUsd(*b.limit)) : Json(nullptr)},
          {"reset", reset ? Json(reset) : Json(nullptr)},
          {"include_byok", b.include_byok},
          {"usage", CounterJson(b.usage)},
          {"byok", CounterJson(b.byok)},
          {"held", UsdJson(b.held)},
          {"held_byok", UsdJson(b.held_byok)}};
}

Result<Budget> BudgetFromJson(const Json* j) {
  if (j == nullptr || !j->is_object()) return Status::InvalidArgument("state: budget missing");
  Budget b;
  if (const Json* limit = Find(*j, "limit"); limit != nullptr && !limit->is_null()) {
    SY_ASSIGN_OR_RETURN(Picos l, ParseUsdJson(*limit));
    b.limit = l;
  }
  SY_ASSIGN_OR_RETURN(b.reset, ParseLimitReset(Find(*j, "reset")));
  b.include_byok = FindBool(*j, "include_byok").value_or(false);
  const Json* usage = FindObject(*j, "usage");
  const Json* byok = FindObject(*j, "byok");
  if (usage == nullptr || byok == nullptr)
    return Status::InvalidArgument("state: counters missing");
  SY_ASSIGN_OR_RETURN(b.usage, CounterFromJson(*usage));
  SY_ASSIGN_OR_RETURN(b.byok, CounterFromJson(*byok));
  SY_ASSIGN_OR_RETURN(b.held, RequiredUsd(*j, "held"));
  SY_ASSIGN_OR_RETURN(b.held_byok, RequiredUsd(*j, "held_byok"));
  return b;
}

Json StringList(const std::vector<std::string>& list) { return Json(list); }
Json OptionalList(const std::optional<std::vector<std::string>>& list) {
  return list ? Json(*list) : Json(nullptr);
}

const char* StateName(uint8_t s) {
  static constexpr const char* kNames[] = {"held", "settled", "released", "expired"};
  return s < 4 ? kNames[s] : "?";
}

}  // namespace

namespace internal {

Status ReadAllowList(const Json& object, std::string_view key,
                     std::optional<std::vector<std::string>>* out) {
  JsonFields fields(object);
  if (fields.IsNull(key)) out->reset();
  return fields.StringList(key, kMaxList, out, kMaxListItem);
}

Json SettingsJson(const LedgerConfig& c) {
  return {{"reservation_ttl_ms", c.reservation_ttl_ms},
          {"max_generations", c.max_generations},
          {"idempotency_window_ms", c.idempotency_window_ms},
          {"max_closed_reservations", c.max_closed_reservations},
          {"rollup_days", c.rollup_days},
          {"journal", c.journal},
          {"fallback_max_tokens", c.fallback_max_tokens}};
}

Status ApplySettings(const Json& j, LedgerConfig* c) {
  if (!j.is_object()) return FieldTypeError("settings", "an object", j);
  LedgerConfig next = *c;
  JsonFields f(j, "settings");
  int64_t max_generations = static_cast<int64_t>(next.max_generations);
  int64_t max_closed = static_cast<int64_t>(next.max_closed_reservations);
  constexpr int64_t kYearMs = 366LL * kMsPerDay;
  SY_RETURN_IF_ERROR(f.Int("reservation_ttl_ms", 1, kYearMs, &next.reservation_ttl_ms));
  SY_RETURN_IF_ERROR(f.Int("max_generations", 0, 10'000'000, &max_generations));
  SY_RETURN_IF_ERROR(f.Int("idempotency_window_ms", 0, 10 * kYearMs, &next.idempotency_window_ms));
  SY_RETURN_IF_ERROR(f.Int("max_closed_reservations", 0, 100'000'000, &max_closed));
  SY_RETURN_IF_ERROR(f.Int("rollup_days", 0, 100'000, &next.rollup_days));
  SY_RETURN_IF_ERROR(f.Int("fallback_max_tokens", 0, int64_t{1} << 40, &next.fallback_max_tokens));
  SY_RETURN_IF_ERROR(f.Bool("journal", &next.journal));
  next.max_generations = static_cast<size_t>(max_generations);
  next.max_closed_reservations = static_cast<size_t>(max_closed);
  *c = next;
  return Status::Ok();
}

Json PolicyJson(const AccountPolicy& p) {
  return {{"account_id", p.account_id},
          {"allowed_models", OptionalList(p.allowed_models)},
          {"allowed_providers", OptionalList(p.allowed_providers)},
          {"ignored_providers", StringList(p.ignored_providers)},
          {"zdr", p.zdr},
          {"data_collection", p.deny_data_collection ? "deny" : "allow"},
          {"byok_providers", StringList(p.byok_providers)}};
}

Status ApplyPolicy(const Json& j, AccountPolicy* p) {
  AccountPolicy next = *p;
  JsonFields fields(j);
  if (fields.Get("account_id")) {
    SY_RETURN_IF_ERROR(fields.String("account_id", &next.account_id));
    if (next.account_id.empty()) return fields.Error("account_id", "must not be empty");
  }
  SY_RETURN_IF_ERROR(ReadAllowList(j, "allowed_models", &next.allowed_models));
  SY_RETURN_IF_ERROR(ReadAllowList(j, "allowed_providers", &next.allowed_providers));
  SY_RETURN_IF_ERROR(fields.StringList("ignored_providers", kMaxList, &next.ignored_providers,
                                       kMaxListItem));
  SY_RETURN_IF_ERROR(fields.StringList("byok_providers", kMaxList, &next.byok_providers,
                                       kMaxListItem));
  SY_RETURN_IF_ERROR(fields.Bool("zdr", &next.zdr));
  if (const Json* v = Find(j, "data_collection")) {
    if (*v == "deny")
      next.deny_data_collection = true;
    else if (*v == "allow")
      next.deny_data_collection = false;
    else
      return Status::InvalidArgument("data_collection must be allow or deny", "data_collection");
  }
  *p = std::move(next);
  return Status::Ok();
}

}  // namespace internal

// ---- export ------------------------------------------------------------------------------------

Json Ledger::Export() const {
  auto guardrail_ids = [&](const std::vector<uint32_t>& slots) {
    Json ids = Json::array();
    for (uint32_t g : slots) ids.push_back(guardrails_[g].id);
    return ids;
  };
  Json keys = Json::array();
  for (const ApiKey& k : keys_) {
    keys.push_back(
        {{"hash", k.hash},
         {"name", k.name},
         {"label", k.label},
         {"management", k.management},
         {"disabled", k.disabled},
         {"deleted", k.deleted},
         {"expires_at_ms", k.expires_at_ms ? Json(*k.expires_at_ms) : Json(nullptr)},
         {"created_at_ms", k.created_at_ms},
         {"updated_at_ms", k.updated_at_ms},
         {"workspace", k.workspace >= 0 ? Json(workspaces_[k.workspace].id) : Json(nullptr)},
         {"guardrails", guardrail_ids(k.guardrails)},
         {"create_fingerprint", internal::Hex64(k.create_fingerprint)},
         {"budget", BudgetJson(k.budget)}});
  }
  Json workspaces = Json::array();
  for (const Workspace& w : workspaces_) {
    workspaces.push_back({{"id", w.id},
                          {"name", w.name},
                          {"deleted", w.deleted},
                          {"created_at_ms", w.created_at_ms},
                          {"updated_at_ms", w.updated_at_ms},
                          {"guardrails", guardrail_ids(w.guardrails)},
                          {"budget", BudgetJson(w.budget)}});
  }
  Json guardrails = Json::array();
  for (const Guardrail& g : guardrails_) {
    guardrails.push_back({{"id", g.id},
                          {"name", g.name},
                          {"description", g.description},
                          {"allowed_models", OptionalList(g.allowed_models)},
                          {"allowed_providers", OptionalList(g.allowed_providers)},
                          {"enforce_zdr", g.enforce_zdr},
                          {"deleted", g.deleted},
                          {"created_at_ms", g.created_at_ms},
                          {"updated_at_ms", g.updated_at_ms},
                          {"budget", BudgetJson(g.budget)}});
  }
  // Reservations sorted by id: hash-map order is not part of the state.
  std::vector<const std::pair<const std::string, Reservation>*> all;
  all.reserve(active_.size() + closed_.size());
  for (const auto& entry : active_) all.push_back(&entry);
  for (const auto& entry : closed_) all.push_back(&entry);
  std::sort(all.begin(), all.end(), [](auto* a, auto* b) { return a->first < b->first; });
  Json reservations = Json::array();
  for (const auto* entry : all) {
    const Reservation& r = entry->second;
    Json item = {
        {"id", entry->first},
        {"state", StateName(static_cast<uint8_t>(r.state))},
        {"key", keys_[r.key].hash},
        {"workspace", r.workspace >= 0 ? Json(workspaces_[r.workspace].id) : Json(nullptr)},
        {"guardrails", guardrail_ids(r.guardrails)},
        {"hold",
         {{"amount", UsdJson(r.hold.amount)},
          {"byok_amount", UsdJson(r.hold.byok_amount)},
          {"max_tokens", r.hold.max_tokens},
          {"expires_at_ms", r.hold.expires_at_ms}}},
        {"created_at_ms", r.created_at_ms},
        {"closed_at_ms", r.closed_at_ms},
        {"fingerprint", internal::Hex64(r.fingerprint)},
        {"settle_fingerprint", internal::Hex64(r.settle_fingerprint)}};
    if (r.state != Reservation::State::kHeld) item["close_seq"] = r.close_seq;
    if (r.state == Reservation::State::kSettled) {
      item["settlement"] = {{"cost", CostToJson(r.settlement.cost)},
                            {"hold", UsdJson(r.settlement.hold)},
                            {"overrun", UsdJson(r.settlement.overrun)},
                            {"byok_overrun", UsdJson(r.settlement.byok_overrun)},
                            {"late", r.settlement.late}};
    }
    reservations.push_back(std::move(item));
  }
  Json movements = Json::array();
  for (const Movement& m : movements_) {
    movements.push_back({{"kind", MovementKindName(m.kind)},
                         {"id", m.id},
                         {"amount", UsdJson(m.amount)},
                         {"fee", UsdJson(m.fee)},
                         {"credited", UsdJson(m.credited)},
                         {"at_ms", m.at_ms},
                         {"note", m.note}});
  }
  Json generations = Json::array();
  for (size_t i = 0; i < ring_.size(); ++i) generations.push_back(GenerationToJson(generation(i)));

  Json snapshot = {
      {"settings", internal::SettingsJson(config_)},
      {"policy", internal::PolicyJson(policy_)},
      {"totals",
       {{"paid", UsdJson(paid_)},
        {"fees", UsdJson(fees_)},
        {"granted", UsdJson(granted_)},
        {"refunded", UsdJson(refunded_)},
        {"spent", UsdJson(spent_)},
        {"held", UsdJson(held_)},
        {"overrun", UsdJson(overrun_)}}},
      {"next_close_seq", next_close_seq_},
      {"keys", std::move(keys)},
      {"workspaces", std::move(workspaces)},
      {"guardrails", std::move(guardrails)},
      {"reservations", std::move(reservations)},
      {"movements", std::move(movements)},
      {"generations", std::move(generations)},
      {"rollups", rollups_.ToJson()},
  };
  return {{"format", kFormat},
          {"version", kVersion},
          {"snapshot", std::move(snapshot)},
          {"log", Json::array()}};
}

void Ledger::TakeLogText(std::string& out) {
  out += '[';
  for (size_t i = 0; i < journal_.size(); ++i) {
    JournalEntry& e = journal_[i];
    if (i > 0) out += ',';
    switch (e.kind) {
      case JournalEntry::Kind::kCommand:
        e.command.DumpTo(out);
        break;
      case JournalEntry::Kind::kHold: {
        JsonObjectText o(out);
        internal::AppendUsdMember(o, "amount", e.hold.amount);
        internal::AppendUsdMember(o, "byok_amount", e.hold.byok_amount);
        o.Int("expires_at_ms", e.hold.expires_at_ms);
        o.String("fingerprint", internal::Hex64(e.fingerprint));
        o.String("id", e.id);
        o.String("key_hash", keys_[e.key].hash);
        o.Int("max_tokens", e.hold.max_tokens);
        o.Int("now_ms", e.now_ms);
        o.String("op", "hold");
        o.Close();
        break;
      }
      case JournalEntry::Kind::kCharge: {
        // The record's cost, id and time are the entry's: its log form leaves them out.
        JsonObjectText o(out);
        AppendCostJson(o.Key("cost"), e.cost);
        o.String("fingerprint", internal::Hex64(e.fingerprint));
        o.String("id", e.id);
        o.Int("now_ms", e.now_ms);
        o.String("op", "charge");
        AppendGenerationLogJson(o.Key("record"), e.record);
        o.Close();
        break;
      }
    }
  }
  out += ']';
  journal_.clear();
}

Json Ledger::TakeLog() {
  std::string text;
  TakeLogText(text);
  Result<Json> log = ParseJson(text, JsonLimits{1u << 30, 64});
  return log.ok() ? std::move(*log) : Json::array();
}

// ---- import ------------------------------------------------------------------------------------

namespace {

Result<int32_t> SlotOf(const Json* id, const std::unordered_map<std::string, uint32_t>& index) {
  if (id == nullptr || id->is_null()) return -1;
  if (!id->is_string()) return Status::InvalidArgument("state: bad reference");
  auto it = index.find(id->get<std::string>());
  if (it == index.end()) return Status::InvalidArgument("state: dangling reference");
  return static_cast<int32_t>(it->second);
}

}  // namespace

Status Ledger::ImportSnapshot(const Json& s) {
  auto array = [&](const char* name) -> const Json* {
    const Json* a = FindArray(s, name);
    static const Json kEmpty = Json::array();
    return a != nullptr ? a : &kEmpty;
  };
  if (const Json* settings = FindObject(s, "settings")) {
    SY_RETURN_IF_ERROR(internal::ApplySettings(*settings, &config_));
  }
  if (const Json* policy = FindObject(s, "policy")) {
    SY_RETURN_IF_ERROR(internal::ApplyPolicy(*policy, &policy_));
  }
  const Json* totals = FindObject(s, "totals");
  if (totals == nullptr) return Status::InvalidArgument("state: totals missing");
  SY_ASSIGN_OR_RETURN(paid_, RequiredUsd(*totals, "paid"));
  SY_ASSIGN_OR_RETURN(fees_, RequiredUsd(*totals, "fees"));
  SY_ASSIGN_OR_RETURN(granted_, RequiredUsd(*totals, "granted"));
  SY_ASSIGN_OR_RETURN(refunded_, RequiredUsd(*totals, "refunded"));
  SY_ASSIGN_OR_RETURN(spent_, RequiredUsd(*totals, "spent"));
  SY_ASSIGN_OR_RETURN(Picos held_total, RequiredUsd(*totals, "held"));
  SY_ASSIGN_OR_RETURN(overrun_, RequiredUsd(*totals, "overrun"));

  // Plain maps for reference resolution (the members use transparent hashing).
  std::unordered_map<std::string, uint32_t> guardrail_slots, workspace_slots, key_slots;
  auto guardrail_list = [&](const Json* ids, std::vector<uint32_t>* out) -> Status {
    if (ids == nullptr) return Status::Ok();
    if (!ids->is_array()) return Status::InvalidArgument("state: guardrails must be an array");
    for (const Json& id : *ids) {
      SY_ASSIGN_OR_RETURN(int32_t slot, SlotOf(&id, guardrail_slots));
      if (slot < 0) return Status::InvalidArgument("state: null guardrail");
      out->push_back(static_cast<uint32_t>(slot));
    }
    return Status::Ok();
  };

  for (const Json& j : *array("guardrails")) {
    Guardrail g;
    g.id = std::string(FindString(j, "id").value_or(""));
    SY_RETURN_IF_ERROR(internal::CheckId(g.id, "guardrail id"));
    if (guardrail_slots.count(g.id)) return Status::InvalidArgument("state: duplicate guardrail");
    g.name = std::string(FindString(j, "name").value_or(""));
    g.description = std::string(FindString(j, "description").value_or(""));
    SY_RETURN_IF_ERROR(internal::ReadAllowList(j, "allowed_models", &g.allowed_models));
    SY_RETURN_IF_ERROR(internal::ReadAllowList(j, "allowed_providers", &g.allowed_providers));
    g.enforce_zdr = FindBool(j, "enforce_zdr").value_or(false);
    g.deleted = FindBool(j, "deleted").value_or(false);
    g.created_at_ms = FindInt(j, "created_at_ms").value_or(0);
    g.updated_at_ms = FindInt(j, "updated_at_ms").value_or(0);
    SY_ASSIGN_OR_RETURN(g.budget, BudgetFromJson(FindObject(j, "budget")));
    guardrail_slots.emplace(g.id, static_cast<uint32_t>(guardrails_.size()));
    guardrail_index_.emplace(g.id, static_cast<uint32_t>(guardrails_.size()));
    guardrails_.push_back(std::move(g));
  }
  for (const Json& j : *array("workspaces")) {
    Workspace w;
    w.id = std::string(FindString(j, "id").value_or(""));
    SY_RETURN_IF_ERROR(internal::CheckId(w.id, "workspace id"));
    if (workspace_slots.count(w.id)) return Status::InvalidArgument("state: duplicate workspace");
    w.name = std::string(FindString(j, "name").value_or(""));
    w.deleted = FindBool(j, "deleted").value_or(false);
    w.created_at_ms = FindInt(j, "created_at_ms").value_or(0);
    w.updated_at_ms = FindInt(j, "updated_at_ms").value_or(0);
    SY_RETURN_IF_ERROR(guardrail_list(Find(j, "guardrails"), &w.guardrails));
    SY_ASSIGN_OR_RETURN(w.budget, BudgetFromJson(FindObject(j, "budget")));
    workspace_slots.emplace(w.id, static_cast<uint32_t>(workspaces_.size()));
    workspace_index_.emplace(w.id, static_cast<uint32_t>(workspaces_.size()));
    workspaces_.push_back(std::move(w));
  }
  for (const Json& j : *array("keys")) {
    ApiKey k;
    k.hash = std::string(FindString(j, "hash").value_or(""));
    std::optional<uint64_t> prefix = internal::KeyHashPrefix(k.hash);
    if (!prefix || key_index_.count(*prefix)) return Status::InvalidArgument("state: bad key hash");
    k.name = std::string(FindString(j, "name").value_or(""));
    k.label = std::string(FindString(j, "label").value_or(""));
    k.management = FindBool(j, "management").value_or(false);
    k.disabled = FindBool(j, "disabled").value_or(false);
    k.deleted = FindBool(j, "deleted").value_or(false);
    if (auto e = FindInt(j, "expires_at_ms")) k.expires_at_ms = *e;
    k.created_at_ms = FindInt(j, "created_at_ms").value_or(0);
    k.updated_at_ms = FindInt(j, "updated_at_ms").value_or(0);
    SY_ASSIGN_OR_RETURN(k.workspace, SlotOf(Find(j, "workspace"), workspace_slots));
    SY_RETURN_IF_ERROR(guardrail_list(Find(j, "guardrails"), &k.guardrails));
    k.create_fingerprint =
        internal::ParseHex64(FindString(j, "create_fingerprint").value_or("")).value_or(0);
    SY_ASSIGN_OR_RETURN(k.budget, BudgetFromJson(FindObject(j, "budget")));
    key_slots.emplace(k.hash, static_cast<uint32_t>(keys_.size()));
    key_index_.emplace(*prefix, static_cast<uint32_t>(keys_.size()));
    keys_.push_back(std::move(k));
  }

  // Holds are re-derived from the open reservations and must match what was exported.
  Picos held_sum = 0;
  std::vector<std::pair<Picos, Picos>> key_held(keys_.size()), ws_held(workspaces_.size()),
      gr_held(guardrails_.size());
  for (const Json& j : *array("reservations")) {
    std::string id(FindString(j, "id").value_or(""));
    SY_RETURN_IF_ERROR(internal::CheckId(id, "reservation id"));
    Reservation r;
    std::string_view state = FindString(j, "state").value_or("");
    if (state == "held")
      r.state = Reservation::State::kHeld;
    else if (state == "settled")
      r.state = Reservation::State::kSettled;
    else if (state == "released")
      r.state = Reservation::State::kReleased;
    else if (state == "expired")
      r.state = Reservation::State::kExpired;
    else
      return Status::InvalidArgument("state: bad reservation state");
    SY_ASSIGN_OR_RETURN(int32_t key, SlotOf(Find(j, "key"), key_slots));
    if (key < 0) return Status::InvalidArgument("state: reservation without key");
    r.key = static_cast<uint32_t>(key);
    SY_ASSIGN_OR_RETURN(r.workspace, SlotOf(Find(j, "workspace"), workspace_slots));
    SY_RETURN_IF_ERROR(guardrail_list(Find(j, "guardrails"), &r.guardrails));
    const Json* hold = FindObject(j, "hold");
    if (hold == nullptr) return Status::InvalidArgument("state: reservation without hold");
    SY_ASSIGN_OR_RETURN(r.hold.amount, RequiredUsd(*hold, "amount"));
    SY_ASSIGN_OR_RETURN(r.hold.byok_amount, RequiredUsd(*hold, "byok_amount"));
    r.hold.max_tokens = FindInt(*hold, "max_tokens").value_or(0);
    r.hold.expires_at_ms = FindInt(*hold, "expires_at_ms").value_or(0);
    r.created_at_ms = FindInt(j, "created_at_ms").value_or(0);
    r.closed_at_ms = FindInt(j, "closed_at_ms").value_or(0);
    auto fp = internal::ParseHex64(FindString(j, "fingerprint").value_or(""));
    auto sfp = internal::ParseHex64(FindString(j, "settle_fingerprint").value_or(""));
    if (!fp || !sfp) return Status::InvalidArgument("state: bad fingerprint");
    r.fingerprint = *fp;
    r.settle_fingerprint = *sfp;
    if (r.state == Reservation::State::kSettled) {
      const Json* st = FindObject(j, "settlement");
      const Json* cost = st ? Find(*st, "cost") : nullptr;
      if (cost == nullptr) return Status::InvalidArgument("state: settlement missing");
      SY_ASSIGN_OR_RETURN(r.settlement.cost, CostFromJson(*cost));
      SY_ASSIGN_OR_RETURN(r.settlement.hold, RequiredUsd(*st, "hold"));
      SY_ASSIGN_OR_RETURN(r.settlement.overrun, RequiredUsd(*st, "overrun"));
      SY_ASSIGN_OR_RETURN(r.settlement.byok_overrun, RequiredUsd(*st, "byok_overrun"));
      r.settlement.late = FindBool(*st, "late").value_or(false);
    }
    if (r.state == Reservation::State::kHeld) {
      held_sum += r.hold.amount;
      key_held[r.key].first += r.hold.amount;
      key_held[r.key].second += r.hold.byok_amount;
      if (r.workspace >= 0) {
        ws_held[r.workspace].first += r.hold.amount;
        ws_held[r.workspace].second += r.hold.byok_amount;
      }
      for (uint32_t g : r.guardrails) {
        gr_held[g].first += r.hold.amount;
        gr_held[g].second += r.hold.byok_amount;
      }
      if (!active_.emplace(std::move(id), std::move(r)).second) {
        return Status::InvalidArgument("state: duplicate reservation");
      }
    } else {
      r.close_seq = static_cast<uint64_t>(FindInt(j, "close_seq").value_or(0));
      if (active_.count(id) || !closed_.emplace(std::move(id), std::move(r)).second) {
        return Status::InvalidArgument("state: duplicate reservation");
      }
    }
  }
  // The closing order is part of the state (Expire forgets in that order): relink by sequence.
  std::vector<std::pair<uint64_t, Reservation*>> order;
  order.reserve(closed_.size());
  for (auto& [id, r] : closed_) {
    r.id = &id;
    order.emplace_back(r.close_seq, &r);
  }
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  const uint64_t next_seq = static_cast<uint64_t>(FindInt(s, "next_close_seq").value_or(1));
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i].first == 0 || order[i].first >= next_seq ||
        (i > 0 && order[i].first == order[i - 1].first)) {
      return Status::InvalidArgument("state: bad close_seq");
    }
    Reservation& r = *order[i].second;
    r.older = closed_newest_;
    r.newer = nullptr;
    if (closed_newest_ != nullptr) closed_newest_->newer = &r;
    closed_newest_ = &r;
    if (closed_oldest_ == nullptr) closed_oldest_ = &r;
  }
  next_close_seq_ = next_seq;
  bool consistent = held_sum == held_total;
  for (size_t i = 0; i < keys_.size(); ++i) {
    consistent &= key_held[i] == std::make_pair(keys_[i].budget.held, keys_[i].budget.held_byok);
  }
  for (size_t i = 0; i < workspaces_.size(); ++i) {
    consistent &=
        ws_held[i] == std::make_pair(workspaces_[i].budget.held, workspaces_[i].budget.held_byok);
  }
  for (size_t i = 0; i < guardrails_.size(); ++i) {
    consistent &=
        gr_held[i] == std::make_pair(guardrails_[i].budget.held, guardrails_[i].budget.held_byok);
  }
  if (!consistent) return Status::InvalidArgument("state: holds do not match open reservations");
  held_ = held_sum;

  for (const Json& j : *array("movements")) {
    Movement m;
    std::string_view kind = FindString(j, "kind").value_or("");
    if (kind == "purchase")
      m.kind = Movement::Kind::kPurchase;
    else if (kind == "grant")
      m.kind = Movement::Kind::kGrant;
    else if (kind == "refund")
      m.kind = Movement::Kind::kRefund;
    else
      return Status::InvalidArgument("state: bad movement kind");
    m.id = std::string(FindString(j, "id").value_or(""));
    SY_RETURN_IF_ERROR(internal::CheckId(m.id, "movement id"));
    SY_ASSIGN_OR_RETURN(m.amount, RequiredUsd(j, "amount"));
    SY_ASSIGN_OR_RETURN(m.fee, RequiredUsd(j, "fee"));
    SY_ASSIGN_OR_RETURN(m.credited, RequiredUsd(j, "credited"));
    m.at_ms = FindInt(j, "at_ms").value_or(0);
    m.note = std::string(FindString(j, "note").value_or(""));
    if (!movement_index_.emplace(m.id, static_cast<uint32_t>(movements_.size())).second) {
      return Status::InvalidArgument("state: duplicate movement id");
    }
    movements_.push_back(std::move(m));
  }
  for (const Json& j : *array("generations")) {
    SY_ASSIGN_OR_RETURN(GenerationRecord g, GenerationFromJson(j));
    ring_.push_back(std::move(g));
  }
  if (ring_.size() > config_.max_generations) ResizeRing(config_.max_generations);
  SY_ASSIGN_OR_RETURN(rollups_, Rollups::FromJson(s.contains("rollups") ? s["rollups"] : Json()));
  return Status::Ok();
}

Result<Ledger> Ledger::FromState(const Json& state) {
  Ledger ledger;
  if (state.is_null() || (state.is_object() && state.empty())) return ledger;
  if (!state.is_object()) return Status::InvalidArgument("ledger state must be an object");
  if (FindString(state, "format") != std::string_view(kFormat)) {
    return Status::InvalidArgument("ledger state: format must be \"switchyard-ledger\"");
  }
  if (FindInt(state, "version") != kVersion) {
    return Status::InvalidArgument("ledger state: unsupported version");
  }
  const Json* snapshot = FindObject(state, "snapshot");
  if (snapshot == nullptr) return Status::InvalidArgument("ledger state: snapshot missing");
  SY_RETURN_IF_ERROR(ledger.ImportSnapshot(*snapshot));
  if (const Json* log = FindArray(state, "log")) {
    ledger.replaying_ = true;
    for (const Json& entry : *log) {
      Result<Json> r = ledger.ApplyLogEntry(entry);
      if (!r.ok()) {
        return Status::InvalidArgument("ledger state: log entry failed to replay: " +
                                       r.status().message());
      }
    }
    ledger.replaying_ = false;
  }
  return ledger;
}

Result<Json> Ledger::ApplyLogEntry(const Json& entry) {
  std::string_view op = FindString(entry, "op").value_or("");
  std::string id(FindString(entry, "id").value_or(""));
  if (op == "hold") {
    int32_t key = KeySlot(FindString(entry, "key_hash").value_or(""));
    if (key < 0) return Status::InvalidArgument("hold for an unknown key");
    if (active_.count(id) || closed_.count(id)) return Status::InvalidArgument("hold id reused");
    SY_RETURN_IF_ERROR(internal::CheckId(id, "id"));
    Hold h;
    SY_ASSIGN_OR_RETURN(h.amount, RequiredUsd(entry, "amount"));
    SY_ASSIGN_OR_RETURN(h.byok_amount, RequiredUsd(entry, "byok_amount"));
    h.max_tokens = FindInt(entry, "max_tokens").value_or(0);
    h.expires_at_ms = FindInt(entry, "expires_at_ms").value_or(0);
    auto fp = internal::ParseHex64(FindString(entry, "fingerprint").value_or(""));
    if (!fp) return Status::InvalidArgument("hold without fingerprint");
    PlaceHold(id, static_cast<uint32_t>(key), h, FindInt(entry, "now_ms").value_or(0), *fp);
    return Json::object();
  }
  if (op == "lease_shrink") {
    SY_RETURN_IF_ERROR(ReplayLeaseShrink(entry));
    return Json::object();
  }
  if (op == "charge") {
    bool open = active_.count(id) > 0;
    auto it = closed_.find(id);
    if (!open && (it == closed_.end() || it->second.state != Reservation::State::kExpired)) {
      return Status::InvalidArgument("charge without an open or expired reservation");
    }
    const Json* cost = Find(entry, "cost");
    const Json* record = Find(entry, "record");
    auto fp = internal::ParseHex64(FindString(entry, "fingerprint").value_or(""));
    if (cost == nullptr || record == nullptr || !fp) return Status::InvalidArgument("bad charge");
    SY_ASSIGN_OR_RETURN(Cost c, CostFromJson(*cost));
    SY_ASSIGN_OR_RETURN(GenerationRecord r, GenerationFromJson(*record));
    Charge(id, active_.find(id), FindInt(entry, "now_ms").value_or(0), c, *fp, &r);
    return Json::object();
  }
  return ApplyCommand(entry, nullptr);
}

}  // namespace switchyard
