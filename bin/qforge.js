#!/usr/bin/env node
// The installed `qforge` command: runs the compiled CLI in dist/ (built by `npm run build`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(`qforge: ${decodeURIComponent(main.pathname)} is missing; run npm run build (or bash scripts/setup.sh) first\n`);
  process.exit(1);
}
const { main: run, exitQuietlyOnClosedPipe } = await import(main.href);
exitQuietlyOnClosedPipe();
process.exitCode = await run(process.argv.slice(2));
