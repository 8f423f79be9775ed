// ledger.h: the ledger module (core/src/ledger/) owns accounts and what they spend: this header
// and generation.h (per-generation records and rollups). Amounts and prices are the money
// module's; the ledger resolves catalog endpoints to their prices, so it sits above the catalog.
//
// One account's money — credits, API keys, workspaces, guardrails, reservations and
// generation records — as exact integers (money.h), with every input (time included) an argument.
//
// How a request spends money:
//   1. Authenticate(key_hash) → the key (401 unknown/disabled/expired, 403 management key).
//   2. Reserve(worst case): estimated prompt × prompt price + max_tokens × completion price +
//      per-request fee, the maximum over the plan's attempts, held against the balance, the
//      key's limit and every workspace / guardrail budget at once. A hold that does not fit is
//      refused with 402 before any provider is called, so concurrent requests can never spend
//      past a limit: the check and the increment are one step.
//   3. Settle(actual usage) charges the real cost and frees the hold; Release frees it when the
//      call failed; Expire frees holds a crashed host never closed (now_ms ≥ expires_at).
// Settling above the hold (the provider overran the estimate, or a late settle after expiry)
// charges the actual cost anyway: a ledger never loses a cent of real provider spend. The excess
// is reported as `overrun` on the settlement and summed in overrun(); the balance and limits may
// be exceeded by exactly that amount. This is the only way settled spend passes a limit.
//
// Idempotency: every movement has an id. Purchases, grants and refunds are keyed by their id;
// reserve, settle and release by the reservation id. The same id with the same content returns
// the original result and changes nothing (`replayed`); with different content it is kConflict
// (409). Closed reservations are remembered for LedgerConfig::idempotency_window_ms (and at most
// max_closed_reservations); movement ids are remembered for good.
//
// State is a value: Export() gives a JSON snapshot; FromState(snapshot) gives a ledger with the
// identical state and identical future behaviour. With LedgerConfig::journal on, every mutation
// also appends an entry to an operation log that TakeLog() hands to the host (the Durable
// Object appends it to SQLite; the browser to IndexedDB); FromState({snapshot, log}) replays it.
//
// API keys are stored as the hex SHA-256 of the secret, computed by the host (the core has no
// crypto). Lookup uses the first 64 bits of that hash as an index (a hash of a secret leaks
// nothing useful); the full 256 bits are then compared in constant time.
//
// Thread-safety: none. One ledger is used by one caller at a time (a Durable Object, a page).
//
// Example:
//   Ledger ledger;
//   ledger.Purchase("pay_1", 10 * kPicosPerUsd, now);                 // $10 → $9.20 credited
//   AttemptPrices a{.prices = &catalog.PricesFor(e, est), .context_length = e.context_length,
//                   .max_completion_tokens = e.max_completion_tokens};
//   SY_ASSIGN_OR_RETURN(Hold h, ledger.Reserve({.id = "gen-1", .key_hash = hash, .now_ms = now,
//                                               .estimated_prompt_tokens = est,
//                                               .max_tokens = 1000, .attempts = {&a, 1}}));
//   ... call the provider ...
//   SY_ASSIGN_OR_RETURN(Settlement s, ledger.Settle({.id = "gen-1", .now_ms = later,
//       .prices = &catalog.PricesFor(e, usage.prompt_tokens), .usage = usage,
//       .options = {.finish_reason = "stop"}, .record = &record}));
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "switchyard/base/status.h"
#include "switchyard/ledger/generation.h"
#include "switchyard/money/money.h"
#include "switchyard/money/usage.h"

