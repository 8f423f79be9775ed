// ledger_internal.h: small helpers shared by the ledger's source files (ledger*.cpp,
// generation*.cpp) and their tests. Not part of the public API.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/base/status.h"
#include "switchyard/catalog/catalog.h"
#include "switchyard/json/json.h"
#include "switchyard/ledger/ledger.h"
#include "switchyard/json/json_text.h"
#include "switchyard/money/money.h"

namespace switchyard::internal {

// A key hash is 64 lowercase hex digits (SHA-256). Its first 16 digits, as a number, index the
// key table; nullopt when the text is not such a hash.
inline std::optional<uint64_t> KeyHashPrefix(std::string_view hash) {
  if (hash.size() != 64) return std::nullopt;
  uint64_t prefix = 0;
  for (size_t i = 0; i < 64; ++i) {
    char c = hash[i];
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else
      return std::nullopt;
    if (i < 16) prefix = prefix << 4 | static_cast<uint64_t>(v);
  }
  return prefix;
}

// The reservation `id` names, open or closed (for idempotent replays), or null.
template <typename Map>
auto FindReservation(const Map& active, const Map& closed, std::string_view id)
    -> const typename Map::mapped_type* {
  if (auto it = active.find(id); it != active.end()) return &it->second;
  if (auto it = closed.find(id); it != closed.end()) return &it->second;
  return nullptr;
}

// The table index of a presented key hash: its first 16 hex digits, if it has 64 characters
// (the constant-time comparison that follows rejects anything that is not the stored hash).
inline std::optional<uint64_t> KeyIndex(std::string_view hash) {
  if (hash.size() != 64) return std::nullopt;
  uint64_t prefix = 0;
  for (size_t i = 0; i < 16; ++i) {
    char c = hash[i];
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else
      return std::nullopt;
    prefix = prefix << 4 | static_cast<uint64_t>(v);
  }
  return prefix;
}

// Compares without an early exit, so the time taken does not reveal where two hashes differ
// (only the length, which is public: 64). Word-wise OR of XORs; the result is read once.
inline bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  uint64_t diff = 0;
  size_t i = 0;
  for (; i + 8 <= a.size(); i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    diff |= x ^ y;
  }
  for (; i < a.size(); ++i) diff |= static_cast<uint64_t>(static_cast<unsigned char>(a[i] ^ b[i]));
  // An optimisation barrier so the compiler cannot turn the loop into an early-exit compare.
  volatile uint64_t sink = diff;
  return sink == 0;
}

// Ids (idempotency, reservation, workspace, guardrail): 1..256 bytes, no control characters.
inline Status CheckId(std::string_view id, std::string_view field) {
  if (id.empty() || id.size() > 256) {
    return Status::InvalidArgument(std::string(field) + " must be 1 to 256 characters", field);
  }
  for (char c : id) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(std::string(field) + " must not contain control characters",
                                     field);
    }
  }
  return Status::Ok();
}

// A 64-bit hash of typed fields: the "content" of an idempotent command, compared on replay
// and stored in exported state, so it must not change between builds: pure 64-bit arithmetic,
// bytes assembled little-endian explicitly. Word-wise (not byte-wise FNV): the reserve path
// hashes ~40 words per request.
class Fingerprint {
 public:
  void Add(int64_t v) { Mix(static_cast<uint64_t>(v)); }
  void Add(bool v) { Mix(v ? 1 : 0); }
  void Add(std::string_view s) {
    Mix(s.size());
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) Mix(Load(s.data() + i, 8));
    if (i < s.size()) Mix(Load(s.data() + i, s.size() - i));
  }
  void Add(const Prices& p) {
    for (Picos v : {p.prompt, p.completion, p.cache_read, p.cache_write, p.cache_write_1h,
                    p.reasoning, p.request, p.image}) {
      Add(v);
    }
  }
  uint64_t value() const {
    uint64_t h = h_;  // murmur3's finaliser: every input bit reaches every output bit
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
  }

 private:
  static uint64_t Load(const char* p, size_t n) {
    uint64_t v = 0;
    for (size_t k = 0; k < n; ++k)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(p[k])) << (8 * k);
    return v;
  }
  void Mix(uint64_t v) {
    h_ = (h_ ^ v) * 0x9e3779b97f4a7c15ull;
    h_ ^= h_ >> 29;
  }
  uint64_t h_ = 0x243f6a8885a308d3ull;
};

inline std::string Hex64(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kDigits[v & 15];
  return out;
}

inline std::optional<uint64_t> ParseHex64(std::string_view s) {
  if (s.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else
      return std::nullopt;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

// An exact USD amount for state and command results ("12.5"), and back.
inline Json UsdJson(Picos amount) { return FormatUsd(amount); }
inline Json OptionalUsdNumber(const std::optional<Picos>& amount) {
  return amount ? Json(UsdNumber(*amount)) : Json(nullptr);
}
// "key":"12.5" into an object written as text (JsonObjectText).
inline void AppendUsdMember(JsonObjectText& o, std::string_view key, Picos amount) {
  std::string& out = o.Key(key);  // digits, '-' and '.': nothing to escape
  out += '"';
  AppendUsd(out, amount);
  out += '"';
}
inline Json StringOrNull(std::string_view s) {
  return s.empty() ? Json(nullptr) : Json(std::string(s));
}

// Lossless JSON of a Usage (state export, log); defined in generation.cpp. The writer is
// switchyard::UsageToJson (usage.h); a Cost's pair is CostToJson/CostFromJson (money.h).
Result<Usage> UsageFromJson(const Json& json);

// Settings, account policy and string lists (ledger_state.cpp): partial updates, so a command
// that names one field changes only that field.
inline constexpr size_t kMaxText = 256;      // names and labels, in bytes
inline constexpr size_t kMaxList = 10'000;   // entries of a list of names (ids, models, providers)
inline constexpr size_t kMaxListItem = 512;  // bytes per entry
// An allow-list member of `object` (allowed_models, allowed_providers): absent leaves *out;
// null is no restriction (nullopt); an array of names is the ceiling.
Status ReadAllowList(const Json& object, std::string_view key,
                     std::optional<std::vector<std::string>>* out);
// The content of a settle command (idempotent retries compare it).
uint64_t SettleFingerprint(const SettleRequest& r);
// What a settle charges (its priced cost, or its usage at the endpoint's prices), refused when
// negative or when it would take the account's total `spent` beyond int64.
Result<Cost> SettleCost(const SettleRequest& req, Picos spent);
Json SettingsJson(const LedgerConfig& config);
Status ApplySettings(const Json& json, LedgerConfig* config);
Json PolicyJson(const AccountPolicy& policy);
Status ApplyPolicy(const Json& json, AccountPolicy* policy);

}  // namespace switchyard::internal
