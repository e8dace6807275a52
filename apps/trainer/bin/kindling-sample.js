#!/usr/bin/env node
// Committed rather than dist/sample-cli.js for the same reason as kindling-train.js: installing the
// workspace links bins before anything is built.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/sample-cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error(`kindling-sample: ${cli.pathname} is not built yet; run \`pnpm build\` (or \`pnpm --filter @kindling/trainer... build\`) first`);
  process.exit(1);
}
await import(cli.href);