namespace switchyard {

class Catalog;
struct Prices;

// ---- UTC calendar (pure integer civil-date math; days are counted from 1970-01-01) ------------

inline constexpr int64_t kMsPerDay = 86'400'000;

struct CivilDate {
  int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  bool operator==(const CivilDate&) const = default;
};
int64_t UtcDay(int64_t ms);  // floor(ms / day)
CivilDate CivilFromDays(int64_t days);
int64_t DaysFromCivil(int64_t year, int month, int day);
int Weekday(int64_t days);                // 0 = Monday ... 6 = Sunday
std::string FormatIsoUtc(int64_t ms);     // "2026-08-01T12:00:00.000Z"
std::string FormatUtcDate(int64_t days);  // "2026-08-01"
// "2026-08-01", "2026-08-01T12:00:00Z", with optional fraction and "+00:00"/"Z"; also a JSON
// integer of milliseconds. Other offsets are accepted and converted to UTC.
Result<int64_t> ParseIsoUtc(std::string_view text);
Result<int64_t> ParseTimeJson(const Json& value);

// ---- limits ------------------------------------------------------------------------------------

enum class LimitReset : uint8_t { kNever, kDaily, kWeekly, kMonthly };
const char* LimitResetName(LimitReset reset);  // nullptr for kNever (rendered as null)
// null/absent → kNever; "daily" | "weekly" | "monthly"; anything else kInvalidArgument.
Result<LimitReset> ParseLimitReset(const Json* value);
// The first UtcDay of the period containing `day`: the day itself, its Monday, or the 1st of its
// month (limits reset at 00:00 UTC). kNever → INT64_MIN.
int64_t PeriodStartDay(LimitReset reset, int64_t day);

// The first day of the day, week (Monday) and month containing a moment.
struct UtcPeriods {
  int64_t day = 0, week = 0, month = 0;
  static UtcPeriods At(int64_t now_ms);
};

// Spend rolled by UTC period. Each period value remembers which period it belongs to, so a
// reading in a later period is 0 without any reset job. Amounts added with a time earlier than
// the period already recorded count only in `total` (time is an input and may go backwards).
struct UsageCounter {
  Picos total = 0, daily = 0, weekly = 0, monthly = 0;
  int64_t day = INT64_MIN, week = INT64_MIN, month = INT64_MIN;  // period start days
  void Add(Picos amount, const UtcPeriods& now);
  Picos In(LimitReset period, const UtcPeriods& now) const;  // kNever → total
  bool operator==(const UsageCounter&) const = default;
};

// A spending limit with its interval and its outstanding holds (keys, workspaces, guardrails).
struct Budget {
  std::optional<Picos> limit;  // USD; nullopt = unlimited
  LimitReset reset = LimitReset::kNever;
  bool include_byok = false;  // BYOK upstream spend counts towards the limit
  UsageCounter usage;         // credits charged
  UsageCounter byok;          // upstream cost of BYOK generations (paid by the user)
  Picos held = 0;             // credits held by open reservations
  Picos held_byok = 0;        // BYOK upstream worst case held by open reservations

