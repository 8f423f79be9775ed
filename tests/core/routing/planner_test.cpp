// The planner's rules (REFERENCE §2–3), one small inline catalog per rule.
#include "routing/planner_test_catalog.h"
#include "json_testing.h"

#include <algorithm>
#include <set>

using namespace switchyard;
using namespace switchyard::testing;

namespace {

using Tags_ = std::vector<std::string>;

// a $1, b $2, c $3 per million (prompt + completion) for one model.
Catalog ThreePrices(const Json& extra_a = Json::object(), const Json& extra_b = Json::object(),
                    const Json& extra_c = Json::object()) {
  Json a = {{"model", "m/x"}, {"tag", "a"}, {"prompt", "1"}};
  Json b = {{"model", "m/x"}, {"tag", "b"}, {"prompt", "1"}, {"completion", "1"}};
  Json c = {{"model", "m/x"}, {"tag", "c"}, {"prompt", "2"}, {"completion", "1"}};
  a.update(extra_a);
  b.update(extra_b);
  c.update(extra_c);
  return TestCatalog(Json::array({a, b, c}));
}

bool HasTrace(const Catalog& cat, const Plan& plan, TraceReason reason, const std::string& tag = "") {
  for (const TraceEntry& t : plan.trace) {
    if (t.reason != reason) continue;
    if (tag.empty()) return true;
    if (t.endpoint != kNoEndpoint && cat.endpoint(t.endpoint).tag == tag) return true;
  }
  return false;
}

// The text reasons of the error metadata, "tag: reason".
std::vector<std::string> ErrorReasons(const Status& s) {
  std::vector<std::string> out;
  if (const Json* reasons = FindArray(s.metadata(), "reasons")) {
    for (const Json& r : *reasons) {
      out.push_back((r["tag"].is_string() ? r["tag"].get<std::string>() : std::string("-")) + ": " +
                    r["reason"].get<std::string>());
    }
  }
  return out;
}

}  // namespace

TEST_CASE("load balancing: weighted first choice, fallbacks by ascending price, reproducible") {
  Catalog cat = ThreePrices();
  std::set<std::string> firsts;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    PlanCall call;
    call.seed = seed;
    auto p = PlanFor(cat, Req("m/x"), call);
    REQUIRE(p.ok());
    REQUIRE(p->attempts.size() == 3);
    Tags_ tags = Tags(cat, *p);
    firsts.insert(tags[0]);
    // The fallbacks are the other two in ascending price.
    Tags_ rest(tags.begin() + 1, tags.end());
    Tags_ expected;
    for (const char* t : {"a", "b", "c"}) {
      if (tags[0] != t) expected.push_back(t);
    }
    CHECK(rest == expected);
    CHECK((p->attempts[0].flags & kAttemptLoadBalanced));
    CHECK((p->attempts[1].flags & kAttemptPriceFallback));
    // Same seed, same plan.
    auto again = PlanFor(cat, Req("m/x"), call);
    REQUIRE(again.ok());
    CHECK(Tags(cat, *again) == tags);
  }
  CHECK(firsts == std::set<std::string>{"a", "b", "c"});
}

TEST_CASE("zero prices get a small positive price floor and dominate the draw") {
  // A zero-priced endpoint the catalog does not call free (say, the operator's own vLLM) serves
  // the paid id, and wins the draw.
  Catalog cat = TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"paid","prompt":"0.1"},
    {"model":"m/x","tag":"gratis","prompt":"0","completion":"0","free":false}])"));
  int gratis_first = 0;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    PlanCall call;
    call.seed = seed;
    auto p = PlanFor(cat, Req("m/x"), call);
    REQUIRE(p.ok());
    REQUIRE(p->attempts.size() == 2);
    gratis_first += Tags(cat, *p)[0] == "gratis";
  }
  CHECK(gratis_first == 100);  // weight ratio (1e5/1e3)² = 10⁴ : 1

  // The free endpoints of a `:free` plan all weigh the floor: equal shares.
  Catalog free = TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"y","prompt":"0","completion":"0"},
    {"model":"m/x","tag":"z","prompt":"0","completion":"0"}])"));
  std::set<std::string> firsts;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    PlanCall call;
    call.seed = seed;
    auto p = PlanFor(free, Req("m/x:free"), call);
    REQUIRE(p.ok());
    REQUIRE(p->attempts.size() == 2);
    CHECK(p->attempts[0].weight_ppm == 500'000);
    firsts.insert(Tags(free, *p)[0]);
  }
  CHECK(firsts == std::set<std::string>{"y", "z"});
}

TEST_CASE("BYOK endpoints come first and are marked") {
  Catalog cat = ThreePrices();
  PlanCall call;
  call.context = {{"byok_providers", {"c"}}};
  for (uint64_t seed = 0; seed < 20; ++seed) {
    call.seed = seed;
    auto p = PlanFor(cat, Req("m/x"), call);
    REQUIRE(p.ok());
    REQUIRE(p->attempts.size() == 3);
    CHECK(Tags(cat, *p)[0] == "c");
    CHECK(p->attempts[0].byok());
    CHECK_FALSE(p->attempts[1].byok());
    CHECK(HasTrace(cat, *p, TraceReason::kOrderByok, "c"));
  }
  // Data policy applies before BYOK: a BYOK provider that trains is still excluded under deny.
  Catalog trains = TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"a","prompt":"1"},
    {"model":"m/x","tag":"c","prompt":"3"}])"),
                               testing::JsonOf(R"({"c":{"data_policy":{"training":true,"retains_prompts":true,"zdr":false}}})"));
  call.context = {{"byok_providers", {"c"}}, {"data_collection", "deny"}};
  auto p = PlanFor(trains, Req("m/x"), call);
  REQUIRE(p.ok());
  CHECK(Tags(trains, *p) == Tags_{"a"});
}

TEST_CASE("A provider disabled unless_byok is planned only for accounts with their own key") {
  Catalog cat = ThreePrices();
  REQUIRE(cat.ApplyOverlayText(R"({"disable":[{"provider":"c","unless_byok":true}]})").ok());
  PlanCall call;
  auto without = PlanFor(cat, Req("m/x"), call);
  REQUIRE(without.ok());
  CHECK(Tags(cat, *without) == Tags_{"a", "b"});
  CHECK(HasTrace(cat, *without, TraceReason::kDisabled, "c"));

  call.context = {{"byok_providers", {"C"}}};  // provider slugs match case-insensitively
  auto with = PlanFor(cat, Req("m/x"), call);
  REQUIRE(with.ok());
  REQUIRE(with->attempts.size() == 3);
  CHECK(Tags(cat, *with)[0] == "c");
  CHECK(with->attempts[0].byok());
  // Only "c" is BYOK: the operator's providers are not.
  CHECK_FALSE(with->attempts[1].byok());
  CHECK_FALSE(with->attempts[2].byok());

  // Only c serves the model: a 404 without the key (saying a key would do), a plan with it.
  Catalog only_c = TestCatalog(testing::JsonOf(R"([{"model":"m/y","tag":"c","prompt":"1"}])"));
  REQUIRE(only_c.ApplyOverlayText(R"({"disable":[{"provider":"c","unless_byok":true}]})").ok());
  PlanCall plain;
  auto no_key = PlanFor(only_c, Req("m/y"), plain);
  REQUIRE_FALSE(no_key.ok());
  CHECK(no_key.status().http_status() == 404);
  CHECK(no_key.status().message() ==
        "no endpoint of m/y is allowed for this request: 1 endpoint disabled on this router "
        "(usable with your own provider key for c)");
  auto own = PlanFor(only_c, Req("m/y"), call);
  REQUIRE(own.ok());
  CHECK(Tags(only_c, *own) == Tags_{"c"});
  CHECK(own->attempts[0].byok());
}

TEST_CASE("models fallback: model 1's attempts, then model 2's; model + models deduplicated") {
  Catalog cat = TestCatalog(testing::JsonOf(R"([
    {"model":"m/one","tag":"a","prompt":"1"},
    {"model":"m/one","tag":"b","prompt":"2"},
    {"model":"m/two","tag":"a","prompt":"1"},
    {"model":"m/three","tag":"c","prompt":"1"}])"));
  auto p = PlanFor(cat, R"({"model":"m/two","models":["m/two","m/one","m/nope","m/three"],
                            "messages":[{"role":"user","content":"x"}]})");
  REQUIRE(p.ok());
  auto mt = ModelTags(cat, *p);
  REQUIRE(mt.size() == 4);
  CHECK(mt[0] == "m/two a");
  CHECK((mt[1] == "m/one a" || mt[1] == "m/one b"));
  CHECK((mt[2] == "m/one a" || mt[2] == "m/one b"));
  CHECK(mt[3] == "m/three c");
  CHECK(p->requested_model == "m/two");
  CHECK(HasTrace(cat, *p, TraceReason::kModelNotFound));

  auto none = PlanFor(cat, R"({"models":["m/nope","x/y"],"messages":[{"role":"user","content":"x"}]})");
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().http_status() == 404);
  CHECK(none.status().message().find("no such model") != std::string::npos);
  CHECK(none.status().message().find("did you mean") == std::string::npos);

  // A name without its author: the catalog ids it could mean are named.
  auto bare = PlanFor(cat, R"({"model":"two","messages":[{"role":"user","content":"x"}]})");
  REQUIRE_FALSE(bare.ok());
  CHECK(bare.status().http_status() == 404);
  CHECK(bare.status().message() == "no such model: two (did you mean m/two?)");
  auto unknown = PlanFor(cat, R"({"model":"zzz","messages":[{"role":"user","content":"x"}]})");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message() == "no such model: zzz");
}

