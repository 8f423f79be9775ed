#!/usr/bin/env node
// Runs the sandbox provider fleet until SIGINT/SIGTERM.
//   node tests/sandbox/cli.mjs [--port 8790] [--host 127.0.0.1] [--config providers.json] [--no-record]
// Prints the base URL on stdout (one line), e.g. http://127.0.0.1:8790
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startFleet } from './fleet.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.SANDBOX_PORT ?? '8790' },
    host: { type: 'string', default: process.env.SANDBOX_HOST ?? '127.0.0.1' },
    config: { type: 'string' },
    'no-record': { type: 'boolean', default: false },
    'max-records': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write(
    'usage: node tests/sandbox/cli.mjs [--port N] [--host H] [--config file.json] [--no-record] [--max-records N]\n' +
      '  --config: JSON {"providers": {"<slug>": {ttft_ms, tokens_per_sec, reply_tokens, cached_tokens, fault}}, "defaults": {...}}\n',
  );
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`sandbox: invalid --port ${values.port}\n`);
  process.exit(2);
}

let fileCfg = {};
if (values.config) fileCfg = JSON.parse(await readFile(values.config, 'utf8'));

let fleet;
try {
  fleet = await startFleet({
    port,
    host: values.host,
    providers: fileCfg.providers,
    defaults: fileCfg.defaults,
    record: !values['no-record'],
    maxRecords: values['max-records'] ? Number(values['max-records']) : undefined,
  });
} catch (e) {
  process.stderr.write(`sandbox: cannot listen on ${values.host}:${port}: ${e.message}\n`);
  process.exit(1);
}
process.stdout.write(fleet.url + '\n');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await fleet.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