  Picos Spent(const UtcPeriods& now) const;  // in the current period
  Picos Outstanding() const { return held + (include_byok ? held_byok : 0); }
  std::optional<Picos> Remaining(const UtcPeriods& now) const;  // limit − spent (< 0 after overrun)
  // Whether holding (credits, byok) more keeps spent + outstanding within the limit.
  bool Fits(Picos credits, Picos byok, const UtcPeriods& now) const;
  bool operator==(const Budget&) const = default;
};

// ---- account objects ---------------------------------------------------------------------------

struct ApiKey {
  std::string hash;  // lowercase hex SHA-256 of the secret: the key's identity
  std::string name;
  std::string label;  // display form, e.g. "sk-sy-v1-abc...xyz" (the host makes it)
  Budget budget;
  bool management = false;  // may manage keys and read credits; may not call inference
  bool disabled = false;
  bool deleted = false;  // kept as a tombstone: holds and history still point at it
  std::optional<int64_t> expires_at_ms;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int32_t workspace = -1;            // slot in workspaces, -1 = none
  std::vector<uint32_t> guardrails;  // slots in guardrails
  uint64_t create_fingerprint = 0;   // content of the create command (idempotent retries)
};

struct Workspace {
  std::string id;
  std::string name;
  Budget budget;
  std::vector<uint32_t> guardrails;
  bool deleted = false;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

// Restrictions attached to keys or workspaces. Lists are ceilings (intersected); ZDR is OR-ed;
// every budget applies, so the lowest limit wins.
struct Guardrail {
  std::string id;
  std::string name;
  std::string description;
  std::optional<std::vector<std::string>> allowed_models;     // nullopt = any
  std::optional<std::vector<std::string>> allowed_providers;  // nullopt = any
  bool enforce_zdr = false;
  Budget budget;
  bool deleted = false;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

// Account-wide routing policy that feeds the policy context (see /tmp contract in DESIGN).
struct AccountPolicy {
  std::string account_id = "acct_1";
  std::optional<std::vector<std::string>> allowed_models;
  std::optional<std::vector<std::string>> allowed_providers;
  std::vector<std::string> ignored_providers;
  bool zdr = false;
  bool deny_data_collection = false;
  std::vector<std::string> byok_providers;  // providers the account holds its own keys for
};

struct LedgerConfig {
  int64_t reservation_ttl_ms = 10 * 60 * 1000;  // default hold lifetime
  size_t max_generations = 1000;                // records kept (the host persists older ones)
  int64_t idempotency_window_ms = 24 * 3600 * 1000LL;  // closed reservations remembered
  size_t max_closed_reservations = 100'000;
  int64_t rollup_days = 35;  // UTC days of rollups kept
  bool journal = false;      // append an operation log for TakeLog()
  // Completion tokens reserved when neither max_tokens nor the endpoint's limits are known.
  int64_t fallback_max_tokens = 4096;
  bool operator==(const LedgerConfig&) const = default;
};

// ---- the money path ----------------------------------------------------------------------------

enum class KeyUse : uint8_t { kInference, kManagement, kAny };

// One attempt of a plan, priced: the endpoint's prices for the estimated prompt (its long-context
// tier) and its limits.
struct AttemptPrices {
  const Prices* prices = nullptr;
  int64_t context_length = 0;         // 0 = unknown
  int64_t max_completion_tokens = 0;  // 0 = unknown
  bool byok = false;                  // served with the user's key: credits hold only the fee
};

struct ReserveRequest {
  std::string_view id;  // the generation id; also the idempotency id
  std::string_view key_hash;
  int64_t now_ms = 0;
  int64_t ttl_ms = 0;  // 0 = LedgerConfig::reservation_ttl_ms
  int64_t estimated_prompt_tokens = 0;
  std::optional<int64_t> max_tokens;  // absent: the endpoint's max_completion_tokens, else
                                      // context − prompt, else fallback_max_tokens
  int64_t images = 0;                 // input images priced per image
  std::span<const AttemptPrices> attempts;
};

struct Hold {
  Picos amount = 0;        // credits held (for BYOK attempts: the worst-case fee)
  Picos byok_amount = 0;   // BYOK upstream worst case (counts only where include_byok)
  int64_t max_tokens = 0;  // completion tokens covered
  int64_t expires_at_ms = 0;
  bool replayed = false;
  bool operator==(const Hold& o) const {
    return amount == o.amount && byok_amount == o.byok_amount && max_tokens == o.max_tokens &&
           expires_at_ms == o.expires_at_ms;
  }
};

struct SettleRequest {
  std::string_view id;
  int64_t now_ms = 0;
  // Either the generation's priced usage, computed once when the attempt ended (money.h): it is
  // charged as it is, never re-priced ...
  const PricedUsage* priced = nullptr;
  // ... or, without it, the usage priced here at the serving endpoint's prices for the ACTUAL
  // prompt with `options` (byok, discount). finish_reason is read from `options` either way.
  const Prices* prices = nullptr;
  Usage usage;
  CostOptions options;
  // Host-observed details to keep (model, provider, latency, attribution); copied into the
  // ledger's record ring, with usage and finish_reason also written back into *record.
  // nullptr: a record with money and tokens only.
  GenerationRecord* record = nullptr;
};

struct Settlement {
  Cost cost;
  Picos hold = 0;          // credits that were held (0 for a late settle)
  Picos overrun = 0;       // credits charged beyond the hold
  Picos byok_overrun = 0;  // BYOK upstream beyond the BYOK hold
  bool late = false;       // settled after the hold had expired
  bool replayed = false;
};

struct Movement {
  enum class Kind : uint8_t { kPurchase, kGrant, kRefund };
  Kind kind = Kind::kPurchase;
  std::string id;
  Picos amount = 0;    // paid (purchase), granted or refunded
  Picos fee = 0;       // platform fee (purchases)
  Picos credited = 0;  // effect on total credits: amount − fee, +grant, −refund
  int64_t at_ms = 0;
  std::string note;
  bool replayed = false;
};
const char* MovementKindName(Movement::Kind kind);

// ---- credit leases ------------------------------------------------------------------------------
//
// A lease moves the reservation off the account's critical path. The account's ledger grants an
// isolate a slice of a key's remaining budget as one ordinary hold (GrantLease: a reservation of
// a fixed amount, id = the lease id, with its own expiry); the isolate keeps the lease in a
// LeaseBook and reserves each request's worst case against it locally (Take), with the same
// arithmetic as Reserve (WorstCaseHold). So the money of every in-flight request is inside some
// hold of the account's ledger, and spend can pass a limit only by the documented overrun.
//
// Settling: the isolate sends each finished request to the account as SettleOnLease(lease, ...):
// the lease's hold shrinks by min(charged, what is left of it) and the generation is charged as a
// reservation of that amount (an overrun, if any, is the same documented exception as Settle's).
// Returning: Release(lease id) frees what is left. A lease never returned (the isolate was
// evicted or crashed) ends at its expiry like any hold (Expire). A lease is usable by the book
// until use_until_ms, which the host sets at expiry minus the longest a request may run, so a
// request reserved on a lease settles before the lease's hold expires.
//
// In-flight exposure: the leases of a key are holds on the key (and account, workspace,
// guardrails), so they count against its limit like request holds: exposure beyond a limit stays
// 0 (the overrun exception aside). What a lease costs is availability: budget leased to one
// isolate is not available to another until it is used, returned or expired; GrantLease grants
// at most kLeaseShareDefaultPpm of a key's headroom, so a second isolate always finds some.

inline constexpr int64_t kLeaseShareDefaultPpm = 500'000;  // a lease takes at most half the headroom

struct LeaseRequest {
  std::string_view id;  // the lease id (a reservation id of the account)
  std::string_view key_hash;
  int64_t now_ms = 0;
  int64_t ttl_ms = 0;  // 0 = LedgerConfig::reservation_ttl_ms
  Picos want = 0;      // > 0
  Picos min = 1;       // refused (402) when less than this fits
  int64_t share_ppm = kLeaseShareDefaultPpm;  // at most this share of the headroom
};

struct LeaseGrant {
  Picos amount = 0;
  int64_t expires_at_ms = 0;
  bool replayed = false;
};

// The worst-case hold of a request (what Reserve would hold), without any account: the isolate's
// book takes this from its lease. BYOK attempts have byok_amount > 0.
Result<Hold> WorstCaseHold(const ReserveRequest& request, int64_t fallback_max_tokens);

// One lease as an isolate holds it.
struct BookLease {
  std::string id;
  std::string key_hash;
  Picos amount = 0;  // granted
  Picos held = 0;    // by open requests
  Picos used = 0;    // charged by finished requests
  int64_t use_until_ms = 0;
  int64_t expires_at_ms = 0;
  uint32_t open = 0;  // open requests
  Picos left() const { return amount - held - used; }
};

// The isolate's side of leases: which lease each open request holds from, and the demand seen
// per key (to size the next lease). Pure arithmetic; the host does the I/O.
class LeaseBook {
 public:
  static constexpr int64_t kDemandWindowMs = 1000;
  // Adds a lease granted by the account (ids are unique; a replayed add changes nothing).
  Status Add(BookLease lease);
  // Holds `amount` for request `id` from a usable lease of the key (the one expiring first that
  // covers it). Records the demand either way. kPaymentRequired when no lease covers it.
  Result<std::string> Take(std::string_view id, std::string_view key_hash, Picos amount,
                           int64_t now_ms);
  // Ends request `id`: frees its hold and counts `charged` as used (nullopt: released, nothing
  // used). Returns the lease it held from.
  Result<std::string> Done(std::string_view id, std::optional<Picos> charged);
  // Removes and returns the leases with no open request that can no longer be used (now ≥
  // use_until_ms), or every lease with no open request when `all`.
  std::vector<BookLease> Idle(int64_t now_ms, bool all);
  // Gives back what the key's leases have left (their open requests keep their holds): each
  // lease's amount drops by its left(), which is returned as (lease id, amount) for the host to
  // shrink the lease at the account by (lease_trim). Used when a request finds no lease that
  // covers it, so lease fragments never stand between a key's budget and its requests.
  std::vector<std::pair<std::string, Picos>> Trim(std::string_view key_hash);
  // What the key's usable leases still cover at now_ms.
  Picos Available(std::string_view key_hash, int64_t now_ms) const;
  // How much more to lease for the key now (0 = enough): about two seconds of the observed
  // demand, at least four of the largest recent holds, once what is left falls below half that.
  Picos Want(std::string_view key_hash, int64_t now_ms) const;
  // The hold of open request `id` (0 when it holds none).
  Picos HoldOf(std::string_view id) const {
    auto it = holds_.find(std::string(id));
    return it == holds_.end() ? 0 : it->second.amount;
  }
  size_t size() const { return leases_.size(); }
  size_t open() const { return holds_.size(); }
  const std::vector<BookLease>& leases() const { return leases_; }