TEST_CASE("provider.order: listed first in that order, others after by price; load balancing off") {
  Catalog cat = TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"a","prompt":"1"},
    {"model":"m/x","tag":"b","prompt":"2"},
    {"model":"m/x","tag":"c","prompt":"3"},
    {"model":"m/x","tag":"deepinfra/turbo","prompt":"4"},
    {"model":"m/x","tag":"deepinfra","prompt":"5"}])"));
  for (uint64_t seed = 0; seed < 10; ++seed) {
    PlanCall call;
    call.seed = seed;
    auto p = PlanFor(cat, Req("m/x", R"("provider":{"order":["c","DeepInfra"]})"), call);
    REQUIRE(p.ok());
    // A base slug selects its variants (deepinfra → deepinfra/turbo too), ties by price.
    CHECK(Tags(cat, *p) == Tags_{"c", "deepinfra/turbo", "deepinfra", "a", "b"});
    CHECK(p->attempts[0].order_pos == 0);
    CHECK(p->attempts[1].order_pos == 1);
    CHECK(p->attempts[3].order_pos == -1);
    CHECK_FALSE(HasTrace(cat, *p, TraceReason::kOrderLoadBalanced));
    CHECK(HasTrace(cat, *p, TraceReason::kOrderProviderOrder));
  }
  // allow_fallbacks:false with order → only the listed providers.
  auto only = PlanFor(cat, Req("m/x", R"("provider":{"order":["b","deepinfra/turbo"],"allow_fallbacks":false})"));
  REQUIRE(only.ok());
  CHECK(Tags(cat, *only) == Tags_{"b", "deepinfra/turbo"});
  CHECK(HasTrace(cat, *only, TraceReason::kNotInOrder, "a"));
}

TEST_CASE("allow_fallbacks:false without order keeps only the first choice") {
  Catalog cat = ThreePrices();
  auto p = PlanFor(cat, Req("m/x", R"("provider":{"allow_fallbacks":false,"sort":"price"})"));
  REQUIRE(p.ok());
  CHECK(Tags(cat, *p) == Tags_{"a"});
  CHECK(HasTrace(cat, *p, TraceReason::kFallbackDisabled, "b"));
}

TEST_CASE("only / ignore, intersected with the account's allow-list ceiling") {
  Catalog cat = ThreePrices();
  PlanCall call;
  auto only = PlanFor(cat, Req("m/x", R"("provider":{"only":["a","b"],"sort":"price"})"), call);
  REQUIRE(only.ok());
  CHECK(Tags(cat, *only) == Tags_{"a", "b"});

  auto ignore = PlanFor(cat, Req("m/x", R"("provider":{"ignore":["a"],"sort":"price"})"), call);
  REQUIRE(ignore.ok());
  CHECK(Tags(cat, *ignore) == Tags_{"b", "c"});

  // The account allows b and c: only ∩ allowed = b.
  call.context = {{"allowed_providers", {"b", "c"}}};
  auto both = PlanFor(cat, Req("m/x", R"("provider":{"only":["a","b"]})"), call);
  REQUIRE(both.ok());
  CHECK(Tags(cat, *both) == Tags_{"b"});
  CHECK(HasTrace(cat, *both, TraceReason::kNotAllowedByAccount, "a"));
  CHECK(HasTrace(cat, *both, TraceReason::kNotInOnly, "c"));

  // The request cannot widen the ceiling: nothing left → 404 with per-endpoint reasons.
  auto none = PlanFor(cat, Req("m/x", R"("provider":{"only":["a"]})"), call);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().http_status() == 404);
  auto reasons = ErrorReasons(none.status());
  CHECK(reasons == std::vector<std::string>{"a: provider not in the account's allowed providers",
                                            "b: provider not in provider.only",
                                            "c: provider not in provider.only"});

  // Account-ignored providers.
  call.context = {{"ignored_providers", {"a", "b"}}};
  auto ign = PlanFor(cat, Req("m/x"), call);
  REQUIRE(ign.ok());
  CHECK(Tags(cat, *ign) == Tags_{"c"});
}

TEST_CASE("allowed_models restricts models (404 when none is allowed)") {
  Catalog cat = TestCatalog(testing::JsonOf(R"([
    {"model":"m/one","tag":"a","prompt":"1"},
    {"model":"m/two","tag":"a","prompt":"1"}])"));
  PlanCall call;
  call.context = {{"allowed_models", {"m/two"}}};
  auto p = PlanFor(cat, R"({"models":["m/one","m/two"],"messages":[{"role":"user","content":"x"}]})", call);
  REQUIRE(p.ok());
  CHECK(ModelTags(cat, *p) == Tags_{"m/two a"});
  CHECK(HasTrace(cat, *p, TraceReason::kModelNotAllowed));

  auto none = PlanFor(cat, Req("m/one"), call);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().http_status() == 404);
  CHECK(none.status().message().find("not available") != std::string::npos);
}

TEST_CASE("ZDR is OR-ed from request and context and only tightens") {
  Catalog cat = ThreePrices({{"zdr", true}}, Json::object(), {{"zdr", true}});
  for (const char* ctx_zdr : {"false", "true"}) {
    PlanCall call;
    call.context = testing::JsonOf(std::string(R"({"zdr":)") + ctx_zdr + "}");
    auto req_zdr = PlanFor(cat, Req("m/x", R"("provider":{"zdr":true,"sort":"price"})"), call);
    REQUIRE(req_zdr.ok());
    CHECK(Tags(cat, *req_zdr) == Tags_{"a", "c"});
    // zdr:false in the request cannot loosen an account's zdr:true.
    auto loosen = PlanFor(cat, Req("m/x", R"("provider":{"zdr":false,"sort":"price"})"), call);
    REQUIRE(loosen.ok());
    CHECK(Tags(cat, *loosen) ==
          (std::string(ctx_zdr) == "true" ? Tags_{"a", "c"} : Tags_{"a", "b", "c"}));
  }
  // No ZDR endpoint at all → 400 (the account's own policy; retrying cannot help), no field.
  Catalog plain = ThreePrices();
  PlanCall call;
  call.context = {{"zdr", true}};
  auto none = PlanFor(plain, Req("m/x"), call);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().http_status() == 400);
  CHECK(none.status().message() ==
        "no endpoint of m/x can serve this request: zdr (required by account policy) rules out 3 "
        "endpoints without zero data retention");
  CHECK_FALSE(FindString(none.status().metadata(), "field"));
  CHECK(ErrorReasons(none.status())[0] ==
        "a: not zero-data-retention (zdr required by account policy)");
}

TEST_CASE("data_collection deny from either side excludes training endpoints") {
  Catalog cat = ThreePrices({{"training", true}});
  auto req = PlanFor(cat, Req("m/x", R"("provider":{"data_collection":"deny","sort":"price"})"));
  REQUIRE(req.ok());
  CHECK(Tags(cat, *req) == Tags_{"b", "c"});
  CHECK(HasTrace(cat, *req, TraceReason::kDataCollection, "a"));

  PlanCall call;
  call.context = {{"data_collection", "deny"}};
  auto ctx = PlanFor(cat, Req("m/x", R"("provider":{"data_collection":"allow","sort":"price"})"), call);
  REQUIRE(ctx.ok());
  CHECK(Tags(cat, *ctx) == Tags_{"b", "c"});
}

TEST_CASE("quantizations and max_price are hard filters") {
  Catalog cat = ThreePrices({{"quantization", "fp8"}}, {{"quantization", "bf16"}});
  auto q = PlanFor(cat, Req("m/x", R"("provider":{"quantizations":["FP8","unknown"],"sort":"price"})"));
  REQUIRE(q.ok());
  CHECK(Tags(cat, *q) == Tags_{"a", "c"});  // c has no quantization: "unknown"
  CHECK(HasTrace(cat, *q, TraceReason::kQuantization, "b"));

  // a: prompt $1 completion $0; b: $1/$1; c: $2/$1.
  auto mp = PlanFor(cat, Req("m/x", R"("provider":{"max_price":{"prompt":1.5,"completion":"0.5"},"sort":"price"})"));
  REQUIRE(mp.ok());
  CHECK(Tags(cat, *mp) == Tags_{"a"});
  bool found = false;
  for (const TraceEntry& t : mp->trace) {
    if (t.reason == TraceReason::kMaxPricePrompt) {
      CHECK(DescribeTrace(cat, *mp, t) == "prompt price $2/M above max_price.prompt $1.5/M");
      found = true;
    }
  }
  CHECK(found);
  auto none = PlanFor(cat, Req("m/x", R"("provider":{"max_price":{"prompt":0.5}})"));
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().http_status() == 400);
  CHECK(none.status().message() ==
        "no endpoint of m/x can serve this request: max_price.prompt $0.5/M rules out 3 endpoints "
        "(the lowest prompt price is $1/M)");
  CHECK(FindString(none.status().metadata(), "field") == "provider.max_price.prompt");
}

