// session.cpp: Lifecycle, the decisions of one request's life over classified outcomes
// (session.h). The wire half, Session, is in session_wire.cpp.
#include "switchyard/routing/session.h"

#include <algorithm>

namespace switchyard {

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kServed: return "served";
    case Verdict::kNextAttempt: return "next";
    case Verdict::kGiveUp: return "give_up";
  }
  return "give_up";
}

std::optional<HealthEvent> HealthEventOf(uint32_t endpoint, const AttemptOutcome& o,
                                         int64_t now_ms) {
  // No call reached the provider, or the client left before any content: nothing is known
  // about the provider.
  if (!o.reached_provider) return std::nullopt;
  if (o.cancelled && !o.client_saw_content) return std::nullopt;
  HealthEvent e;
  e.endpoint = endpoint;
  e.now_ms = now_ms;
  e.timeout = o.timeout;
  e.connection_error = o.connection_error;
  if (o.outcome == Outcome::kDone || o.client_saw_content) {
    // Content reached the client: a success, unless the stream was cut afterwards.
    e.http_status = (o.timeout || o.connection_error) ? 502 : 200;
  } else if (o.http_status == 200) {
    e.http_status = o.status;  // an error inside a 200, garbage: what the router mapped it to
  } else {
    e.http_status = o.http_status;  // the upstream's status, 0 when none arrived
  }
  e.latency_ms = o.latency_ms;
  e.duration_ms = o.duration_ms;
  e.output_tokens = std::max<int64_t>(0, o.output_tokens);
  e.retry_after_ms = std::max<int64_t>(0, o.retry_after_ms);
  return e;
}

Lifecycle::Lifecycle(const Plan& plan, Health* health, Stickiness* stickiness, bool keep_observed)
    : plan_(plan), health_(health), stickiness_(stickiness), keep_observed_(keep_observed) {}

std::optional<uint32_t> Lifecycle::Next() {
  if (over_) return std::nullopt;
  while (next_ < plan_.attempts.size()) {
    const Attempt& a = plan_.attempts[next_];
    // The skip-model rule: a model whose attempt failed for the request's own sake (and `models`
    // allows the next model) gets no further attempts.
    if (std::find(skipped_.begin(), skipped_.end(), a.candidate) == skipped_.end()) return next_;
    ++next_;
  }
  over_ = true;
  return std::nullopt;
}

void Lifecycle::Start(uint32_t index, int64_t now_ms) {
  if (index >= plan_.attempts.size()) return;
  ++attempts_made_;
  if (health_ != nullptr) health_->NoteAttemptStart(plan_.attempts[index].endpoint, now_ms);
}

Verdict Lifecycle::End(uint32_t index, const AttemptOutcome& o, int64_t now_ms) {
  if (over_ || index >= plan_.attempts.size()) return Verdict::kGiveUp;
  const Attempt& a = plan_.attempts[index];
  if (health_ != nullptr) {
    if (std::optional<HealthEvent> e = HealthEventOf(a.endpoint, o, now_ms)) {
      health_->Observe(*e);
      if (keep_observed_) observed_.push_back(*e);
    }
  }
  next_ = index + 1;
  // Served: an answer, content the client already has (no retry after the first byte, a
  // failure then is in-band), or a client that left.
  if (o.outcome == Outcome::kDone || o.client_saw_content || o.cancelled) {
    over_ = true;
    served_ = index;
    if (o.outcome == Outcome::kDone && stickiness_ != nullptr && !plan_.sticky_key.empty()) {
      stickiness_->RecordSuccess(plan_.sticky_key, a.model, a.endpoint, now_ms);
    }
    return Verdict::kServed;
  }
  if (o.outcome == Outcome::kFail) {
    if (!o.model_fallback_eligible) {
      over_ = true;
      return Verdict::kGiveUp;
    }
    skipped_.push_back(a.candidate);
  }
  return Next() ? Verdict::kNextAttempt : Verdict::kGiveUp;
}

std::vector<HealthEvent> Lifecycle::TakeObserved() {
  std::vector<HealthEvent> out;
  out.swap(observed_);
  return out;
}

}  // namespace switchyard
