// One priced usage, end to end through the C ABI: what a generation is charged is what its client
// was told. Each generation is one session (sy_router_session .. sy_session_next's final step),
// and what is charged is that step's settle command, applied to the ledger as a host does. For random usage in each upstream wire format (OpenAI, Anthropic, Gemini, OpenAI Responses), buffered
// and streamed, at random prices for every component (prompt, cache read, 5-minute and 1-hour
// cache writes, completion, reasoning, per-request fee) with a long-context tier:
//   reported  (usage.cost in the client body / final chunk)
//   == charged  (what the ledger's settle takes from the balance)
//   == recorded (the generation record: total_cost and its components)
//   == an independent recomputation from the native token counts, to the picodollar,
// and streamed == buffered. Without the one priced usage the ledger re-priced the client-shaped
// usage, whose cache_write_tokens merges 1-hour writes, and charged them at the 5-minute price.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "switchyard/c_api/c_api.h"
#include "switchyard/json/json.h"
#include "switchyard/money/money.h"
#include "test_support.h"
#include "json_testing.h"

namespace {

using switchyard::Json;
using switchyard::Picos;

Json Parse(std::string_view text) {
  return switchyard::testing::JsonOf(text);
}

std::string Text(const char* data, size_t size) {
  return data == nullptr ? std::string() : std::string(data, size);
}

// xorshift64*: the test's own deterministic draws.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ULL;
  }
  int64_t Below(int64_t n) { return n <= 0 ? 0 : static_cast<int64_t>(Next() % uint64_t(n)); }
};

// Prices in picodollars per token (= USD per million with 6 decimals, as integers).
struct PriceSet {
  Picos prompt, completion, cache_read, cache_write, cache_write_1h, reasoning, request;
};

std::string PerMillion(Picos per_token) { return switchyard::FormatPerMillion(per_token); }

Json PricingJson(const PriceSet& p) {
  return {{"prompt", PerMillion(p.prompt)},
          {"completion", PerMillion(p.completion)},
          {"input_cache_read", PerMillion(p.cache_read)},
          {"input_cache_write", PerMillion(p.cache_write)},
          {"input_cache_write_1h", PerMillion(p.cache_write_1h)},
          {"internal_reasoning", PerMillion(p.reasoning)},
          {"request", switchyard::FormatUsd(p.request)}};
}