TEST_CASE("require_parameters filters hard; without it tools/response_format only steer") {
  Catalog cat = ThreePrices({{"supported_parameters", {"max_tokens", "temperature"}}},
                            {{"supported_parameters", {"max_tokens", "tools", "tool_choice", "temperature"}}},
                            {{"supported_parameters", {"response_format", "max_tokens"}}});
  std::string tools = R"("tools":[{"type":"function","function":{"name":"f"}}])";
  for (uint64_t seed = 0; seed < 20; ++seed) {
    PlanCall call;
    call.seed = seed;
    // Soft: b supports tools, so it comes first; a and c stay as fallbacks.
    auto soft = PlanFor(cat, Req("m/x", tools), call);
    REQUIRE(soft.ok());
    CHECK(Tags(cat, *soft) == Tags_{"b", "a", "c"});
    CHECK((soft->attempts[1].flags & kAttemptSteeredDown));
  }
  auto hard = PlanFor(cat, Req("m/x", tools + R"(,"temperature":0.3,"provider":{"require_parameters":true})"));
  REQUIRE(hard.ok());
  CHECK(Tags(cat, *hard) == Tags_{"b"});
  bool described = false;
  for (const TraceEntry& t : hard->trace) {
    if (t.reason == TraceReason::kMissingParameters && cat.endpoint(t.endpoint).tag == "c") {
      CHECK(DescribeTrace(cat, *hard, t) == "does not support temperature, tools (require_parameters)");
      described = true;
    }
  }
  CHECK(described);

  auto rf = PlanFor(cat, Req("m/x", R"("response_format":{"type":"json_object"})"));
  REQUIRE(rf.ok());
  CHECK(Tags(cat, *rf)[0] == "c");

  auto none = PlanFor(cat, Req("m/x", R"("seed":1,"provider":{"require_parameters":true})"));
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().http_status() == 400);
  CHECK(none.status().message() ==
        "no endpoint of m/x can serve this request: require_parameters rules out 3 endpoints "
        "lacking parameters the request uses (seed)");
  CHECK(FindString(none.status().metadata(), "field") == "provider.require_parameters");
}

TEST_CASE("context fit and max_tokens limits exclude; large max_tokens steers") {
  Catalog cat = ThreePrices({{"context_length", 100}},
                            {{"context_length", 100000}, {"max_completion_tokens", 8000}},
                            {{"context_length", 100000}});
  // The prompt estimate is 10 tokens: 10 + 90 fits a's 100, 10 + 91 does not.
  auto fits = PlanFor(cat, Req("m/x", R"("max_tokens":90,"provider":{"sort":"price"})"));
  REQUIRE(fits.ok());
  CHECK(Tags(cat, *fits) == Tags_{"a", "b", "c"});
  auto over = PlanFor(cat, Req("m/x", R"("max_tokens":91,"provider":{"sort":"price"})"));
  REQUIRE(over.ok());
  CHECK(Tags(cat, *over) == Tags_{"b", "c"});
  bool described = false;
  for (const TraceEntry& t : over->trace) {
    if (t.reason == TraceReason::kContextTooSmall) {
      CHECK(DescribeTrace(cat, *over, t) ==
            "needs 101 tokens (prompt estimate + max_tokens); context is 100");
      described = true;
    }
  }
  CHECK(described);

  // max_tokens above b's max_completion_tokens excludes b.
  auto big = PlanFor(cat, Req("m/x", R"("max_tokens":9000,"provider":{"sort":"price"})"));
  REQUIRE(big.ok());
  CHECK(Tags(cat, *big) == Tags_{"c"});
  CHECK(HasTrace(cat, *big, TraceReason::kMaxTokensTooLarge, "b"));

  // 6000 > kLargeMaxTokens: an endpoint with a known, sufficient limit comes before a cheaper
  // one whose limit is unknown.
  Catalog limits = TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"unknown","prompt":"1"},
    {"model":"m/x","tag":"known","prompt":"2","max_completion_tokens":16000}])"));
  auto large = PlanFor(limits, Req("m/x", R"("max_tokens":6000,"provider":{"sort":"price"})"));
  REQUIRE(large.ok());
  CHECK(Tags(limits, *large) == Tags_{"known", "unknown"});
  CHECK(HasTrace(limits, *large, TraceReason::kOrderSteered, "unknown"));
  auto small = PlanFor(limits, Req("m/x", R"("max_tokens":4096,"provider":{"sort":"price"})"));
  REQUIRE(small.ok());
  CHECK(Tags(limits, *small) == Tags_{"unknown", "known"});

  // Nothing fits → 400: the prompt is too long, and that is the client's to change (with
  // context compression off: by default it is on for contexts of at most 8,192 tokens).
  Catalog tiny = ThreePrices({{"context_length", 5}}, {{"context_length", 5}}, {{"context_length", 5}});
  auto none = PlanFor(tiny, Req("m/x", R"("transforms":[])"));
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().http_status() == 400);
  CHECK(none.status().message() ==
        "no endpoint of m/x can serve this request: the prompt (about 10 tokens) is longer than the "
        "context length of 3 endpoints (the largest is 5)");
  CHECK(FindString(none.status().metadata(), "field") == "messages");
}

TEST_CASE("context compression admits an endpoint holding half of what the request needs") {
  // Prompt estimate 10 tokens (Req's one message). Contexts: a 6, b 4, c 100,000.
  Catalog cat = ThreePrices({{"context_length", 6}}, {{"context_length", 4}}, {{"context_length", 100000}});
  auto tags = [&](const std::string& extra) {
    auto p = PlanFor(cat, Req("m/x", R"("provider":{"sort":"price"})" + (extra.empty() ? "" : "," + extra)));
    REQUIRE(p.ok());
    return Tags(cat, *p);
  };
  // By default on at contexts of at most 8,192: a (6 ≥ 10 / 2) is admitted, b (4) is not.
  // a is the cheapest but holds the prompt only compressed: it comes after c, which holds it whole.
  CHECK(tags("") == Tags_{"c", "a"});
  auto p = PlanFor(cat, Req("m/x", R"("provider":{"sort":"price"})"));
  REQUIRE(p.ok());
  bool described = false;
  for (const TraceEntry& t : p->trace) {
    if (t.reason == TraceReason::kOrderCompressed) {
      CHECK(DescribeTrace(cat, *p, t) ==
            "deprioritised: needs 10 tokens; context is 6 (the prompt would be compressed: middle-out)");
      described = true;
    }
    CHECK(t.reason != TraceReason::kOrderSteered);  // no capability steering here
  }
  CHECK(described);
  CHECK(tags(R"("transforms":["middle-out"])") == Tags_{"c", "a"});
  CHECK(tags(R"("plugins":[{"id":"context-compression"}])") == Tags_{"c", "a"});
  // transforms: [] turns it off.
  CHECK(tags(R"("transforms":[])") == Tags_{"c"});
  // The completion's room is not compressed: max_tokens must leave half the context.
  CHECK(tags(R"("max_tokens":3)") == Tags_{"c"});
  CHECK(tags(R"("max_tokens":2)") == Tags_{"c", "a"});
  // Only a: compressed rather than refused.
  auto only = PlanFor(cat, Req("m/x", R"("provider":{"only":["a"]})"));
  REQUIRE(only.ok());
  CHECK(Tags(cat, *only) == Tags_{"a"});

  // When nothing is left, the 400 says what compression did, or could do.
  auto refusal = [](const Catalog& c, const std::string& req) {
    auto p = PlanFor(c, req);
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().http_status() == 400);
    return std::string(p.status().message());
  };
  Catalog four = ThreePrices({{"context_length", 4}}, {{"context_length", 4}}, {{"context_length", 4}});
  CHECK(refusal(four, Req("m/x")) ==
        "no endpoint of m/x can serve this request: the prompt (about 10 tokens) is longer than the "
        "context length of 3 endpoints (the largest is 4); context compression (middle-out) was on, "
        "but it cuts a request to no less than half of what it needs");
  Catalog hundred = ThreePrices({{"context_length", 100}}, {{"context_length", 100}}, {{"context_length", 100}});
  CHECK(refusal(hundred, Req("m/x", R"("max_tokens":95)")).find(
            "; context compression (middle-out) was on, but max_tokens must leave half the context to the prompt") !=
        std::string::npos);
  Catalog large = ThreePrices({{"context_length", 9000}}, {{"context_length", 9000}}, {{"context_length", 9000}});
  const std::string long_prompt = R"("messages":[{"role":"user","content":")" + std::string(4 * 12000, 'y') + R"("}])";
  const std::string long_request = R"({"model":"m/x",)" + long_prompt + "}";
  const std::string said = refusal(large, long_request);
  CHECK(said.find("; transforms [\"middle-out\"] would cut the prompt to fit") != std::string::npos);
  CHECK(PlanFor(large, R"({"model":"m/x","transforms":["middle-out"],)" + long_prompt + "}").ok());

  // Past 8,192 tokens of context only when asked.
  Catalog big = ThreePrices({{"context_length", 9000}}, {{"context_length", 100000}}, {{"context_length", 100000}});
  const std::string text(4 * 12000, 'x');  // ~12,000 tokens
  const std::string messages = R"("messages":[{"role":"user","content":")" + text + R"("}])";
  Request r = *ParseRequestJson(testing::JsonOf(R"({"model":"m/x",)" + messages + "}"));
  CHECK_FALSE(CompressesFor(r, 9000));
  CHECK(CompressesFor(r, 8192));
  Request asked = *ParseRequestJson(testing::JsonOf(R"({"model":"m/x","transforms":["middle-out"],)" + messages + "}"));
  CHECK(CompressesFor(asked, 9000));
  Request off = *ParseRequestJson(testing::JsonOf(R"({"model":"m/x","transforms":[],)" + messages + "}"));
  CHECK_FALSE(CompressesFor(off, 100));
  // The one rule: whole, only compressed (half held, max_tokens leaving the prompt half), or not.
  CHECK(FitContext(asked, 12000, 0) == ContextFit::kWhole);  // context unknown
  CHECK(FitContext(asked, 9000, 9000) == ContextFit::kWhole);
  CHECK(FitContext(asked, 18000, 9000) == ContextFit::kCompressed);
  CHECK(FitContext(asked, 18001, 9000) == ContextFit::kTooLong);
  CHECK(FitContext(r, 12000, 9000) == ContextFit::kTooLong);  // not asked, context past 8,192
  CHECK(FitContext(off, 150, 100) == ContextFit::kTooLong);
  Request greedy = *ParseRequestJson(testing::JsonOf(R"({"model":"m/x","max_tokens":4500,"transforms":["middle-out"],)" + messages + "}"));
  CHECK(FitContext(greedy, 16500, 9000) == ContextFit::kTooLong);  // max_tokens takes half
}

