/** The types of bin/v8-flags.js, for the test setup. */
export declare const WASM_WRAPPER_FLAG: string;