PriceSet RandomPrices(Rng& rng) {
  auto per_token = [&] { return 1 + rng.Below(60'000'000); };  // up to $60 per million
  return {per_token(), per_token(), per_token(),       per_token(),
          per_token(), per_token(), rng.Below(5'000'000'000)};  // request fee up to $0.005
}

constexpr int64_t kTierMin = 20'000;
const char* const kProviders[] = {"openai", "anthropic", "google", "openai-responses"};
const char* const kWires[] = {"openai", "anthropic", "gemini", "openai-responses"};
constexpr int kWireCount = 4;

// A catalog with one model served by one endpoint per wire format, each with its own prices
// and a long-context tier from kTierMin prompt tokens.
std::string CatalogConfig(const PriceSet base[kWireCount], const PriceSet tier[kWireCount]) {
  Json providers = Json::array();
  Json endpoints = Json::array();
  for (int i = 0; i < kWireCount; ++i) {
    providers.push_back({{"slug", kProviders[i]},
                         {"name", std::string("P-") + kProviders[i]},
                         {"wire", kWires[i]},
                         {"base_url", std::string("https://") + kProviders[i] + ".test/v1"},
                         {"api_key_env", nullptr},
                         {"privacy_policy_url", nullptr},
                         {"data_policy",
                          {{"training", false},
                           {"retains_prompts", false},
                           {"retention_days", 0},
                           {"zdr", true}}},
                         {"max_tokens_param", "max_tokens"}});
    endpoints.push_back({{"model", "test/priced"},
                         {"provider", kProviders[i]},
                         {"tag", kProviders[i]},
                         {"upstream_model", "priced-1"},
                         {"context_length", 1000000},
                         {"max_completion_tokens", 100000},
                         {"quantization", "unknown"},
                         {"pricing", PricingJson(base[i])},
                         {"tiers", {{{"min_prompt_tokens", kTierMin}, {"pricing", PricingJson(tier[i])}}}},
                         {"supported_parameters", {"max_tokens", "reasoning"}},
                         {"free", false},
                         {"zdr", nullptr},
                         {"training", nullptr}});
  }
  Json catalog = {
      {"format", "switchyard-catalog"},
      {"version", 1},
      {"sources", {{{"name", "priced usage test"}}}},
      {"providers", std::move(providers)},
      {"models",
       {{{"id", "test/priced"},
         {"canonical_slug", "test/priced"},
         {"name", "Test: Priced"},
         {"created", 1700000000},
         {"description", "every price component"},
         {"context_length", 1000000},
         {"input_modalities", {"text"}},
         {"output_modalities", {"text"}},
         {"tokenizer", "Other"},
         {"instruct_type", nullptr},
         {"supported_parameters", {"max_tokens", "reasoning"}},
         {"is_moderated", false},
         {"model_group", "other"}}}},
      {"endpoints", std::move(endpoints)},
  };
  return Json{{"catalog", std::move(catalog)}}.dump();
}

// Native token counts of one generation. Which fields a wire can carry: OpenAI has cache reads,
// (5-minute) cache writes and reasoning; Anthropic cache reads and both kinds of writes, no
// separate reasoning; Gemini cache reads and reasoning ("thoughts"); OpenAI Responses cache reads
// and reasoning.
struct Counts {
  int64_t uncached = 0, read = 0, write5 = 0, write1h = 0, output = 0, reasoning = 0;
  int64_t prompt() const { return uncached + read + write5 + write1h; }
};

Counts RandomCounts(Rng& rng, int wire) {
  Counts c;
  const bool big = rng.Below(3) == 0;  // a third of them in the long-context tier
  c.uncached = rng.Below(big ? 60'000 : 6'000);
  c.read = rng.Below(4) == 0 ? 0 : rng.Below(big ? 80'000 : 8'000);
  if (wire != 2 && wire != 3) c.write5 = rng.Below(3) == 0 ? 0 : rng.Below(big ? 30'000 : 3'000);
  if (wire == 1) c.write1h = rng.Below(3) == 0 ? 0 : rng.Below(big ? 30'000 : 3'000);
  c.output = rng.Below(10) == 0 ? 0 : rng.Below(4'000);
  if (wire != 1 && c.output > 0) c.reasoning = rng.Below(c.output + 1);
  return c;
}

// The oracle: the charge recomputed here from the native counts and the catalog prices.
Picos Expected(const Counts& c, const PriceSet& base, const PriceSet& tier) {
  const PriceSet& p = c.prompt() >= kTierMin ? tier : base;
  __int128 sum = static_cast<__int128>(c.uncached) * p.prompt +
                 static_cast<__int128>(c.read) * p.cache_read +
                 static_cast<__int128>(c.write5) * p.cache_write +
                 static_cast<__int128>(c.write1h) * p.cache_write_1h +
                 static_cast<__int128>(c.output - c.reasoning) * p.completion +
                 static_cast<__int128>(c.reasoning) * p.reasoning + p.request;
  return static_cast<Picos>(sum);
}

std::string BufferedBody(int wire, const Counts& c) {
  if (wire == 0) {
    return Json{{"id", "chatcmpl-1"},
                {"object", "chat.completion"},
                {"created", 1},
                {"model", "priced-1"},
                {"choices",
                 {{{"index", 0},
                   {"message", {{"role", "assistant"}, {"content", "ok"}}},
                   {"finish_reason", "stop"}}}},
                {"usage",
                 {{"prompt_tokens", c.prompt()},
                  {"completion_tokens", c.output},
                  {"prompt_tokens_details",
                   {{"cached_tokens", c.read}, {"cache_write_tokens", c.write5}}},
                  {"completion_tokens_details", {{"reasoning_tokens", c.reasoning}}}}}}
        .dump();
  }
  if (wire == 1) {
    return Json{{"id", "msg_1"},
                {"type", "message"},
                {"role", "assistant"},
                {"model", "priced-1"},
                {"content", {{{"type", "text"}, {"text", "ok"}}}},
                {"stop_reason", "end_turn"},
                {"stop_sequence", nullptr},
                {"usage",
                 {{"input_tokens", c.uncached},
                  {"cache_read_input_tokens", c.read},
                  {"cache_creation_input_tokens", c.write5 + c.write1h},
                  {"cache_creation",
                   {{"ephemeral_5m_input_tokens", c.write5},
                    {"ephemeral_1h_input_tokens", c.write1h}}},
                  {"output_tokens", c.output}}}}
        .dump();
  }
  if (wire == 3) {
    return Json{{"id", "resp_1"},
                {"object", "response"},
                {"status", "completed"},
                {"error", nullptr},
                {"model", "priced-1"},
                {"output",
                 {{{"type", "message"},
                   {"id", "msg_1"},
                   {"role", "assistant"},
                   {"content", {{{"type", "output_text"}, {"text", "ok"}}}}}}},
                {"usage",
                 {{"input_tokens", c.prompt()},
                  {"input_tokens_details", {{"cached_tokens", c.read}}},
                  {"output_tokens", c.output},
                  {"output_tokens_details", {{"reasoning_tokens", c.reasoning}}},
                  {"total_tokens", c.prompt() + c.output}}}}
        .dump();
  }
  return Json{{"candidates",
               {{{"content", {{"role", "model"}, {"parts", {{{"text", "ok"}}}}}},
                 {"finishReason", "STOP"},
                 {"index", 0}}}},
              {"usageMetadata",
               {{"promptTokenCount", c.prompt()},
                {"candidatesTokenCount", c.output - c.reasoning},
                {"thoughtsTokenCount", c.reasoning},
                {"cachedContentTokenCount", c.read}}},
              {"modelVersion", "priced-1"}}
      .dump();
}

std::string StreamBody(int wire, const Counts& c) {
  auto data = [](const Json& j) { return "data: " + j.dump() + "\n\n"; };
  if (wire == 0) {
    Json delta = {{"id", "chatcmpl-1"},
                  {"object", "chat.completion.chunk"},
                  {"created", 1},
                  {"model", "priced-1"},
                  {"choices",
                   {{{"index", 0}, {"delta", {{"content", "ok"}}}, {"finish_reason", nullptr}}}}};
    Json last = delta;
    last["choices"][0]["delta"] = Json::object();
    last["choices"][0]["finish_reason"] = "stop";
    Json usage = delta;
    usage["choices"] = Json::array();
    usage["usage"] = Parse(BufferedBody(0, c))["usage"];
    return data(delta) + data(last) + data(usage) + "data: [DONE]\n\n";
  }
  if (wire == 1) {
    auto event = [](const char* name, const Json& j) {
      return std::string("event: ") + name + "\ndata: " + j.dump() + "\n\n";
    };
    Json usage = Parse(BufferedBody(1, c))["usage"];
    Json start_usage = usage;
    start_usage["output_tokens"] = 1;
    return event("message_start",
                 {{"type", "message_start"},
                  {"message",
                   {{"id", "msg_1"},
                    {"type", "message"},
                    {"role", "assistant"},
                    {"model", "priced-1"},
                    {"content", Json::array()},
                    {"stop_reason", nullptr},
                    {"usage", start_usage}}}}) +
           event("content_block_start",
                 {{"type", "content_block_start"},
                  {"index", 0},
                  {"content_block", {{"type", "text"}, {"text", ""}}}}) +
           event("content_block_delta",
                 {{"type", "content_block_delta"},
                  {"index", 0},
                  {"delta", {{"type", "text_delta"}, {"text", "ok"}}}}) +
           event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}) +
           event("message_delta",
                 {{"type", "message_delta"},
                  {"delta", {{"stop_reason", "end_turn"}, {"stop_sequence", nullptr}}},
                  {"usage", {{"output_tokens", c.output}}}}) +
           event("message_stop", {{"type", "message_stop"}});
  }
  if (wire == 3) {
    auto event = [](const char* name, Json j) {
      j["type"] = name;
      return std::string("event: ") + name + "\ndata: " + j.dump() + "\n\n";
    };
    Json done = Parse(BufferedBody(3, c));
    Json created = done;
    created["status"] = "in_progress";
    created["output"] = Json::array();
    created["usage"] = nullptr;
    return event("response.created", {{"response", created}}) +
           event("response.output_item.added",
                 {{"output_index", 0},
                  {"item", {{"type", "message"}, {"id", "msg_1"}, {"content", Json::array()}}}}) +
           event("response.output_text.delta",
                 {{"output_index", 0}, {"content_index", 0}, {"delta", "ok"}}) +
           event("response.output_item.done", {{"output_index", 0}, {"item", done["output"][0]}}) +
           event("response.completed", {{"response", done}});
  }
  Json first = Parse(BufferedBody(2, c));
  Json running = first;
  running["candidates"][0].erase("finishReason");
  running["usageMetadata"] = {{"promptTokenCount", c.prompt()}, {"candidatesTokenCount", 1}};
  return data(running) + data(first);
}

struct Run {
  Json priced;       // the priced usage of the final step's settle command
  Json settle;       // that settle command, as the host hands it to the ledger
  double reported;   // usage.cost the client saw
  bool ok = false;
};

constexpr int64_t kNow = 1'800'000'000'000;

std::string SessionInput(int wire, bool stream, int n) {
  Json request = {{"model", "test/priced"},
                  {"messages", {{{"role", "user"}, {"content", "price me"}}}},
                  {"max_tokens", 5000},
                  {"provider", {{"only", {kProviders[wire]}}}}};
  if (stream) request["stream"] = true;
  return Json{{"request", request},
              {"now_ms", kNow},
              {"seed", 7},
              {"generation_id", "gen-" + std::to_string(n)}}
      .dump();
}

std::string SessionResult(const sy_session_t* s) {
  size_t size = 0;
  const char* out = sy_session_result(s, &size);
  return Text(out, size);
}

// A session for generation n on `wire`'s endpoint, its one attempt handed out.
sy_session_t* OpenSession(sy_router_t* router, int wire, bool stream, int n) {
  const std::string input = SessionInput(wire, stream, n);
  sy_session_t* s = nullptr;
  REQUIRE(sy_router_session(router, input.data(), input.size(), &s) == SY_OK);
  const std::string next = "{\"now_ms\":" + std::to_string(kNow) + "}";
  REQUIRE(sy_session_next(s, next.data(), next.size()) == SY_OK);
  Json step = Parse(SessionResult(s));
  INFO(step.dump());
  REQUIRE(step["step"] == "attempt");
  REQUIRE(step["provider"] == kProviders[wire]);
  REQUIRE(step["stream"] == stream);
  return s;
}

// The session's final step ("respond" or "end"), with a settle command for the endpoint of `wire`
// (the catalog's endpoint i is wire i).
Json FinalStep(sy_session_t* s, int wire, bool committed, const char* kind) {
  const std::string next = "{\"now_ms\":" + std::to_string(kNow + 200) +
                           (committed ? ",\"committed\":true}" : "}");
  REQUIRE(sy_session_next(s, next.data(), next.size()) == SY_OK);
  Json step = Parse(SessionResult(s));
  INFO(step.dump());
  REQUIRE(step["step"] == kind);
  REQUIRE(step["settle"].is_object());
  REQUIRE(step["settle"]["endpoint"] == wire);
  REQUIRE(step["settle"]["byok"] == false);
  return step;
}

Run Buffered(sy_router_t* router, int wire, const Counts& c, int n) {
  Run run;
  sy_session_t* s = OpenSession(router, wire, /*stream=*/false, n);
  const std::string head =
      R"({"status":200,"headers":{"content-type":"application/json"},"now_ms":)" + std::to_string(kNow + 100) + "}";
  const std::string body = BufferedBody(wire, c);
  REQUIRE(sy_session_respond(s, head.data(), head.size(), body.data(), body.size()) == SY_OK);
  Json r = Parse(SessionResult(s));
  INFO(r.dump());
  REQUIRE(r["outcome"] == "done");
  Json step = FinalStep(s, wire, /*committed=*/false, "respond");
  sy_session_free(s);
  REQUIRE(step["status"] == 200);
  run.settle = step["settle"];
  run.priced = run.settle["priced"];
  Json client = Parse(step["body"].get<std::string>());
  INFO(client.dump());
  run.reported = client["usage"]["cost"].get<double>();
  run.ok = true;
  return run;
}

Run Streamed(sy_router_t* router, int wire, const Counts& c, int n) {
  Run run;
  sy_session_t* s = OpenSession(router, wire, /*stream=*/true, n);
  const std::string head =
      R"({"status":200,"headers":{"content-type":"text/event-stream"},"now_ms":)" + std::to_string(kNow + 50) + "}";
  REQUIRE(sy_session_stream_open(s, head.data(), head.size()) == SY_OK);
  std::string client;
  const std::string body = StreamBody(wire, c);
  // Fed in uneven pieces, as a network delivers it, until the session needs no more.
  for (size_t at = 0; at < body.size() && sy_session_stream_ended(s) == 0;) {
    size_t piece = std::min<size_t>(body.size() - at, 1 + (at * 7 + n) % 97);
    REQUIRE(sy_session_stream_feed(s, body.data() + at, piece) == SY_OK);
    client += SessionResult(s);
    at += piece;
  }
  const std::string finish = "{\"now_ms\":" + std::to_string(kNow + 150) +
                             ",\"first_content_ms\":" + std::to_string(kNow + 60) + "}";
  REQUIRE(sy_session_stream_finish(s, finish.data(), finish.size()) == SY_OK);
  client += SessionResult(s);
  Json step = FinalStep(s, wire, /*committed=*/true, "end");
  sy_session_free(s);
  REQUIRE(step["tail"] == "");
  REQUIRE(step["settle"]["generation"]["streamed"] == true);
  run.settle = step["settle"];
  run.priced = run.settle["priced"];
  // The client's last usage: the final chunk that carries `usage` with `cost`.
  size_t at = client.rfind("\"usage\"");
  INFO(client);
  REQUIRE(at != std::string::npos);
  size_t line_start = client.rfind("data: ", at);
  size_t line_end = client.find('\n', at);
  Json chunk = Parse(std::string_view(client).substr(line_start + 6, line_end - line_start - 6));
  const Json& usage = chunk.contains("usage") ? chunk["usage"] : chunk["message"]["usage"];
  REQUIRE(usage.contains("cost"));
  run.reported = usage["cost"].get<double>();
  run.ok = true;
  return run;
}

// The ledger command for a session's settle: {"op":"settle", "now_ms", ...the command}.
Json SettleCommand(const Json& settle, int64_t now_ms) {
  Json command = settle;
  command["op"] = "settle";
  command["now_ms"] = now_ms;
  return command;
}

std::string LedgerApply(sy_ledger_t* ledger, const sy_router_t* router, const Json& command) {
  std::string text = command.dump();
  sy_status_t status = sy_ledger_apply(ledger, router, text.data(), text.size());
  size_t size = 0;
  const char* out = sy_ledger_result(ledger, &size);
  std::string result = Text(out, size);
  INFO(text << " → " << result);
  REQUIRE(status == SY_OK);
  return result;
}

Picos Usd(const Json& v) {
  auto r = switchyard::ParseUsdJson(v);
  REQUIRE(r.ok());
  return *r;
}

// A router whose three endpoints (one per wire) all have prices `p`, tier included.
sy_router_t* RouterWith(const PriceSet& p) {
  PriceSet base[kWireCount] = {p, p, p, p}, tier[kWireCount] = {p, p, p, p};
  const std::string config = CatalogConfig(base, tier);
  sy_router_t* router = nullptr;
  REQUIRE(sy_router_new(config.data(), config.size(), &router) == SY_OK);
  return router;
}

// A new account with `credits` (USD) granted and an API key whose hash is `key`.
sy_ledger_t* FundedLedger(const sy_router_t* router, const std::string& key, const char* credits) {
  sy_ledger_t* ledger = nullptr;
  REQUIRE(sy_ledger_new("", 0, &ledger) == SY_OK);
  LedgerApply(ledger, router, {{"op", "grant"}, {"id", "g"}, {"amount", credits}, {"now_ms", 1}});
  LedgerApply(ledger, router, {{"op", "create_key"}, {"hash", key}, {"name", "k"}, {"now_ms", 1}});
  return ledger;
}

// Holds credits for generation `id` (`prompt` tokens, up to 5000 out) on catalog endpoint `endpoint`.
void Reserve(sy_ledger_t* ledger, const sy_router_t* router, const std::string& key,
             const std::string& id, int64_t now_ms, int64_t prompt, int endpoint) {
  LedgerApply(ledger, router,
              {{"op", "reserve"},
               {"id", id},
               {"key_hash", key},
               {"now_ms", now_ms},
               {"estimated_prompt_tokens", prompt},
               {"max_tokens", 5000},
               {"attempts", {{{"endpoint", endpoint}}}}});
}

}  // namespace