TEST_CASE("variants: :free filters, :floor sorts by price, others are 400") {
  Catalog cat = TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"a","prompt":"1"},
    {"model":"m/x","tag":"b","prompt":"2"},
    {"model":"m/x","tag":"z","prompt":"0","completion":"0"}])"));
  auto free = PlanFor(cat, Req("m/x:free"));
  REQUIRE(free.ok());
  CHECK(Tags(cat, *free) == Tags_{"z"});
  CHECK(HasTrace(cat, *free, TraceReason::kNotFree, "a"));
  CHECK(free->requested_model == "m/x:free");

  for (uint64_t seed = 0; seed < 10; ++seed) {
    PlanCall call;
    call.seed = seed;
    auto floor = PlanFor(cat, Req("m/x:floor"), call);
    REQUIRE(floor.ok());
    CHECK(Tags(cat, *floor) == Tags_{"a", "b"});  // the paid entry's endpoints: z is m/x:free's
    CHECK(floor->attempts[0].sort == SortBy::kPrice);
  }

  for (const char* v : {"exacto", "thinking", "extended", "online"}) {
    auto r = PlanFor(cat, Req(std::string("m/x:") + v));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().http_status() == 400);
    CHECK(r.status().message().find("not supported yet") != std::string::npos);
    CHECK(FindString(r.status().metadata(), "field") == "model");
  }
  // A variant of an unknown model is a 404, not a 400.
  auto unknown = PlanFor(cat, Req("m/nope:exacto"));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().http_status() == 404);
  // :free with no free endpoint → 404: the model has no free variant.
  Catalog paid = ThreePrices();
  auto none = PlanFor(paid, Req("m/x:free"));
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().http_status() == 404);
  CHECK(none.status().message() ==
        "no endpoint of m/x:free is allowed for this request: :free rules out 3 endpoints that are not free");
  // openrouter/auto is refused by the parser.
  auto auto_router = ParseRequest(Req("openrouter/auto"));
  REQUIRE_FALSE(auto_router.ok());
  CHECK(auto_router.status().http_status() == 400);
}

namespace {

// a $1 and b $2 paid, y and z free (listed between them, so index order proves nothing).
Catalog PaidAndFree() {
  return TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"a","prompt":"1"},
    {"model":"m/x","tag":"y","prompt":"0","completion":"0"},
    {"model":"m/x","tag":"b","prompt":"2"},
    {"model":"m/x","tag":"z","prompt":"0","completion":"0"}])"));
}

Tags_ Sorted(Tags_ tags) {
  std::sort(tags.begin(), tags.end());
  return tags;
}

// A rendered plan's field over its attempts or trace entries.
std::vector<std::string> Column(const Json& rows, const char* key) {
  std::vector<std::string> out;
  for (const Json& r : rows) out.push_back(r[key].is_string() ? r[key].get<std::string>() : "-");
  return out;
}

std::string ModelsReq(const std::string& models_json) {
  return R"({"models":)" + models_json + R"(,"messages":[{"role":"user","content":"Hello there!"}]})";
}

}  // namespace

TEST_CASE(":free is its own entry: the paid id routes to paid endpoints only, <id>:free to free") {
  Catalog cat = PaidAndFree();
  for (uint64_t seed = 0; seed < 50; ++seed) {
    PlanCall call;
    call.seed = seed;
    // Every draw: free endpoints would win 10⁴ : 1 if they were candidates of the paid id.
    for (const char* name : {"m/x", "m/x:nitro", "m/x:floor"}) {
      INFO(name << " seed " << seed);
      auto p = PlanFor(cat, Req(name), call);
      REQUIRE(p.ok());
      CHECK(Sorted(Tags(cat, *p)) == Tags_{"a", "b"});
      CHECK(HasTrace(cat, *p, TraceReason::kFreeVariantOnly, "y"));
      CHECK(HasTrace(cat, *p, TraceReason::kFreeVariantOnly, "z"));
    }
    auto free = PlanFor(cat, Req("m/x:free"), call);
    REQUIRE(free.ok());
    CHECK(Sorted(Tags(cat, *free)) == Tags_{"y", "z"});
    CHECK(HasTrace(cat, *free, TraceReason::kNotFree, "a"));
    CHECK(HasTrace(cat, *free, TraceReason::kNotFree, "b"));
  }

  // The trace says where a free endpoint is served; the rendered plan names each entry.
  auto paid = PlanFor(cat, Req("m/x"));
  REQUIRE(paid.ok());
  Json j = RenderPlan(cat, *paid);
  CHECK(Column(j["attempts"], "model") == std::vector<std::string>{"m/x", "m/x"});
  bool seen = false;
  for (const Json& t : j["trace"]) {
    if (t["tag"] != "y") continue;
    seen = true;
    CHECK(t["decision"] == "excluded");
    CHECK(t["model"] == "m/x");
    CHECK(t["reason"] == "free endpoint: served only as m/x:free");
  }
  CHECK(seen);
  auto free = PlanFor(cat, Req("m/x:free"));
  REQUIRE(free.ok());
  Json f = RenderPlan(cat, *free);
  CHECK(Column(f["attempts"], "model") == std::vector<std::string>{"m/x:free", "m/x:free"});
  for (const std::string& m : Column(f["trace"], "model")) CHECK(m == "m/x:free");
  CHECK(RenderPlanText(cat, *free) == Dump(f));
  // :nitro and :floor are ways to order the paid entry, so they keep its name.
  auto floor = PlanFor(cat, Req("m/x:floor"));
  REQUIRE(floor.ok());
  CHECK(Column(RenderPlan(cat, *floor)["attempts"], "model") == std::vector<std::string>{"m/x", "m/x"});
}

TEST_CASE("a paid id whose endpoints are all free is a 404 naming <id>:free") {
  Catalog cat = TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"y","prompt":"0","completion":"0"},
    {"model":"m/x","tag":"z","prompt":"0","completion":"0"}])"));
  auto r = PlanFor(cat, Req("m/x"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().http_status() == 404);
  CHECK(r.status().message() ==
        "no endpoint of m/x is allowed for this request: 2 endpoints are free, served only as m/x:free");
  CHECK(FindString(r.status().metadata(), "field") == "model");
  CHECK(ErrorReasons(r.status()) == std::vector<std::string>{"y: free endpoint: served only as m/x:free",
                                                             "z: free endpoint: served only as m/x:free"});
  // Named in `models`, the field says so.
  auto listed = PlanFor(cat, ModelsReq(R"(["m/x"])"));
  REQUIRE_FALSE(listed.ok());
  CHECK(FindString(listed.status().metadata(), "field") == "models");
  // The free entry serves them.
  auto free = PlanFor(cat, Req("m/x:free"));
  REQUIRE(free.ok());
  CHECK(Sorted(Tags(cat, *free)) == Tags_{"y", "z"});

  // With another selection rule to blame as well, both are named and no single field is.
  Catalog mixed = PaidAndFree();
  auto ignored = PlanFor(mixed, Req("m/x", R"("provider":{"ignore":["a","b"]})"));
  REQUIRE_FALSE(ignored.ok());
  CHECK(ignored.status().http_status() == 404);
  CHECK(ignored.status().message() ==
        "no endpoint of m/x is allowed for this request: 2 endpoints are free, served only as m/x:free; "
        "provider.ignore rules out 2 endpoints");
  CHECK(FindString(ignored.status().metadata(), "field") == std::nullopt);
  // A requirement that rules out the paid endpoints is still the client's 400: the free ones
  // were never candidates.
  auto too_long = PlanFor(mixed, Req("m/x", R"("max_tokens":200000)"));
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.status().http_status() == 400);
  CHECK(FindString(too_long.status().metadata(), "field") == "max_tokens");
  // A free endpoint the operator disabled is still the free entry's, not "disabled" under the
  // paid id.
  Catalog off = PaidAndFree();
  REQUIRE(off.ApplyOverlayText(R"({"disable":[{"model":"m/x","tag":"y"}]})").ok());
  auto p = PlanFor(off, Req("m/x"));
  REQUIRE(p.ok());
  CHECK(HasTrace(off, *p, TraceReason::kFreeVariantOnly, "y"));
  CHECK_FALSE(HasTrace(off, *p, TraceReason::kDisabled));
}

