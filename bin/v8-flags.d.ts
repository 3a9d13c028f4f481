/** The types of bin/v8-flags.js, for vitest.config.ts. */
export declare const WASM_WRAPPER_FLAG: string;