 private:
  struct Demand {
    int64_t window = INT64_MIN;  // start of the current window
    Picos current = 0, previous = 0, largest = 0;
    int64_t count = 0, previous_count = 0;  // requests seen
  };
  struct Open {
    std::string lease;
    Picos amount = 0;
  };
  std::vector<BookLease> leases_;
  std::unordered_map<std::string, Open> holds_;
  std::unordered_map<std::string, Demand> demand_;
};

class Ledger {
 public:
  explicit Ledger(LedgerConfig config = {});

  // From Export()'s value ({"format","version","snapshot","log"}), or null / {} for a new
  // account. The log, if any, is replayed on top of the snapshot.
  static Result<Ledger> FromState(const Json& state);
  // A canonical snapshot of the whole state with an empty log.
  Json Export() const;
  // The operation log since the last TakeLog() (LedgerConfig::journal); clears it.
  Json TakeLog();
  // The same log as JSON text (an array), appended to `out`; clears it. TakeLog() is this text
  // read back. A charge entry is {"cost","fingerprint","id","now_ms","op":"charge","record"},
  // the record in its log form (AppendGenerationLogJson: the cost and id are the entry's).
  void TakeLogText(std::string& out);

  // One command, JSON in and JSON out: the whole C ABI surface (sy_ledger_apply). The command
  // list, with fields, is in docs at the top of ledger_commands.cpp. `catalog` resolves endpoint
  // indexes in reserve/settle; without it, attempts must carry inline prices.
  Result<Json> Apply(const Json& command, const Catalog* catalog = nullptr);
  // The same command with its result as JSON text: byte for byte Dump(Apply(...)), but the hot
  // results (take_log, generation, settle with a `reply`) are written as text, never as a DOM.
  // The C ABI's sy_ledger_apply answers with this.
  Result<std::string> ApplyText(const Json& command, const Catalog* catalog = nullptr);