TEST_CASE("models mixing <id> and <id>:free fall back between the entries, each at its own price") {
  Catalog cat = PaidAndFree();
  Usage usage;
  usage.prompt_tokens = 1000;
  usage.completion_tokens = 100;
  auto charge = [&](const Attempt& a) {
    auto cost = ComputeCost(usage, cat.PricesFor(cat.endpoint(a.endpoint), usage.prompt_tokens));
    REQUIRE(cost.ok());
    return cost->charged;
  };
  for (uint64_t seed = 0; seed < 20; ++seed) {
    PlanCall call;
    call.seed = seed;
    auto paid_first = PlanFor(cat, ModelsReq(R"(["m/x","m/x:free"])"), call);
    REQUIRE(paid_first.ok());
    Tags_ tags = Tags(cat, *paid_first);
    REQUIRE(tags.size() == 4);
    CHECK(Sorted({tags[0], tags[1]}) == Tags_{"a", "b"});
    CHECK(Sorted({tags[2], tags[3]}) == Tags_{"y", "z"});
    Json j = RenderPlan(cat, *paid_first);
    CHECK(Column(j["attempts"], "model") == std::vector<std::string>{"m/x", "m/x", "m/x:free", "m/x:free"});
    // 1000 prompt tokens at $1/M or $2/M; the free endpoints charge nothing.
    for (const Attempt& a : paid_first->attempts) {
      const std::string& tag = cat.endpoint(a.endpoint).tag;
      INFO(tag);
      CHECK(charge(a) == (tag == "a" ? 1'000'000'000 : tag == "b" ? 2'000'000'000 : 0));
      CHECK(a.candidate == (tag == "a" || tag == "b" ? 0 : 1));
    }

    auto free_first = PlanFor(cat, ModelsReq(R"(["m/x:free","m/x"])"), call);
    REQUIRE(free_first.ok());
    tags = Tags(cat, *free_first);
    REQUIRE(tags.size() == 4);
    CHECK(Sorted({tags[0], tags[1]}) == Tags_{"y", "z"});
    CHECK(Sorted({tags[2], tags[3]}) == Tags_{"a", "b"});
    CHECK(Column(RenderPlan(cat, *free_first)["attempts"], "model") ==
          std::vector<std::string>{"m/x:free", "m/x:free", "m/x", "m/x"});
    CHECK(charge(free_first->attempts[0]) == 0);
    CHECK(charge(free_first->attempts[3]) > 0);
  }
  // `model` + `models` name the two entries the same way.
  auto both = PlanFor(cat, Req("m/x", R"("models":["m/x:free"])"));
  REQUIRE(both.ok());
  CHECK(Column(RenderPlan(cat, *both)["attempts"], "model") ==
        std::vector<std::string>{"m/x", "m/x", "m/x:free", "m/x:free"});
}

TEST_CASE("outage deprioritisation: degraded endpoints go last, in their own order") {
  Catalog cat = ThreePrices();
  Health health;
  const int64_t now = 1'000'000'000;
  MakeOutage(health, 0, now);  // a, the cheapest
  for (uint64_t seed = 0; seed < 30; ++seed) {
    PlanCall call;
    call.seed = seed;
    call.now_ms = now;
    call.health = &health;
    auto p = PlanFor(cat, Req("m/x"), call);
    REQUIRE(p.ok());
    Tags_ tags = Tags(cat, *p);
    REQUIRE(tags.size() == 3);
    CHECK(tags[2] == "a");
    CHECK((p->attempts[2].flags & kAttemptDegraded));
    CHECK(HasTrace(cat, *p, TraceReason::kOrderDegraded, "a"));
  }
  // After 30 s the outage is forgotten.
  PlanCall later;
  later.now_ms = now + 60'000;
  later.health = &health;
  later.seed = 0;
  auto p = PlanFor(cat, Req("m/x", R"("provider":{"sort":"price"})"), later);
  REQUIRE(p.ok());
  CHECK(Tags(cat, *p)[0] == "a");
}

TEST_CASE("sort by throughput / latency uses health p50, unknown last; :nitro = throughput") {
  Catalog cat = ThreePrices();
  Health health;
  const int64_t now = 1'000'000'000;
  MakeSpeed(health, 0, now, 900, 20);   // a: slow
  MakeSpeed(health, 1, now, 200, 150);  // b: fast
  PlanCall call;
  call.now_ms = now;
  call.health = &health;
  auto tp = PlanFor(cat, Req("m/x", R"("provider":{"sort":"throughput"})"), call);
  REQUIRE(tp.ok());
  CHECK(Tags(cat, *tp) == Tags_{"b", "a", "c"});
  auto nitro = PlanFor(cat, Req("m/x:nitro"), call);
  REQUIRE(nitro.ok());
  CHECK(Tags(cat, *nitro) == Tags_{"b", "a", "c"});
  auto lat = PlanFor(cat, Req("m/x", R"("provider":{"sort":{"by":"latency"}})"), call);
  REQUIRE(lat.ok());
  CHECK(Tags(cat, *lat) == Tags_{"b", "a", "c"});
  auto price = PlanFor(cat, Req("m/x", R"("provider":{"sort":"price"})"), call);
  REQUIRE(price.ok());
  CHECK(Tags(cat, *price) == Tags_{"a", "b", "c"});
}

TEST_CASE("preferred latency / throughput deprioritise, never exclude") {
  Catalog cat = ThreePrices();
  Health health;
  const int64_t now = 1'000'000'000;
  MakeSpeed(health, 0, now, 3000, 20);  // a: 3 s to first token, 20 tok/s
  PlanCall call;
  call.now_ms = now;
  call.health = &health;
  auto p = PlanFor(cat, Req("m/x", R"("provider":{"preferred_max_latency":1,"sort":"price"})"), call);
  REQUIRE(p.ok());
  CHECK(Tags(cat, *p) == Tags_{"b", "c", "a"});
  CHECK((p->attempts[2].flags & kAttemptSlow));
  auto t = PlanFor(cat, Req("m/x", R"("provider":{"preferred_min_throughput":{"p50":50},"sort":"price"})"), call);
  REQUIRE(t.ok());
  CHECK(Tags(cat, *t) == Tags_{"b", "c", "a"});
  // Met cutoffs change nothing.
  auto ok = PlanFor(cat, Req("m/x", R"("provider":{"preferred_max_latency":10,"sort":"price"})"), call);
  REQUIRE(ok.ok());
  CHECK(Tags(cat, *ok) == Tags_{"a", "b", "c"});
}

TEST_CASE("sort partition none orders the endpoints of all models together") {
  Catalog cat = TestCatalog(testing::JsonOf(R"([
    {"model":"m/one","tag":"a","prompt":"3"},
    {"model":"m/one","tag":"b","prompt":"1"},
    {"model":"m/two","tag":"a","prompt":"2"}])"));
  std::string msgs = R"("messages":[{"role":"user","content":"x"}])";
  auto by_model = PlanFor(cat, R"({"models":["m/one","m/two"],"provider":{"sort":"price"},)" + msgs + "}");
  REQUIRE(by_model.ok());
  CHECK(ModelTags(cat, *by_model) == Tags_{"m/one b", "m/one a", "m/two a"});
  auto all = PlanFor(cat, R"({"models":["m/one","m/two"],"provider":{"sort":{"by":"price","partition":"none"}},)" + msgs + "}");
  REQUIRE(all.ok());
  CHECK(ModelTags(cat, *all) == Tags_{"m/one b", "m/two a", "m/one a"});
}

