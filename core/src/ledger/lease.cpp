// Credit leases (ledger.h, "credit leases"): the account's side (GrantLease, SettleOnLease, the
// lease_shrink log entry) and the isolate's side (LeaseBook).
#include <algorithm>

#include "ledger/ledger_internal.h"
#include "switchyard/ledger/ledger.h"

namespace switchyard {

namespace {

constexpr Picos kHeadroomBound = Picos{1} << 62;

Picos SaturatingMul(Picos a, int64_t k) {
  const __int128 v = static_cast<__int128>(a) * k;
  return v > INT64_MAX ? INT64_MAX : static_cast<Picos>(v);
}

uint64_t LeaseFingerprint(const LeaseRequest& r) {
  internal::Fingerprint f;
  f.Add(std::string_view("lease"));
  f.Add(r.key_hash);
  f.Add(r.want);
  f.Add(r.min);
  f.Add(r.ttl_ms);
  f.Add(r.share_ppm);
  return f.value();
}

}  // namespace

// ---- the account's side ------------------------------------------------------------------------

Result<LeaseGrant> Ledger::GrantLease(const LeaseRequest& req) {
  SY_RETURN_IF_ERROR(internal::CheckId(req.id, "id"));
  if (req.now_ms < 0) return Status::InvalidArgument("now_ms must not be negative", "now_ms");
  if (req.ttl_ms < 0) return Status::InvalidArgument("ttl_ms must not be negative", "ttl_ms");
  if (req.want <= 0 || req.want > kHeadroomBound) {
    return Status::InvalidArgument("a lease wants a positive amount", "want");
  }
  if (req.min < 0 || req.min > req.want) {
    return Status::InvalidArgument("min must be between 0 and want", "min");
  }
  if (req.share_ppm <= 0 || req.share_ppm > kPpm) {
    return Status::InvalidArgument("share must be in (0, 1]", "share");
  }
  const uint64_t fingerprint = LeaseFingerprint(req);
  const Reservation* existing = internal::FindReservation(active_, closed_, req.id);
  if (existing != nullptr) {
    if (existing->fingerprint != fingerprint) {
      return Status::Conflict("lease id '" + std::string(req.id) +
                              "' was already used for a different request");
    }
    // What is left of it (a lease shrinks as it is settled; a closed one has nothing left).
    LeaseGrant replay;
    replay.amount = existing->state == Reservation::State::kHeld ? existing->hold.amount : 0;
    replay.expires_at_ms = existing->hold.expires_at_ms;
    replay.replayed = true;
    return replay;
  }
  SY_ASSIGN_OR_RETURN(const ApiKey* key,
                      Authenticate(req.key_hash, KeyUse::kInference, req.now_ms));
  const uint32_t slot = static_cast<uint32_t>(key - keys_.data());
  const UtcPeriods now = PeriodsAt(req.now_ms);

  // The headroom: the largest hold every meter still takes (fits() grows monotonically false).
  if (const char* breach = FirstBreach(slot, 0, 0, now); breach != nullptr) {
    return Refusal(breach, slot, req.min, now);
  }
  Picos lo = 0, hi = kHeadroomBound;  // fits(lo); hi may or may not fit
  if (FirstBreach(slot, hi, 0, now) == nullptr) {
    lo = hi;
  } else {
    while (lo + 1 < hi) {
      const Picos mid = lo + (hi - lo) / 2;
      if (FirstBreach(slot, mid, 0, now) == nullptr)
        lo = mid;
      else
        hi = mid;
    }
  }
  const Picos share =
      static_cast<Picos>(static_cast<__int128>(lo) * req.share_ppm / kPpm);
  const Picos amount = std::min(req.want, share);
  if (amount <= 0 || amount < req.min) {
    return Status::PaymentRequired("No lease: the key's remaining budget is held by requests in "
                                   "flight or other leases; settle the account object directly.")
        .With("reason", "lease_headroom");
  }
  Hold hold;
  hold.amount = amount;
  const int64_t ttl = req.ttl_ms > 0 ? req.ttl_ms : config_.reservation_ttl_ms;
  hold.expires_at_ms = req.now_ms > INT64_MAX - ttl ? INT64_MAX : req.now_ms + ttl;
  PlaceHold(req.id, slot, hold, req.now_ms, fingerprint);
  LeaseGrant grant;
  grant.amount = amount;
  grant.expires_at_ms = hold.expires_at_ms;
  return grant;
}

void Ledger::ShrinkLease(ReservationMap::iterator lease, Picos amount) {
  AdjustHolds(lease->second, -1);
  lease->second.hold.amount -= amount;
  AdjustHolds(lease->second, +1);
  if (config_.journal && !replaying_) {
    JournalCommand({{"op", "lease_shrink"}, {"id", lease->first}, {"amount", internal::UsdJson(amount)}});
  }
}

Result<Settlement> Ledger::SettleOnLease(std::string_view lease_id, std::string_view key_hash,
                                         const SettleRequest& req) {
  SY_RETURN_IF_ERROR(internal::CheckId(req.id, "id"));
  SY_RETURN_IF_ERROR(internal::CheckId(lease_id, "lease"));
  // Settled before (a retried batch): Settle replays it or reports the conflict.
  if (active_.count(req.id) > 0 || closed_.count(req.id) > 0) {
    if (req.id == lease_id) return Status::Conflict("a generation id cannot be its lease's id");
    return Settle(req);
  }
  if (req.now_ms < 0) return Status::InvalidArgument("now_ms must not be negative", "now_ms");
  if (req.prices == nullptr && req.priced == nullptr) {
    return Status::InvalidArgument("settle needs the priced usage or the endpoint's prices");
  }
  SY_ASSIGN_OR_RETURN(Cost cost, internal::SettleCost(req, spent_));
  const int32_t caller = KeySlot(key_hash);
  if (caller < 0) return Status::NotFound("no key for this lease");
  // The lease's hold pays for the charge as far as it reaches. A lease that is closed (returned
  // or expired before its settlement arrived) pays nothing: the charge is all overrun.
  Picos covered = 0;
  int64_t expires = req.now_ms;
  auto lease = active_.find(lease_id);
  if (lease != active_.end()) {
    if (lease->second.key != static_cast<uint32_t>(caller)) {
      return Status::Conflict("lease '" + std::string(lease_id) + "' belongs to another key");
    }
    covered = std::min(cost.charged, lease->second.hold.amount);
    expires = lease->second.hold.expires_at_ms;
    if (covered > 0) ShrinkLease(lease, covered);
  }
  const uint64_t fingerprint = internal::SettleFingerprint(req);
  Hold hold;
  hold.amount = covered;
  hold.expires_at_ms = std::max(expires, req.now_ms);
  PlaceHold(req.id, static_cast<uint32_t>(caller), hold, req.now_ms, 0);
  const Usage& usage = req.priced != nullptr ? req.priced->usage : req.usage;
  GenerationRecord bare;
  GenerationRecord* record = req.record != nullptr ? req.record : &bare;
  record->finish_reason = std::string(req.options.finish_reason);
  record->usage = usage;
  record->tier_min_prompt_tokens = req.priced != nullptr ? req.priced->tier_min_prompt_tokens : 0;
  return Charge(req.id, active_.find(req.id), req.now_ms, cost, fingerprint, record);
}

Result<Picos> Ledger::TrimLease(std::string_view lease_id, Picos amount) {
  SY_RETURN_IF_ERROR(internal::CheckId(lease_id, "lease"));
  if (amount < 0) return Status::InvalidArgument("a trim must not be negative", "amount");
  auto lease = active_.find(lease_id);
  if (lease == active_.end()) return Picos{0};  // returned or expired already
  const Picos trimmed = std::min(amount, lease->second.hold.amount);
  if (trimmed > 0) ShrinkLease(lease, trimmed);
  return trimmed;
}

Status Ledger::ReplayLeaseShrink(const Json& entry) {
  std::string_view id = FindString(entry, "id").value_or("");
  auto lease = active_.find(id);
  const Json* amount_json = Find(entry, "amount");
  if (lease == active_.end() || amount_json == nullptr) {
    return Status::InvalidArgument("lease_shrink without an open lease");
  }
  SY_ASSIGN_OR_RETURN(Picos amount, ParseUsdJson(*amount_json));
  if (amount < 0 || amount > lease->second.hold.amount) {
    return Status::InvalidArgument("lease_shrink beyond the lease");
  }
  ShrinkLease(lease, amount);
  return Status::Ok();
}

// ---- the isolate's side ------------------------------------------------------------------------

Status LeaseBook::Add(BookLease lease) {
  SY_RETURN_IF_ERROR(internal::CheckId(lease.id, "lease"));
  if (lease.amount < 0 || lease.held != 0 || lease.used != 0 || lease.open != 0) {
    return Status::InvalidArgument("a new lease has a non-negative amount and nothing used");
  }
  for (const BookLease& l : leases_) {
    if (l.id == lease.id) {
      if (l.key_hash != lease.key_hash || l.amount != lease.amount ||
          l.use_until_ms != lease.use_until_ms) {
        return Status::Conflict("lease '" + lease.id + "' is already in the book, different");
      }
      return Status::Ok();
    }
  }
  leases_.push_back(std::move(lease));
  return Status::Ok();
}

Result<std::string> LeaseBook::Take(std::string_view id, std::string_view key_hash,
                                    Picos amount, int64_t now_ms) {
  SY_RETURN_IF_ERROR(internal::CheckId(id, "id"));
  if (amount < 0) return Status::InvalidArgument("a hold must not be negative");
  if (holds_.count(std::string(id)) > 0) {
    return Status::Conflict("request '" + std::string(id) + "' already holds from a lease");
  }
  Demand& d = demand_[std::string(key_hash)];
  if (d.window == INT64_MIN || now_ms >= d.window + kDemandWindowMs || now_ms < d.window) {
    const bool adjacent = d.window != INT64_MIN && now_ms >= d.window &&
                          now_ms < d.window + 2 * kDemandWindowMs;
    d.previous = adjacent ? d.current : 0;
    d.previous_count = adjacent ? d.count : 0;
    d.count = 0;
    if (!adjacent) d.largest = 0;
    d.current = 0;
    d.window = now_ms;
  }
  d.current += amount;
  d.count += 1;
  d.largest = std::max(d.largest, amount);

  BookLease* best = nullptr;
  for (BookLease& l : leases_) {
    if (l.key_hash != key_hash || now_ms >= l.use_until_ms || l.left() < amount) continue;
    if (best == nullptr || l.expires_at_ms < best->expires_at_ms) best = &l;
  }
  if (best == nullptr) {
    return Status::PaymentRequired("no lease of this isolate covers the request")
        .With("reason", "lease");
  }
  best->held += amount;
  best->open += 1;
  holds_.emplace(std::string(id), Open{best->id, amount});
  return best->id;
}

Result<std::string> LeaseBook::Done(std::string_view id, std::optional<Picos> charged) {
  auto it = holds_.find(std::string(id));
  if (it == holds_.end()) return Status::NotFound("request '" + std::string(id) + "' holds no lease");
  if (charged && *charged < 0) return Status::InvalidArgument("a charge must not be negative");
  std::string lease = it->second.lease;
  for (BookLease& l : leases_) {
    if (l.id != lease) continue;
    l.held -= it->second.amount;
    l.open -= 1;
    if (charged) l.used += *charged;
    break;
  }
  holds_.erase(it);
  return lease;
}

std::vector<BookLease> LeaseBook::Idle(int64_t now_ms, bool all) {
  std::vector<BookLease> out;
  std::vector<BookLease> keep;
  for (BookLease& l : leases_) {
    if (l.open == 0 && (all || now_ms >= l.use_until_ms || l.left() <= 0))
      out.push_back(std::move(l));
    else
      keep.push_back(std::move(l));
  }
  leases_ = std::move(keep);
  return out;
}

std::vector<std::pair<std::string, Picos>> LeaseBook::Trim(std::string_view key_hash) {
  std::vector<std::pair<std::string, Picos>> out;
  for (BookLease& l : leases_) {
    if (l.key_hash != key_hash || l.left() <= 0) continue;
    out.emplace_back(l.id, l.left());
    l.amount -= l.left();
  }
  return out;
}

Picos LeaseBook::Available(std::string_view key_hash, int64_t now_ms) const {
  Picos sum = 0;
  for (const BookLease& l : leases_) {
    if (l.key_hash == key_hash && now_ms < l.use_until_ms) sum += std::max<Picos>(0, l.left());
  }
  return sum;
}

Picos LeaseBook::Want(std::string_view key_hash, int64_t now_ms) const {
  auto it = demand_.find(std::string(key_hash));
  if (it == demand_.end()) return 0;
  const Demand& d = it->second;
  if (d.window == INT64_MIN || now_ms >= d.window + 2 * kDemandWindowMs) return 0;  // idle
  // One request alone asks for nothing: a key used now and then reserves at the account.
  if (d.count + d.previous_count < 2) return 0;
  const Picos rate = std::max(d.current, d.previous);  // per demand window (one second)
  const Picos target = std::max<Picos>(SaturatingMul(rate, 2), SaturatingMul(d.largest, 4));
  const Picos have = Available(key_hash, now_ms);
  if (have >= target / 2) return 0;
  return target - have;
}

}  // namespace switchyard