TEST_CASE("charged == reported == recorded, to the picodollar, every wire, buffered and streamed") {
  Rng rng{0x9e3779b97f4a7c15ULL};
  const std::string key(64, 'a');
  int n = 0;
  int tiered = 0, one_hour = 0;
  for (int catalog_round = 0; catalog_round < 4; ++catalog_round) {
    PriceSet base[kWireCount], tier[kWireCount];
    for (int i = 0; i < kWireCount; ++i) {
      base[i] = RandomPrices(rng);
      tier[i] = RandomPrices(rng);
    }
    const std::string config = CatalogConfig(base, tier);
    sy_router_t* router = nullptr;
    REQUIRE(sy_router_new(config.data(), config.size(), &router) == SY_OK);
    sy_ledger_t* ledger = FundedLedger(router, key, "1000000");
    Picos spent = 0;

    for (int i = 0; i < 60; ++i) {
      const int wire = i % kWireCount;
      const Counts c = RandomCounts(rng, wire);
      tiered += c.prompt() >= kTierMin;
      one_hour += c.write1h > 0;
      const Picos expected = Expected(c, base[wire], tier[wire]);
      INFO("wire " << kWires[wire] << " prompt " << c.prompt() << " read " << c.read << " 5m "
                   << c.write5 << " 1h " << c.write1h << " out " << c.output << " reasoning "
                   << c.reasoning << " expected " << expected);

      const Run buffered = Buffered(router, wire, c, ++n);
      const Run streamed = Streamed(router, wire, c, ++n);
      // Streamed == buffered: the same priced usage, component by component.
      REQUIRE(streamed.priced == buffered.priced);
      REQUIRE(Usd(buffered.priced["cost"]["charged"]) == expected);
      REQUIRE(buffered.priced["usage"]["cache_write_1h_tokens"] == c.write1h);
      REQUIRE(buffered.priced["tier_min_prompt_tokens"] == (c.prompt() >= kTierMin ? kTierMin : 0));
      // Reported: the client's usage.cost is the same amount.
      REQUIRE(buffered.reported == switchyard::UsdNumber(expected));
      REQUIRE(streamed.reported == switchyard::UsdNumber(expected));

      // Charged: settle the streamed one (each generation once) with the command its session's
      // last step handed out, as a host does.
      const std::string id = "gen-" + std::to_string(n);
      REQUIRE(streamed.settle["id"] == id);
      REQUIRE(streamed.settle["finish_reason"] == "stop");
      Reserve(ledger, router, key, id, 1000 + n, c.prompt(), wire);
      Json settled = Parse(LedgerApply(ledger, router, SettleCommand(streamed.settle, 2000 + n)));
      REQUIRE(Usd(settled["charged"]) == expected);
      spent += expected;

      // Recorded: /generation's total and its components.
      Json g = Parse(LedgerApply(ledger, router, {{"op", "generation"}, {"id", id}}))["data"];
      REQUIRE(g["total_cost"].get<double>() == switchyard::UsdNumber(expected));
      REQUIRE(g["native_tokens_cache_write_1h"] == c.write1h);
      REQUIRE(Usd(g["cost_components"]["charged"]) == expected);
      Picos parts = 0;
      for (const char* part : {"prompt", "cache_read", "cache_write", "cache_write_1h",
                               "completion", "reasoning", "request", "image"}) {
        parts += Usd(g["cost_components"][part]);
      }
      REQUIRE(parts == expected);
      const PriceSet& p = c.prompt() >= kTierMin ? tier[wire] : base[wire];
      REQUIRE(Usd(g["cost_components"]["cache_write_1h"]) == c.write1h * p.cache_write_1h);
    }
    // The balance moved by exactly the sum of what the clients were told.
    Json balance = Parse(LedgerApply(ledger, router, {{"op", "balance"}}));
    INFO(balance.dump());
    REQUIRE(Usd(balance["total_usage"]) == spent);
    sy_ledger_free(ledger);
    sy_router_free(router);
  }
  // The draws covered what the bug hid behind.
  REQUIRE(tiered > 20);
  REQUIRE(one_hour > 20);
}

