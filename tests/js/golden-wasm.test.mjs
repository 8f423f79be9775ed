// Golden plans through the C ABI: every tests/fixtures/plans/*.json (format at the top of
// tests/core/routing/planner_golden_test.cpp) gives the expected plan, or error body, in BOTH wasm
// builds; the native Catch2 suite checks the same files, so all three builds agree.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { SwitchyardError } from '../../js/src/binding.js';
import { BUILDS, ROOT, missing } from './wasm-builds.mjs';

const DIR = join(ROOT, 'tests/fixtures/plans');
const FIXTURES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()
  .map((file) => ({ file, ...JSON.parse(readFileSync(join(DIR, file), 'utf8')) }));

// A minimal successful upstream answer in the provider's wire format.
function successBody(wire) {
  switch (wire) {
    case 'anthropic':
      return { id: 'msg_1', type: 'message', role: 'assistant', model: 'x', content: [{ type: 'text', text: 'ok' }],
        stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } };
    case 'gemini':
      return { candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 } };
    default:
      return { id: 'c1', object: 'chat.completion', created: 1, model: 'x',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
  }
}

// Prior successes ("stickiness") are replayed the way a host produces them: a session at that
// time whose attempt on that endpoint succeeds (the attempts before it report no key, which
// Health does not hear of).
function replayStickiness(router, fixture) {
  for (const record of fixture.stickiness ?? []) {
    const session = router.session({ ...fixture.input, now_ms: record.now_ms });
    try {
      assert.equal(session.plan.sticky_key, record.sticky_key, `${fixture.file}: sticky key differs`);
      const index = session.plan.attempts.findIndex((a) => a.endpoint === record.endpoint);
      assert.ok(index >= 0, `${fixture.file}: endpoint ${record.endpoint} is not among the attempts at ${record.now_ms}`);
      for (;;) {
        const step = session.next({ now_ms: record.now_ms });
        assert.equal(step.step, 'attempt', `${fixture.file}: no attempt reached endpoint ${record.endpoint}`);
        if (step.index !== index) {
          session.respond({ failure: 'unavailable', now_ms: record.now_ms }, '');
          continue;
        }
        const provider = fixture.catalog === 'default' ? null
          : fixture.catalog.providers.find((p) => p.slug === step.provider);
        const outcome = session.respond({ status: 200, headers: { 'content-type': 'application/json' }, now_ms: record.now_ms },
          JSON.stringify(successBody(provider?.wire ?? 'openai')));
        assert.equal(outcome.outcome, 'done', `${fixture.file}: the replayed success was ${JSON.stringify(outcome)}`);
        break;
      }
    } finally {
      session.free();
    }
  }
}

function run(sy, fixture) {
  const router = new sy.Router(fixture.catalog === 'default' ? {} : { catalog: fixture.catalog });
  try {
    for (const event of fixture.health_events ?? []) router.observe(event);
    replayStickiness(router, fixture);
    let plan;
    try {
      plan = router.plan(fixture.input);
    } catch (e) {
      if (e instanceof SwitchyardError) return e.toJSON();
      throw e;
    }
    const result = plan.result;
    plan.free();
    return result;
  } finally {
    router.free();
  }
}

test('there are golden plan fixtures', () => {
  assert.ok(FIXTURES.length >= 12, `only ${FIXTURES.length} fixtures in tests/fixtures/plans`);
});

for (const build of BUILDS) {
  describe(build.name, () => {
    const why = missing(build);
    if (why) {
      test('build present', () => assert.fail(why));
      return;
    }
    let sy;
    for (const fixture of FIXTURES) {
      test(`${fixture.file}: ${fixture.name ?? ''}`, async () => {
        if (!sy || sy.broken) sy = await build.load();  // one trap must not fail the rest
        assert.deepStrictEqual(run(sy, fixture), fixture.expected);
      });
    }
  });
}