  // ---- typed API (the hot path: no JSON, no state copies) -----------------------------------
  Result<Movement> Purchase(std::string_view id, Picos paid, int64_t now_ms,
                            std::string_view note = {});
  Result<Movement> Grant(std::string_view id, Picos amount, int64_t now_ms,
                         std::string_view note = {});
  Result<Movement> Refund(std::string_view id, Picos amount, int64_t now_ms,
                          std::string_view note = {});

  Result<const ApiKey*> Authenticate(std::string_view key_hash, KeyUse use, int64_t now_ms) const;
  Result<Hold> Reserve(const ReserveRequest& request);
  Result<Settlement> Settle(const SettleRequest& request);
  // The hold that was freed (0 for a replay or an already expired hold).
  Result<Picos> Release(std::string_view id, int64_t now_ms);
  // Leases (see "credit leases" above). GrantLease: idempotent by id (a replay returns the grant).
  Result<LeaseGrant> GrantLease(const LeaseRequest& request);
  // Settles generation request.id on lease `lease_id` of key `key_hash` (the key is needed when
  // the lease is already forgotten). The same id again replays like Settle.
  Result<Settlement> SettleOnLease(std::string_view lease_id, std::string_view key_hash,
                                   const SettleRequest& request);
  // Frees up to `amount` of an open lease (what its isolate will not use): the freed amount,
  // 0 for a lease already closed.
  Result<Picos> TrimLease(std::string_view lease_id, Picos amount);
  // The isolate's book (a ledger used as an isolate's lease book holds no account).
  LeaseBook& book() { return book_; }
  // Frees every hold with expires_at <= now_ms, forgets closed reservations older than the
  // idempotency window, prunes rollups. Returns the ids it expired, sorted.
  std::vector<std::string> Expire(int64_t now_ms);