TEST_CASE("404 vs 400: selection leaves nothing vs requirements leave nothing") {
  Catalog cat = ThreePrices();
  auto policy = PlanFor(cat, Req("m/x", R"("provider":{"ignore":["a","b","c"]})"));
  REQUIRE_FALSE(policy.ok());
  CHECK(policy.status().http_status() == 404);
  CHECK(ErrorReasons(policy.status()).size() == 3);
  CHECK(policy.status().message() ==
        "no endpoint of m/x is allowed for this request: provider.ignore rules out 3 endpoints");

  // Mixed: one ignored (selection) and the rest failing a requirement → 400 naming it.
  auto mixed = PlanFor(cat, Req("m/x", R"("provider":{"ignore":["a"],"quantizations":["int4"]})"));
  REQUIRE_FALSE(mixed.ok());
  CHECK(mixed.status().http_status() == 400);
  CHECK(mixed.status().message() ==
        "no endpoint of m/x can serve this request: provider.quantizations (int4) rules out 2 "
        "endpoints (quantization unknown)");
  CHECK(FindString(mixed.status().metadata(), "field") == "provider.quantizations");
  auto reasons = ErrorReasons(mixed.status());
  CHECK(reasons == std::vector<std::string>{"a: provider listed in provider.ignore",
                                            "b: quantization unknown not in provider.quantizations",
                                            "c: quantization unknown not in provider.quantizations"});
  Json body = ErrorBody(mixed.status());
  CHECK(body["error"]["code"] == 400);
  CHECK(body["error"]["metadata"]["reasons"].size() == 3);

  auto unknown = PlanFor(cat, Req("m/unknown"));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().http_status() == 404);
}

TEST_CASE("stickiness: hit, 10-minute idle expiry, ignored with order, needs a cache discount") {
  Catalog cat = ThreePrices({{"input_cache_read", "0.1"}}, {{"input_cache_read", "0.1"}},
                            {{"input_cache_read", "0.2"}});
  Stickiness sticky;
  const int64_t t0 = 1'000'000'000;
  PlanCall call;
  call.context = {{"account_id", "acct_1"}};
  call.stickiness = &sticky;
  call.now_ms = t0;
  call.seed = 3;
  std::string req = Req("m/x");
  auto first = PlanFor(cat, req, call);
  REQUIRE(first.ok());
  REQUIRE_FALSE(first->sticky_key.empty());
  // Pretend the priciest endpoint served the first turn.
  sticky.RecordSuccess(first->sticky_key, cat.endpoint(2), t0);
  CHECK(sticky.size() == 1);

  for (uint64_t seed = 0; seed < 20; ++seed) {
    call.seed = seed;
    call.now_ms = t0 + kStickyIdleMs - 1;
    auto hit = PlanFor(cat, req, call);
    REQUIRE(hit.ok());
    CHECK(hit->sticky_key == first->sticky_key);
    CHECK(Tags(cat, *hit)[0] == "c");
    CHECK((hit->attempts[0].flags & kAttemptSticky));
    CHECK(HasTrace(cat, *hit, TraceReason::kOrderSticky, "c"));
  }
  // A later turn of the same conversation (same first messages) has the same key.
  auto later_turn = PlanFor(cat, R"({"model":"m/x","messages":[{"role":"user","content":"Hello there!"},
      {"role":"assistant","content":"Hi"},{"role":"user","content":"More"}]})", call);
  REQUIRE(later_turn.ok());
  CHECK(later_turn->sticky_key == first->sticky_key);
  // Another account does not share it.
  PlanCall other = call;
  other.context = {{"account_id", "acct_2"}};
  auto other_plan = PlanFor(cat, req, other);
  REQUIRE(other_plan.ok());
  CHECK(other_plan->sticky_key != first->sticky_key);

  // Expired exactly 10 minutes after the last success.
  call.now_ms = t0 + kStickyIdleMs;
  call.seed = 0;
  auto expired = PlanFor(cat, req, call);
  REQUIRE(expired.ok());
  CHECK_FALSE(HasTrace(cat, *expired, TraceReason::kOrderSticky));
  // A success refreshes the idle timer.
  sticky.RecordSuccess(first->sticky_key, cat.endpoint(2), t0 + 5 * 60'000);
  call.now_ms = t0 + 14 * 60'000;
  auto refreshed = PlanFor(cat, req, call);
  REQUIRE(refreshed.ok());
  CHECK(Tags(cat, *refreshed)[0] == "c");

  // provider.order disables stickiness (and no sticky key is issued).
  auto ordered = PlanFor(cat, Req("m/x", R"("provider":{"order":["a"]})"), call);
  REQUIRE(ordered.ok());
  CHECK(ordered->sticky_key.empty());
  CHECK(Tags(cat, *ordered)[0] == "a");

  // session_id keys the conversation instead of the messages.
  auto s1 = PlanFor(cat, Req("m/x", R"("session_id":"abc")"), call);
  auto s2 = PlanFor(cat, R"({"model":"m/x","session_id":"abc","messages":[{"role":"user","content":"other"}]})", call);
  REQUIRE(s1.ok());
  REQUIRE(s2.ok());
  CHECK(s1->sticky_key == s2->sticky_key);
  CHECK(s1->sticky_key != first->sticky_key);
}

TEST_CASE("stickiness needs cheaper cache reads and a healthy endpoint") {
  Catalog nodiscount = ThreePrices();  // no cache-read price: no prompt caching
  Stickiness sticky;
  const int64_t t0 = 1'000'000'000;
  PlanCall call;
  call.stickiness = &sticky;
  call.now_ms = t0;
  auto p = PlanFor(nodiscount, Req("m/x"), call);
  REQUIRE(p.ok());
  sticky.RecordSuccess(p->sticky_key, nodiscount.endpoint(2), t0);
  int c_first = 0;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    call.seed = seed;
    auto q = PlanFor(nodiscount, Req("m/x"), call);
    REQUIRE(q.ok());
    CHECK_FALSE(HasTrace(nodiscount, *q, TraceReason::kOrderSticky));
    c_first += Tags(nodiscount, *q)[0] == "c";
  }
  CHECK(c_first < 15);  // plain load balancing: c (weight 4/49) is rarely first

  // Cache-read price equal to prompt is no discount either.
  Catalog equal = ThreePrices(Json::object(), Json::object(), {{"input_cache_read", "2"}});
  Stickiness s2;
  call.stickiness = &s2;
  s2.RecordSuccess(p->sticky_key, equal.endpoint(2), t0);
  auto q = PlanFor(equal, Req("m/x"), call);
  REQUIRE(q.ok());
  CHECK_FALSE(HasTrace(equal, *q, TraceReason::kOrderSticky));

  // A degraded sticky endpoint is not preferred.
  Catalog cached = ThreePrices({{"input_cache_read", "0.1"}}, {{"input_cache_read", "0.1"}},
                               {{"input_cache_read", "0.2"}});
  Stickiness s3;
  s3.RecordSuccess(p->sticky_key, cached.endpoint(2), t0);
  Health health;
  MakeOutage(health, 2, t0);
  call.stickiness = &s3;
  call.health = &health;
  auto d = PlanFor(cached, Req("m/x"), call);
  REQUIRE(d.ok());
  CHECK(Tags(cached, *d)[2] == "c");
}

TEST_CASE("Stickiness table: per model, bounded, least recently used evicted") {
  Stickiness s(2);
  s.RecordSuccess("k1", 0, 5, 1000);
  s.RecordSuccess("k1", 1, 6, 1000);  // same conversation, another model
  CHECK(s.Lookup("k1", 0, 1000) == 5u);
  CHECK(s.Lookup("k1", 1, 1000) == 6u);
  s.RecordSuccess("k1", 0, 7, 2000);  // refresh model 0 → model 1 is now the oldest
  s.RecordSuccess("k2", 0, 8, 3000);  // evicts (k1, model 1)
  CHECK(s.size() == 2);
  CHECK(s.Lookup("k1", 0, 3000) == 7u);
  CHECK_FALSE(s.Lookup("k1", 1, 3000));
  CHECK(s.Lookup("k2", 0, 3000) == 8u);
  CHECK_FALSE(s.Lookup("", 0, 3000));
  // Expired entries are dropped on the next record.
  s.RecordSuccess("k3", 0, 9, 3000 + kStickyIdleMs + 10);
  CHECK(s.size() == 1);
  s.Clear();
  CHECK(s.size() == 0);
}

TEST_CASE("RenderPlan follows the shared plan-output contract") {
  Catalog cat = ThreePrices();
  PlanCall call;
  call.context = {{"account_id", "acct_1"}, {"byok_providers", {"b"}}};
  auto p = PlanFor(cat, Req("m/x", R"("max_tokens":50,"stream":true)"), call);
  REQUIRE(p.ok());
  Json out = RenderPlan(cat, *p);
  CHECK(out["model"] == "m/x");
  CHECK(out["stream"] == true);
  CHECK(out["max_tokens"] == 50);
  CHECK(out["estimated_prompt_tokens"] == 10);
  CHECK(out["sticky_key"].is_string());
  REQUIRE(out["attempts"].size() == 3);
  const Json& a0 = out["attempts"][0];
  CHECK(a0["index"] == 0);
  CHECK(a0["endpoint"] == 1);
  CHECK(a0["model"] == "m/x");
  CHECK(a0["provider"] == "b");
  CHECK(a0["provider_name"] == "Provider b");
  CHECK(a0["tag"] == "b");
  CHECK(a0["byok"] == true);
  CHECK(a0["upstream_model"] == "x");
  CHECK(a0["reason"].get<std::string>().find("BYOK") != std::string::npos);
  for (const Json& t : out["trace"]) {
    CHECK(t["model"] == "m/x");
    CHECK((t["tag"].is_string() || t["tag"].is_null()));
    std::string d = t["decision"].get<std::string>();
    CHECK((d == "included" || d == "excluded" || d == "ordered"));
    CHECK_FALSE(t["reason"].get<std::string>().empty());
  }
  // max_tokens null when absent.
  auto q = PlanFor(cat, Req("m/x"));
  REQUIRE(q.ok());
  CHECK(RenderPlan(cat, *q)["max_tokens"].is_null());
}

