/**
 * The only runtime globals the portable core may use beyond ECMAScript: present in Node, Electron's
 * renderer and every browser. `tsconfig.portable.json` typechecks the core against these alone, so
 * a stray Buffer, process, window or document is a type error.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