  // ---- reads -------------------------------------------------------------------------------
  Picos total_credits() const { return paid_ - fees_ + granted_ - refunded_; }
  Picos total_usage() const { return spent_; }
  Picos balance() const { return total_credits() - spent_; }
  Picos held() const { return held_; }
  Picos available() const { return balance() - held_; }
  Picos purchased() const { return paid_; }
  Picos purchase_fees() const { return fees_; }
  Picos granted() const { return granted_; }
  Picos refunded() const { return refunded_; }
  Picos overrun() const { return overrun_; }
  size_t open_reservations() const { return active_.size(); }
  const LedgerConfig& config() const { return config_; }
  const AccountPolicy& policy() const { return policy_; }
  // The kept generation records, oldest first (at most LedgerConfig::max_generations).
  size_t generation_count() const { return ring_.size(); }
  const GenerationRecord& generation(size_t i) const {
    return ring_[(ring_head_ + i) % ring_.size()];
  }
  const Rollups& rollups() const { return rollups_; }

  const ApiKey* FindKey(std::string_view key_hash) const;
  const Workspace* FindWorkspace(std::string_view id) const;
  const Guardrail* FindGuardrail(std::string_view id) const;
  const GenerationRecord* FindGeneration(std::string_view id) const;

  // GET /key body for the calling key.
  Result<Json> RenderKeyInfo(std::string_view key_hash, int64_t now_ms) const;
  // GET /credits body.
  Json RenderCredits() const;
  // The planner's policy context for a key (contract in the team notes): account policy
  // narrowed by the key's and its workspace's guardrails.
  Result<Json> PolicyContext(std::string_view key_hash, int64_t now_ms) const;

  // Movable (map nodes, and the links between them, move with the maps); not copyable: copy a
  // ledger through Export()/FromState().
  Ledger(Ledger&&) = default;
  Ledger& operator=(Ledger&&) = default;
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

 private:
  // Heterogeneous lookup: finding an id by string_view allocates nothing.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <typename V>
  using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

  struct Reservation {
    enum class State : uint8_t { kHeld, kSettled, kReleased, kExpired };
    State state = State::kHeld;
    uint32_t key = 0;
    int32_t workspace = -1;
    std::vector<uint32_t> guardrails;
    Hold hold;
    int64_t created_at_ms = 0;
    int64_t closed_at_ms = 0;
    uint64_t fingerprint = 0;         // reserve content
    uint64_t settle_fingerprint = 0;  // settle content, once settled
    Settlement settlement;            // once settled
    // Closed reservations form a list in closing order, so Expire forgets the oldest without
    // scanning the map (map nodes never move, so the links stay valid).
    uint64_t close_seq = 0;
    const std::string* id = nullptr;  // the map key of this node
    Reservation* older = nullptr;
    Reservation* newer = nullptr;
  };
  using ReservationMap = StringMap<Reservation>;
  // One mutation, kept typed so the hot path renders no JSON; TakeLog() renders it.
  struct JournalEntry {
    enum class Kind : uint8_t { kCommand, kHold, kCharge };
    Kind kind = Kind::kCommand;
    Json command;      // kCommand: the command as applied (now_ms included)
    std::string id;    // kHold, kCharge
    uint32_t key = 0;  // kHold
    Hold hold;         // kHold
    int64_t now_ms = 0;
    uint64_t fingerprint = 0;
    Cost cost;                // kCharge
    GenerationRecord record;  // kCharge
  };