TEST_CASE("ParsePolicyContext and ParsePlanInput validate host input") {
  auto ok = ParsePolicyContext(testing::JsonOf(R"({"account_id":"a","allowed_models":null,
      "allowed_providers":["openai"],"ignored_providers":[],"zdr":true,"data_collection":"deny",
      "byok_providers":["anthropic"]})"));
  REQUIRE(ok.ok());
  CHECK_FALSE(ok->allowed_models);
  REQUIRE(ok->allowed_providers);
  CHECK(ok->allowed_providers->size() == 1);
  CHECK(ok->zdr);
  CHECK(ok->data_collection_deny);
  for (const char* bad : {R"({"zdr":"yes"})", R"({"allowed_models":"x"})", R"({"byok_providers":[1]})",
                          R"({"data_collection":"maybe"})", R"({"account_id":5})", R"([])"}) {
    INFO(bad);
    auto r = ParsePolicyContext(testing::JsonOf(bad));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().http_status() == 400);
  }

  auto in = ParsePlanInput(R"({"request":{"model":"a/b","messages":[{"role":"user","content":"x"}]},
      "context":{"account_id":"z"},"now_ms":5,"seed":"18446744073709551615","session_id":"hdr",
      "presets":{}})");
  REQUIRE(in.ok());
  CHECK(in->now_ms == 5);
  CHECK(in->seed == 18446744073709551615ull);
  CHECK(in->context.account_id == "z");
  CHECK(in->request.session_id == "hdr");

  for (const char* bad : {R"({"request":{"model":"a/b","messages":[{"role":"user","content":"x"}]},"seed":-1})",
                          R"({"request":{"model":"a/b","messages":[{"role":"user","content":"x"}]},"seed":"12x"})",
                          R"({"request":{"model":"a/b","messages":[{"role":"user","content":"x"}]},"seed":"99999999999999999999"})",
                          R"({"request":{"model":"a/b","messages":[{"role":"user","content":"x"}]},"now_ms":"1"})",
                          R"({"context":{}})", R"({"request":{"model":5}})", "[]", "{"}) {
    INFO(bad);
    auto r = ParsePlanInput(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().http_status() == 400);
  }
  // Presets: from the input, else the router's.
  Json router_presets = {{"p", {{"model", "x/y"}}}};
  auto pr = ParsePlanInput(R"({"request":{"preset":"p","messages":[{"role":"user","content":"x"}]}})",
                           &router_presets);
  REQUIRE(pr.ok());
  CHECK(pr->request.model == "x/y");
  auto missing = ParsePlanInput(R"({"request":{"preset":"p","messages":[{"role":"user","content":"x"}]},"presets":{}})",
                                &router_presets);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().http_status() == 404);
}

TEST_CASE("RenderPlanText is byte-identical to Dump(RenderPlan), escapes included") {
  Catalog cat = TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"a","prompt":"1","upstream_model":"we\"ird\\model\t\u00e9\u2603"},
    {"model":"m/x","tag":"b","prompt":"2"}])"),
                            testing::JsonOf(R"({"a":{"name":"Quote \" and \\ and \u00fc\u0001"}})"));
  PlanCall call;
  call.context = {{"byok_providers", {"b"}}};
  for (const char* extra : {"", R"("provider":{"order":["b"]})", R"("max_tokens":10,"stream":true)",
                            R"("tools":[{"type":"function","function":{"name":"f"}}],"provider":{"sort":"latency"})"}) {
    INFO(extra);
    auto p = PlanFor(cat, Req("m/x", extra), call);
    REQUIRE(p.ok());
    CHECK(RenderPlanText(cat, *p) == Dump(RenderPlan(cat, *p)));
  }
  // A plan with model-level trace entries (unknown model, requested name with escapes).
  auto multi = PlanFor(cat, R"({"models":["m/\"nope\u0002","m/x"],"messages":[{"role":"user","content":"x"}]})");
  REQUIRE(multi.ok());
  CHECK(RenderPlanText(cat, *multi) == Dump(RenderPlan(cat, *multi)));
  CHECK(RenderPlanText(cat, *multi).find("m/\\\"nope\\u0002") != std::string::npos);
}

TEST_CASE("kPolicyContextFields: the fields ParsePolicyContext reads, each validated") {
  // A field the list names but the reader ignored would let a typo through the simulator's
  // scenario check; a field the reader reads but the list lacks would be refused there.
  for (std::string_view field : kPolicyContextFields) {
    INFO(field);
    Json context = Json::object();
    context[std::string(field)] = 12345;  // the wrong type for every one of them
    Result<PolicyContext> r = ParsePolicyContext(context);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().metadata()["field"] == "context." + std::string(field));
  }
  CHECK(ParsePolicyContext(Json{{"not_a_field", 12345}}).ok());  // ignored by the reader itself
}

TEST_CASE("no endpoint because of the request itself: 400 naming the cause, never a 503") {
  // a: limit known (8000), context 100000; b: limit unknown, context 100000; c: limit 16000,
  // context 32000.
  Catalog cat = ThreePrices({{"context_length", 100000}, {"max_completion_tokens", 8000}},
                            {{"context_length", 100000}},
                            {{"context_length", 32000}, {"max_completion_tokens", 16000}});
  // The issue's request: a max_tokens no endpoint allows. Known limits exclude a and c, the
  // context excludes b; both clauses name max_tokens.
  auto huge = PlanFor(cat, Req("m/x", R"("max_tokens":99999999)"));
  REQUIRE_FALSE(huge.ok());
  CHECK(huge.status().http_status() == 400);
  CHECK(huge.status().code() == Code::kInvalidArgument);
  CHECK(huge.status().message() ==
        "no endpoint of m/x can serve this request: max_tokens 99999999 is above the "
        "max_completion_tokens of 2 endpoints (the largest is 16000); the prompt (about 10 tokens) "
        "plus max_tokens 99999999 needs 100000009 tokens, more than the context length of 1 "
        "endpoint (the largest is 100000)");
  CHECK(FindString(huge.status().metadata(), "field") == "max_tokens");
  CHECK(ErrorReasons(huge.status()) ==
        std::vector<std::string>{"a: max_tokens 99999999 above the endpoint's max_completion_tokens 8000",
                                 "b: needs 100000009 tokens (prompt estimate + max_tokens); context is 100000",
                                 "c: max_tokens 99999999 above the endpoint's max_completion_tokens 16000"});
  Json body = ErrorBody(huge.status());
  CHECK(body["error"]["code"] == 400);
  CHECK(body["error"]["metadata"]["reasons"].size() == 3);

  // Sent as max_completion_tokens, the field says so.
  auto completion = PlanFor(cat, Req("m/x", R"("max_completion_tokens":200000)"));
  REQUIRE_FALSE(completion.ok());
  CHECK(completion.status().http_status() == 400);
  CHECK(FindString(completion.status().metadata(), "field") == "max_completion_tokens");

  // A prompt longer than every context: the field is messages.
  std::string long_prompt(500000, 'x');  // ~125,000 tokens
  auto too_long = PlanFor(cat, R"({"model":"m/x","max_tokens":10,"messages":[{"role":"user","content":")" +
                                   long_prompt + R"("}]})");
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.status().http_status() == 400);
  CHECK(FindString(too_long.status().metadata(), "field") == "messages");
  CHECK(too_long.status().message().find("more than the context length of 3 endpoints (the largest is 100000)") !=
        std::string::npos);

  // Several requirements, each named once with its count; no single field to blame.
  Catalog mixed = ThreePrices({{"quantization", "fp8"}}, {{"training", true}}, {{"quantization", "int8"}});
  auto several = PlanFor(mixed, Req("m/x", R"("provider":{"quantizations":["int8"],)"
                                           R"("data_collection":"deny","max_price":{"completion":0.5}})"));
  REQUIRE_FALSE(several.ok());
  CHECK(several.status().http_status() == 400);
  CHECK(several.status().message() ==
        "no endpoint of m/x can serve this request: data_collection \"deny\" (set by the request) "
        "rules out 1 endpoint that may train on prompts; provider.quantizations (int8) rules out 1 "
        "endpoint (quantization fp8); max_price.completion $0.5/M rules out 1 endpoint (the lowest "
        "completion price is $1/M)");
  CHECK_FALSE(FindString(several.status().metadata(), "field"));

  // zdr from the request names its field (from the account alone there is none: see above).
  auto zdr = PlanFor(cat, Req("m/x", R"("provider":{"zdr":true})"));
  REQUIRE_FALSE(zdr.ok());
  CHECK(zdr.status().http_status() == 400);
  CHECK(FindString(zdr.status().metadata(), "field") == "provider.zdr");
  CHECK(zdr.status().message().find("zdr (required by the request) rules out 3 endpoints") != std::string::npos);

  // Across a models list: the requirement decides even when another model does not exist.
  auto models = PlanFor(cat, R"({"models":["m/nope","m/x"],"max_tokens":99999999,)"
                             R"("messages":[{"role":"user","content":"x"}]})");
  REQUIRE_FALSE(models.ok());
  CHECK(models.status().http_status() == 400);
  CHECK(models.status().message().rfind("no endpoint of m/nope, m/x can serve this request: max_tokens 99999999", 0) == 0);
}

