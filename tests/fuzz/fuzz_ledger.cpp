// The ledger's commands on arbitrary members: Ledger::ApplyText (what sy_ledger_apply answers,
// written as text) against Ledger::Apply (the DOM result) on twin ledgers with the same state.
// Both must succeed or fail alike — the text byte for byte Dump(the DOM result), an error with
// the same code, message and metadata — and leave the same ledger and the same log. Any
// disagreement, crash or sanitizer report fails. The input is a command's members after a chosen
// op: its first byte picks the op, so the fuzzer need not find the names.
#include <cstdint>
#include <string>
#include <string_view>

#include "switchyard/json/json.h"
#include "switchyard/ledger/ledger.h"

using namespace switchyard;

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

const std::string kKey(64, 'a');

// An account with credits, a key, a lease granted and one in the book, a hold on each side.
Ledger Seeded() {
  Ledger l;
  const std::string attempt =
      R"(,"now_ms":1800000000001,"estimated_prompt_tokens":100,"max_tokens":50,)"
      R"("attempts":[{"pricing":{"prompt":"1","completion":"2"}}]})";
  for (const std::string& text : {
           std::string(R"({"op":"configure","account_id":"acct","settings":{"journal":true}})"),
           std::string(R"({"op":"grant","id":"g1","amount":"50","now_ms":1800000000000})"),
           R"({"op":"create_key","hash":")" + kKey + R"(","name":"k","now_ms":1800000000000})",
           R"({"op":"lease_grant","id":"L9","key_hash":")" + kKey +
               R"(","want":"1","now_ms":1800000000000})",
           R"({"op":"book_add","lease":"L1","key_hash":")" + kKey +
               R"(","amount":"5","use_until_ms":1800000100000,"expires_at_ms":1800000200000})",
           R"({"op":"reserve","id":"r1","key_hash":")" + kKey + R"(")" + attempt,
           R"({"op":"book_reserve","id":"b1","key_hash":")" + kKey + R"(")" + attempt,
       }) {
    Result<Json> command = ParseJson(text);
    Check(command.ok() && l.Apply(*command).ok());
  }
  return l;
}

std::string Outcome(const Status& s) {
  return "error " + std::to_string(static_cast<int>(s.code())) + " " + std::string(s.message()) +
         " " + s.metadata().dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 8192) return 0;
  static const char* const kOps[] = {
      "settle",    "lease_settle", "reserve",   "book_reserve", "book_done",   "generation",
      "take_log",  "release",      "expire",    "lease_grant",  "lease_trim",  "book_add",
      "book_idle", "book_status",  "book_trim", "authenticate", "key_info",    "credits"};
  constexpr size_t kCount = sizeof(kOps) / sizeof(kOps[0]);
  const std::string text = std::string(R"({"op":")") + kOps[data[0] % kCount] + "\"," +
                           std::string(reinterpret_cast<const char*>(data) + 1, size - 1);
  Result<Json> command = ParseJson(text);
  if (!command.ok() || !command->is_object()) return 0;
  Ledger as_text = Seeded(), as_dom = Seeded();
  Result<std::string> a = as_text.ApplyText(*command);
  Result<Json> b = as_dom.Apply(*command);
  Check(a.ok() == b.ok());
  if (a.ok()) {
    Check(*a == Dump(*b));
  } else {
    Check(Outcome(a.status()) == Outcome(b.status()));
  }
  Check(as_text.Export().dump() == as_dom.Export().dump());
  std::string log_text, log_dom;
  as_text.TakeLogText(log_text);
  as_dom.TakeLogText(log_dom);
  Check(log_text == log_dom);
  return 0;
}