  // Effects shared by the live path and log replay.
  void PlaceHold(std::string_view id, uint32_t key, const Hold& hold, int64_t now_ms,
                 uint64_t fingerprint);
  // `it` is the reservation in active_, or active_.end() for an expired one in closed_.
  Settlement Charge(std::string_view id, ReservationMap::iterator it, int64_t now_ms,
                    const Cost& cost, uint64_t fingerprint, GenerationRecord* record);
  UtcPeriods PeriodsAt(int64_t now_ms) const;
  void ShrinkLease(ReservationMap::iterator lease, Picos amount);
  Status ReplayLeaseShrink(const Json& entry);
  Result<Movement> Move(Movement::Kind kind, std::string_view id, Picos amount, int64_t now_ms,
                        std::string_view note);
  void AdjustHolds(const Reservation& r, int sign);
  template <typename Fn>
  void ForEachBudget(const Reservation& r, Fn&& fn);
  // The first limit that (credits, byok) more would break: "credits", "key_limit",
  // "workspace_budget", "guardrail_budget"; nullptr when everything fits.
  const char* FirstBreach(uint32_t key, Picos credits, Picos byok, const UtcPeriods& now) const;
  // Whether (credits, byok) more would fit if no hold were open (a refusal "in flight").
  bool FitsWithoutHolds(uint32_t key, Picos credits, Picos byok, const UtcPeriods& now) const;
  Status Refusal(const char* breach, uint32_t key, Picos credits, const UtcPeriods& now) const;
  int32_t KeySlot(std::string_view key_hash) const;
  void JournalCommand(Json command);

  // JSON commands (ledger_commands.cpp) and state (ledger_state.cpp).
  Result<Json> ApplyCommand(const Json& command, const Catalog* catalog);
  Result<Json> ApplyLogEntry(const Json& entry);
  Result<Json> KeyCommand(std::string_view op, const Json& command);
  Result<Json> WorkspaceCommand(std::string_view op, const Json& command);
  Result<Json> GuardrailCommand(std::string_view op, const Json& command);
  Result<Json> ReserveCommand(const Json& command, const Catalog* catalog);
  Result<Json> SettleCommand(const Json& command, const Catalog* catalog);
  // settle / lease_settle up to the settlement; `usage` receives the usage it charged.
  Result<Settlement> SettleFromCommand(const Json& command, const Catalog* catalog, Usage* usage);
  // A settle command's `reply` ("none" or "generation") as text; kInvalidArgument for another.
  static Result<std::string_view> SettleReply(const Json& command);
  void AppendSettleReply(std::string_view reply, std::string_view id, std::string& out) const;
  Result<Json> LeaseCommand(std::string_view op, const Json& command, const Catalog* catalog);
  Json RenderKey(const ApiKey& key, int64_t now_ms) const;
  Json RenderWorkspace(const Workspace& ws, int64_t now_ms) const;
  Json RenderGuardrail(const Guardrail& g, int64_t now_ms) const;
  Status ImportSnapshot(const Json& snapshot);

  LedgerConfig config_;
  AccountPolicy policy_;
  Picos paid_ = 0, fees_ = 0, granted_ = 0, refunded_ = 0, spent_ = 0, held_ = 0, overrun_ = 0;

  std::vector<ApiKey> keys_;
  std::unordered_map<uint64_t, uint32_t> key_index_;  // first 64 bits of the hash → slot
  std::vector<Workspace> workspaces_;
  StringMap<uint32_t> workspace_index_;
  std::vector<Guardrail> guardrails_;
  StringMap<uint32_t> guardrail_index_;

  ReservationMap active_;  // held
  ReservationMap closed_;  // settled, released or expired: kept for idempotent replays
  Reservation* closed_oldest_ = nullptr;
  Reservation* closed_newest_ = nullptr;
  uint64_t next_close_seq_ = 1;
  // Moves an open reservation's node into closed_ and appends it to the closing order.
  Reservation& Close(ReservationMap::node_type node, int64_t now_ms);
  void LinkClosed(Reservation& r);
  void UnlinkClosed(Reservation& r);
  void ForgetOldestClosed();

  std::vector<Movement> movements_;
  StringMap<uint32_t> movement_index_;

  // A ring of the last max_generations records. Full, a new record is copy-assigned over the
  // oldest, reusing its strings' storage: the settle path allocates nothing for its record.
  std::vector<GenerationRecord> ring_;
  size_t ring_head_ = 0;  // index of the oldest record once the ring is full
  GenerationRecord* NextRecordSlot();
  void ResizeRing(size_t capacity);
  Rollups rollups_;
  std::vector<JournalEntry> journal_;
  LeaseBook book_;  // an isolate's leases (not part of the state: leases end with the isolate)
  bool replaying_ = false;
  mutable UtcPeriods periods_cache_;  // PeriodsAt's last day (a pure function's memo)
  mutable bool periods_cached_ = false;
};

}  // namespace switchyard
