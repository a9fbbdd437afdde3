// Loads the shared Rust code (screen decoder, code and input helpers, the
// end-to-end layer) built to WebAssembly, once per page, and hands out its
// memory so the viewer can draw straight from the decoder's picture without
// copying it.
import init from './wasm/deskmate_wasm.js';

let ready: Promise<WebAssembly.Memory> | null = null;

/** Starts loading (idempotent); resolves with the module's memory. */
export function loadWasm(): Promise<WebAssembly.Memory> {
  ready ??= init().then((exports) => exports.memory);
  return ready;
}

export {
  ScreenDecoder,
  normalize_code,
  format_code,
  decode_cursor,
  keysym_for_key,
  input_frame,
  pointer_frame,
  E2eSession,
  secret_part,
} from './wasm/deskmate_wasm.js';

/** A cursor frame's payload as decode_cursor returns it. */
export type CursorUpdate =
  | { kind: 'position'; x: number; y: number }
  | { kind: 'shape'; width: number; height: number; hot_x: number; hot_y: number; rgba: Uint8ClampedArray };

/** First byte of binary data frames (deskmate-proto frame.rs). */
export const CHANNEL = { screen: 1, input: 2, pointer: 3, cursor: 4 } as const;
