// switchyard::Json (the lexer of json_tape.h in strict mode, then the DOM built from its tape)
// against nlohmann/json on arbitrary bytes: both must accept and reject the same inputs, the lax
// lexer (provider events) must accept whatever the strict one does, with the same tape, accepted inputs must give the same values (number kinds included, doubles bit
// for bit) and the same dump() text, and our dump must parse back to the same value and text.
// Any disagreement traps. Allowed differences (see tests/core/json/base_json_value_test.cpp):
//  - ours refuses nesting deeper than 512 (nlohmann has no limit);
//  - nlohmann stops reading at a NUL byte after the value (ours: trailing garbage);
//  - a double nlohmann's Grisu2 writes longer or off by one digit: ours is the shortest correctly
//    rounded form, reading back to the same double.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_oracle.h"
#include "switchyard/json/json_tape.h"
#include "switchyard/json/json_value.h"
#include "json_testing.h"

using switchyard::Json;
using namespace switchyard::json_oracle;

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// `f` (a tape folded at `fold`) against `t` (the same text unfolded), at `depth`.
void CheckFolded(switchyard::JsonView f, switchyard::JsonView t, int depth, int fold,
                 switchyard::JsonTape* part) {
  Check(f.raw() == t.raw() && f.size() == t.size());
  if (!t.is_object() && !t.is_array()) return Check(!f.folded());
  if (depth == fold) {
    Check(f.folded() == (t.size() > 0));
    if (!f.folded()) return;
    // Read again on its own, a folded part is what the unfolded tape holds there.
    Check(part->Parse(f.raw(), switchyard::JsonLimits{SIZE_MAX, 512, true}));
    return CheckFolded(part->root(), t, depth, 0, part);
  }
  Check(!f.folded());
  if (t.is_array()) {
    std::vector<switchyard::JsonView> elements;
    f.ForEachElement([&](switchyard::JsonView e) { elements.push_back(e); });
    size_t i = 0;
    t.ForEachElement([&](switchyard::JsonView e) {
      Check(i < elements.size());
      CheckFolded(elements[i++], e, depth + 1, fold, part);
    });
    Check(i == elements.size());
  } else {
    std::vector<switchyard::JsonView> keys, values;
    f.ForEachMember([&](switchyard::JsonView k, switchyard::JsonView v) { keys.push_back(k), values.push_back(v); });
    size_t i = 0;
    t.ForEachMember([&](switchyard::JsonView k, switchyard::JsonView v) {
      Check(i < keys.size() && keys[i].raw() == k.raw());
      CheckFolded(values[i++], v, depth + 1, fold, part);
    });
    Check(i == keys.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::optional<Json> parsed = switchyard::testing::TryJson(text);
  Nl theirs = Nl::parse(text, nullptr, false);

  if (!parsed != theirs.is_discarded()) {
    // Only ours may reject, and only for the two documented reasons.
    Check(!parsed);
    if (Depth(theirs) > 512) return 0;
    size_t nul = text.find('\0');
    Check(nul != std::string::npos);
    parsed = switchyard::testing::TryJson(std::string_view(text).substr(0, nul));
    Check(parsed.has_value());
  }
  if (!parsed) return 0;
  const Json& ours = *parsed;

  // Lax mode refuses nothing strict mode accepts, and records the same values.
  switchyard::JsonTape strict, lax;
  const switchyard::JsonLimits kStrict{SIZE_MAX, 512, true}, kLax{SIZE_MAX, 512, false};
  if (strict.Parse(text, kStrict) && text.rfind("\xEF\xBB\xBF", 0) != 0) {  // lax: no BOM
    Check(lax.Parse(text, kLax));
    Check(lax.root().raw() == strict.root().raw());
    Check(!ours.is_array() || strict.root().size() == ours.size());
    // Folded (JsonLimits::fold_depth): the same verdict; every container at the fold depth is
    // one entry of the same text and count, which reads back as the unfolded tape's.
    for (int depth = 1; depth <= 4; ++depth) {
      switchyard::JsonTape folded, part;
      Check(folded.Parse(text, switchyard::JsonLimits{SIZE_MAX, 512, true, depth}));
      CheckFolded(folded.root(), strict.root(), 1, depth, &part);
    }
  }

  Check(SameValue(ours, theirs));
  std::string mine = ours.dump();
  Check(SameTextUpToDoubles(mine, NlDump(theirs)));
  Check(SameTextUpToDoubles(ours.dump(2), NlDump(theirs, 2)));

  // Round trip: our text gives the same value and text again, with both parsers. (Kinds may
  // change once, as in nlohmann: "-0" is a signed integer that dumps as "0".)
  Json again = switchyard::testing::JsonOf(mine);
  Check(again == ours);
  Check(again.dump() == mine);
  Nl back = Nl::parse(mine, nullptr, false);
  Check(!back.is_discarded());
  Check(back == theirs);
  Check(SameValue(again, back));
  return 0;
}
