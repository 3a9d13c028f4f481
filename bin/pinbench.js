#!/usr/bin/env node
// Entry point. pinbench runs its TypeScript sources directly with Node's type stripping
// (Node >= 22.18). `npm start`, `npm test` and `npx pinbench` use the Node 24 that the `node`
// devDependency puts first on PATH, so a machine with an older system Node still works there.
import { WASM_WRAPPER_FLAG } from './v8-flags.js';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `pinbench needs Node >= 22.18 (this is ${process.version}). Run it through npm ` +
      '(`npm start`, `npx pinbench ...`) to use the Node 24 the project pins, or install a newer Node.\n',
  );
  process.exit(2);
}
// V8 in Node 24.9 shares its compiled wasm-to-JS call wrappers between threads, and a test
// process running PGlite's wasm beside worker threads (whose type stripping is wasm too) was
// aborted in one: `Check failed: jit_page_->allocations_.erase(addr) == 1` under
// Runtime_TierUpWasmToJSWrapper. Never tiering those wrappers up keeps that path unused (a plain
// `pinbench runs` tiers up 15 of them); a run of the corpus cost the same CPU with it. Set before
// any wasm is instantiated, and process-wide, so worker threads have it too. Test processes set it
// in test/support/v8-flags.setup.ts.
const { setFlagsFromString } = await import('node:v8');
setFlagsFromString(WASM_WRAPPER_FLAG);
// `pinbench runs --json | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
// Node's compile cache keeps each module's type-stripped, compiled code between runs: a command
// loads its modules in about a third of the time. It lives in pinbench's cache directory
// (`$PINBENCH_CACHE`, else `$XDG_CACHE_HOME/pinbench` or `~/.cache/pinbench`), not in the temp
// directory, which belongs to the temporary files a command cleans up. Worker threads get it
// through the environment.
const { enableCompileCache } = await import('node:module');
const { homedir } = await import('node:os');
const { join } = await import('node:path');
const cacheRoot =
  process.env.PINBENCH_CACHE ||
  (process.env.XDG_CACHE_HOME
    ? join(process.env.XDG_CACHE_HOME, 'pinbench')
    : join(homedir(), '.cache', 'pinbench'));
const cache = enableCompileCache?.(join(cacheRoot, 'node-compile-cache'));
if (cache?.directory && process.env.NODE_COMPILE_CACHE === undefined)
  process.env.NODE_COMPILE_CACHE = cache.directory;
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
// Every command has finished its work here. Whatever still holds the event loop open (a database
// engine that failed half-way through starting, a socket a failed download left) must not keep
// the process from exiting: give it a moment to wind down, then exit with the command's code.
setTimeout(() => process.exit(process.exitCode), 2000).unref();
