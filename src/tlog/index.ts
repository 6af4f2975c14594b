/**
 * `vellum/tlog`: pure, synchronous, browser-safe primitives of a C2SP
 * tlog-tiles transparency log. No I/O, no clock.
 */

export * from './base64.js';
export * from './bundle.js';
export * from './checkpoint.js';
export * from './cosignature.js';
export * from './errors.js';
export * from './hash.js';
export * from './merkle.js';
export * from './note.js';
export * from './numbers.js';
export * from './proof.js';
export * from './receipt.js';
export * from './tile.js';
export * from './tile-builder.js';
export * from './witness.js';