TEST_CASE("the issue's example is charged $0.1041141") {
  // claude-sonnet-4.5 on Anthropic, streamed: input 76,688 (62,687 cache reads, 11,920 one-hour
  // writes), output 503, per million 3 / 0.3 read / 6 one-hour write / 15 output.
  PriceSet p{3'000'000, 15'000'000, 300'000, 3'750'000, 6'000'000, 15'000'000, 0};
  sy_router_t* router = RouterWith(p);
  Counts c;
  c.read = 62'687;
  c.write1h = 11'920;
  c.uncached = 76'688 - 62'687 - 11'920;
  c.output = 503;
  Run run = Streamed(router, 1, c, 1);
  REQUIRE(Usd(run.priced["cost"]["charged"]) == 104'114'100'000);  // $0.1041141
  const std::string key(64, 'b');
  sy_ledger_t* ledger = FundedLedger(router, key, "10");
  Reserve(ledger, router, key, "gen-x", 10, 76'688, 1);
  REQUIRE(run.reported == switchyard::UsdNumber(104'114'100'000));
  REQUIRE(run.settle["id"] == "gen-1");
  Json command = SettleCommand(run.settle, 20);
  command["id"] = "gen-x";
  Json settled = Parse(LedgerApply(ledger, router, command));
  REQUIRE(settled["charged"] == "0.1041141");
  Json g = Parse(LedgerApply(ledger, router, {{"op", "generation"}, {"id", "gen-x"}}))["data"];
  REQUIRE(g["total_cost"].get<double>() == switchyard::UsdNumber(104'114'100'000));
  REQUIRE(g["streamed"] == true);
  sy_ledger_free(ledger);
  sy_router_free(router);
}

TEST_CASE("settle refuses a priced usage that does not add up") {
  PriceSet p{1'000'000, 2'000'000, 100'000, 1'250'000, 2'000'000, 2'000'000, 0};
  sy_router_t* router = RouterWith(p);
  Counts c;
  c.uncached = 1000;
  c.output = 100;
  Run run = Buffered(router, 0, c, 1);
  const std::string key(64, 'c');
  sy_ledger_t* ledger = FundedLedger(router, key, "10");
  Reserve(ledger, router, key, "gen-y", 10, 1000, 0);
  struct Case {
    const char* what;
    void (*spoil)(Json* priced);
    const char* error;  // what the refusal names
  } cases[] = {
      {"charged above upstream", [](Json* p) { (*p)["cost"]["charged"] = "1"; }, "charged"},
      {"a negative component", [](Json* p) { (*p)["cost"]["completion"] = "-0.0001"; },
       "negative"},
      {"list not the sum", [](Json* p) { (*p)["cost"]["list"] = "0.5"; }, "list"},
      {"upstream above list", [](Json* p) { (*p)["cost"]["upstream"] = "0.5"; }, "upstream"},
      {"an amount missing", [](Json* p) { (*p)["cost"].erase("upstream_prompt"); },
       "cost.upstream_prompt"},
      {"an amount that is not a decimal", [](Json* p) { (*p)["cost"]["prompt"] = "cheap"; },
       "cost.prompt"},
      {"a negative tier", [](Json* p) { (*p)["tier_min_prompt_tokens"] = -1; },
       "tier_min_prompt_tokens"},
      {"a negative token count", [](Json* p) { (*p)["usage"]["cached_tokens"] = -5; },
       "cached_tokens"},
      {"no cost", [](Json* p) { p->erase("cost"); }, "priced.cost"},
      {"not an object", [](Json* p) { *p = Json("priced"); }, "priced"},
  };
  for (const Case& k : cases) {
    INFO(k.what);
    Json bad = run.priced;
    k.spoil(&bad);
    Json command = SettleCommand(run.settle, 20);
    command["id"] = "gen-y";
    command["priced"] = bad;
    std::string text = command.dump();
    REQUIRE(sy_ledger_apply(ledger, router, text.data(), text.size()) == SY_INVALID_ARGUMENT);
    size_t size = 0;
    const char* out = sy_ledger_result(ledger, &size);
    std::string error = Text(out, size);
    INFO(error);
    REQUIRE(error.find(k.error) != std::string::npos);
  }
  // The good one still settles, once.
  Json good = SettleCommand(run.settle, 20);
  good["id"] = "gen-y";
  Json ok = Parse(LedgerApply(ledger, router, good));
  REQUIRE(ok["charged"] == run.priced["cost"]["charged"]);
  sy_ledger_free(ledger);
  sy_router_free(router);
}