TEST_CASE("the default catalog: paid llama never draws a free tier; llama:free only does") {
  auto cat = Catalog::Default();
  REQUIRE(cat.ok());
  const std::string llama = "meta-llama/llama-3.3-70b-instruct";
  size_t paid_endpoints = 0, free_endpoints = 0;
  for (uint32_t i : cat->FindModel(llama)->endpoints) {
    (cat->endpoint(i).free ? free_endpoints : paid_endpoints) += cat->endpoint(i).enabled;
  }
  REQUIRE(free_endpoints >= 2);  // llama, github-models, nvidia, openrouter/free when generated
  REQUIRE(paid_endpoints >= 2);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    PlanCall call;
    call.seed = seed;
    auto paid = PlanFor(*cat, Req(llama), call);
    REQUIRE(paid.ok());
    CHECK(paid->attempts.size() == paid_endpoints);
    for (const Attempt& a : paid->attempts) CHECK_FALSE(cat->endpoint(a.endpoint).free);
    CHECK(cat->endpoint(paid->attempts[0].endpoint).prices.prompt > 0);
    auto free = PlanFor(*cat, Req(llama + ":free"), call);
    REQUIRE(free.ok());
    CHECK(free->attempts.size() == free_endpoints);
    for (const Attempt& a : free->attempts) CHECK(cat->endpoint(a.endpoint).free);
  }
}

TEST_CASE("the default catalog: max_tokens 99999999 is a 400, not a 503") {
  auto cat = Catalog::Default();
  REQUIRE(cat.ok());
  auto p = PlanFor(*cat, Req("meta-llama/llama-3.3-70b-instruct", R"("max_tokens":99999999)"));
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().http_status() == 400);
  CHECK(FindString(p.status().metadata(), "field") == "max_tokens");
  CHECK(p.status().message().find("max_tokens 99999999") != std::string::npos);
}

TEST_CASE("availability never turns a client error into a plan error, nor the reverse") {
  Catalog cat = ThreePrices({{"max_completion_tokens", 100000}}, {{"max_completion_tokens", 1000}},
                            {{"max_completion_tokens", 1000}});
  Health health;
  const int64_t now = 1'000'000'000;
  MakeOutage(health, 0, now);  // a: the only endpoint max_tokens 5000 fits, and it is down
  PlanCall call;
  call.now_ms = now;
  call.health = &health;
  // Without the outage a would be eligible, so what stops this request is availability: it gets
  // a plan (a, degraded, tried anyway) and, if the attempt fails, the upstream's 5xx — not a 400.
  auto down = PlanFor(cat, Req("m/x", R"("max_tokens":5000)"), call);
  REQUIRE(down.ok());
  CHECK(Tags(cat, *down) == Tags_{"a"});
  CHECK((down->attempts[0].flags & kAttemptDegraded));
  CHECK(HasTrace(cat, *down, TraceReason::kMaxTokensTooLarge, "b"));
  // Every endpoint down and nothing excluded: still a plan, every endpoint an attempt.
  MakeOutage(health, 1, now);
  MakeOutage(health, 2, now);
  auto all_down = PlanFor(cat, Req("m/x"), call);
  REQUIRE(all_down.ok());
  CHECK(all_down->attempts.size() == 3);
  // Above every limit: the same 400 whether the endpoints are healthy or not.
  auto over = PlanFor(cat, Req("m/x", R"("max_tokens":200000)"), call);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().http_status() == 400);
  auto over_healthy = PlanFor(cat, Req("m/x", R"("max_tokens":200000)"));
  REQUIRE_FALSE(over_healthy.ok());
  CHECK(over_healthy.status().message() == over.status().message());
}

TEST_CASE("unknown provider slugs in provider.only / provider.order are named in the 404") {
  Catalog cat = TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"a","prompt":"1"},
    {"model":"m/x","tag":"deepinfra/turbo","prompt":"2"},
    {"model":"m/y","tag":"b","prompt":"1"}])"));
  auto typo = PlanFor(cat, Req("m/x", R"("provider":{"only":["opnai"]})"));
  REQUIRE_FALSE(typo.ok());
  CHECK(typo.status().http_status() == 404);
  CHECK(typo.status().message() ==
        "no endpoint of m/x is allowed for this request: provider.only names an unknown provider: "
        "\"opnai\"; provider.only rules out 2 endpoints");
  CHECK(FindString(typo.status().metadata(), "field") == "provider.only");
  CHECK(ErrorReasons(typo.status()) == std::vector<std::string>{"a: provider not in provider.only",
                                                                "deepinfra/turbo: provider not in provider.only"});

  // Only the unknown ones are named, each once: b exists (it serves m/y), DeepInfra selects
  // deepinfra/turbo (case-insensitive) and deepinfra/turbo itself is a tag.
  auto some = PlanFor(cat, Req("m/y", R"("provider":{"only":["zz","DeepInfra","deepinfra/turbo","a","zz","q/r"]})"));
  REQUIRE_FALSE(some.ok());
  CHECK(some.status().http_status() == 404);
  CHECK(some.status().message() ==
        "no endpoint of m/y is allowed for this request: provider.only names unknown providers: "
        "\"zz\", \"q/r\"; provider.only rules out 1 endpoint");

  // Known but not serving this model: nothing is called unknown.
  auto known = PlanFor(cat, Req("m/y", R"("provider":{"only":["a"]})"));
  REQUIRE_FALSE(known.ok());
  CHECK(known.status().http_status() == 404);
  CHECK(known.status().message() == "no endpoint of m/y is allowed for this request: provider.only rules out 1 endpoint");
  CHECK_FALSE(FindString(known.status().metadata(), "field"));

  // An unknown slug beside one that serves: a plan, as before.
  auto served = PlanFor(cat, Req("m/x", R"("provider":{"only":["opnai","a"]})"));
  REQUIRE(served.ok());
  CHECK(Tags(cat, *served) == Tags_{"a"});

  // provider.order without fallbacks leaves only the listed providers: unknown ones are named.
  auto order = PlanFor(cat, Req("m/x", R"("provider":{"order":["nobody"],"allow_fallbacks":false})"));
  REQUIRE_FALSE(order.ok());
  CHECK(order.status().http_status() == 404);
  CHECK(order.status().message() ==
        "no endpoint of m/x is allowed for this request: provider.order names an unknown provider: "
        "\"nobody\"; provider.order with allow_fallbacks false rules out 2 endpoints");
  CHECK(FindString(order.status().metadata(), "field") == "provider.order");
  // Named even when every endpoint was disabled before provider.only was looked at.
  Catalog off = cat;
  REQUIRE(off.ApplyOverlayText(R"({"disable":[{"model":"m/x"}]})").ok());
  auto disabled = PlanFor(off, Req("m/x", R"("provider":{"only":["opnai"]})"));
  REQUIRE_FALSE(disabled.ok());
  CHECK(disabled.status().http_status() == 404);
  CHECK(disabled.status().message() ==
        "no endpoint of m/x is allowed for this request: provider.only names an unknown provider: "
        "\"opnai\"; 2 endpoints disabled on this router");
  CHECK(FindString(disabled.status().metadata(), "field") == "provider.only");
  // With fallbacks an unknown order slug excludes nothing.
  auto fallback = PlanFor(cat, Req("m/x", R"("provider":{"order":["nobody"]})"));
  REQUIRE(fallback.ok());
  CHECK(fallback->attempts.size() == 2);

  // Selection then a requirement: the requirement is what the client must change → 400.
  auto then_req = PlanFor(cat, Req("m/x", R"("provider":{"only":["zz","a"],"max_price":{"prompt":0.1}})"));
  REQUIRE_FALSE(then_req.ok());
  CHECK(then_req.status().http_status() == 400);
  CHECK(then_req.status().message() ==
        "no endpoint of m/x can serve this request: max_price.prompt $0.1/M rules out 1 endpoint "
        "(the lowest prompt price is $1/M)");
}

TEST_CASE("model-level reasons are named in the 404 beside the endpoints'") {
  Catalog cat = ThreePrices();
  REQUIRE(cat.ApplyOverlayText(R"({"disable":[{"provider":"c"}]})").ok());
  auto p = PlanFor(cat, R"({"models":["m/nope","m/x"],"provider":{"ignore":["a","b"]},)"
                        R"("messages":[{"role":"user","content":"x"}]})");
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().http_status() == 404);
  CHECK(p.status().message() ==
        "no endpoint of m/nope, m/x is allowed for this request: no such model m/nope; 1 endpoint "
        "disabled on this router; provider.ignore rules out 2 endpoints");
}
