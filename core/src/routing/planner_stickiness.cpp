// Prompt-cache stickiness table: a bounded LRU map from (conversation key, model) to the
// endpoint that last served it. Entries live kStickyIdleMs after their last success.
#include "switchyard/routing/planner.h"

namespace switchyard {
namespace {

// The table key: the sticky key's FNV-1a hash mixed with the model index (splitmix64's
// finaliser), so one conversation keeps one endpoint per model it used.
uint64_t TableKey(std::string_view sticky_key, uint32_t model) {
  uint64_t z = Fnv1a64(sticky_key) + 0x9e3779b97f4a7c15ull * (static_cast<uint64_t>(model) + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

Stickiness::Stickiness(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::optional<uint32_t> Stickiness::Lookup(std::string_view sticky_key, uint32_t model,
                                           int64_t now_ms) const {
  if (sticky_key.empty()) return std::nullopt;
  auto it = map_.find(TableKey(sticky_key, model));
  if (it == map_.end()) return std::nullopt;
  const Entry& e = *it->second;
  if (now_ms - e.last_ms >= kStickyIdleMs) return std::nullopt;
  return e.endpoint;
}

void Stickiness::RecordSuccess(std::string_view sticky_key, const Endpoint& endpoint,
                               int64_t now_ms) {
  RecordSuccess(sticky_key, endpoint.model, endpoint.index, now_ms);
}

void Stickiness::RecordSuccess(std::string_view sticky_key, uint32_t model, uint32_t endpoint,
                               int64_t now_ms) {
  if (sticky_key.empty()) return;
  uint64_t key = TableKey(sticky_key, model);
  auto it = map_.find(key);
  if (it != map_.end()) {
    it->second->endpoint = endpoint;
    it->second->last_ms = now_ms;
    lru_.splice(lru_.begin(), lru_, it->second);
  } else {
    lru_.push_front(Entry{key, endpoint, now_ms});
    map_.emplace(key, lru_.begin());
  }
  // Drop expired entries from the cold end, then enforce the bound.
  while (!lru_.empty() && (now_ms - lru_.back().last_ms >= kStickyIdleMs || map_.size() > capacity_)) {
    map_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

void Stickiness::Clear() {
  map_.clear();
  lru_.clear();
}

}  // namespace switchyard
