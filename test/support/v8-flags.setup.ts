// Test processes set the V8 flag the CLI sets for itself (bin/pinbench.js says why) before any test
// loads PGlite or starts a worker. Through setFlagsFromString, not execArgv: pinbench hands its
// execArgv on to worker threads, and a Worker refuses V8 flags there.
import { setFlagsFromString } from 'node:v8';
import { WASM_WRAPPER_FLAG } from '../../bin/v8-flags.js';

setFlagsFromString(WASM_WRAPPER_FLAG);
