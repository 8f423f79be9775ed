// handles.h: what the opaque handles of c_api.h hold. Private to core/src/c_api/.
//
// Ownership: a router's state (catalog, health, stickiness, presets) lives in a shared RouterState
// so that a plan or a stream created from it stays valid even if the host frees the router
// first (a FinalizationRegistry may collect a Router before its Plans). The catalog itself is
// shared copy-on-write: a plan keeps the catalog it was planned against, and an overlay applied
// while plans are in flight builds a new catalog instead of changing endpoint indexes under them.
//
// Each handle owns one `result` string: the body of its last call (success body or error body),
// valid until the next call on that handle (contract point 3 in c_api.h).
//
// Thread-safety: none; a handle is used by one caller at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "switchyard/base/status.h"
#include "switchyard/c_api/c_api.h"
#include "switchyard/catalog/catalog.h"
#include "switchyard/health/health.h"
#include "switchyard/ledger/ledger.h"
#include "switchyard/money/money.h"
#include "switchyard/routing/planner.h"
#include "switchyard/routing/session.h"
#include "switchyard/wire/wire.h"

namespace switchyard::capi {

struct RouterState {
  std::shared_ptr<Catalog> catalog;  // replaced, never mutated, while a plan shares it
  Health health;
  Stickiness stickiness;
  Json presets;                      // {name: preset} from the router config, or null
};

// Helpers shared by the c_api/*.cpp files (defined in c_api.cpp).
// The error of the last failed constructor or NULL-handle call (sy_last_error).
std::string& LastError();
// Writes `status` as the documented error body and returns its code.
sy_status_t Fail(std::string& out, const Status& status);
// Writes `body` (success) and returns SY_OK.
sy_status_t Succeed(std::string& out, const Json& body);
sy_status_t Reply(std::string& out, const Result<Json>& body);
// A call given a NULL handle: SY_INVALID_ARGUMENT, the error in LastError().
sy_status_t NullHandle(const char* function);
const char* ResultBuffer(const std::string* result, size_t* size);
// The host's bytes as text: (NULL, 0) is empty, (NULL, n > 0) a host bug (400).
Result<std::string_view> InputText(const char* data, size_t size, std::string_view what);
// A JSON object from the host's (pointer, size); the empty input is {} when `empty_ok`. `body`:
// a client body spliced into it, whose parse errors are stated in the body's terms.
Result<Json> ParseObject(const char* data, size_t size, std::string_view what, bool empty_ok,
                         const JsonBody& body = {});

}  // namespace switchyard::capi

struct sy_router_t {
  std::shared_ptr<switchyard::capi::RouterState> state;
  std::string result;
};

struct sy_plan_t {
  std::string result;            // the rendered plan: a plan handle only shows what would be tried
};

struct sy_session_t {
  std::shared_ptr<switchyard::capi::RouterState> router;   // keeps health and stickiness alive
  std::unique_ptr<switchyard::Session> session;
  std::string result;            // JSON, or client bytes after a stream feed/finish
};

struct sy_ledger_t {
  switchyard::Ledger ledger;
  std::string result;
};
