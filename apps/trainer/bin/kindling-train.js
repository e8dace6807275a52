#!/usr/bin/env node
// The package's bin is this committed file rather than dist/cli.js so that installing the
// workspace, which links bins before anything is built, always finds the file it links.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error(`kindling-train: ${cli.pathname} is not built yet; run \`pnpm build\` (or \`pnpm --filter @kindling/trainer... build\`) first`);
  process.exit(1);
}
await import(cli.href);
