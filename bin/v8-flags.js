// V8 flags pinbench runs with, in the CLI (bin/pinbench.js) and in test processes
// (test/support/v8-flags.setup.ts). Plain JavaScript, so that it is read before any TypeScript is loaded.

/** Wasm-to-JS call wrappers are never tiered up: see bin/pinbench.js. */
export const WASM_WRAPPER_FLAG = '--wasm-wrapper-tiering-budget=1000000000';
