/**
 * `vellum/client`: the TypeScript SDK. `ImmutableLogger` for leveled,
 * batched, verifiable logging; `VellumClient` for the rest of the API.
 */
export { VellumApiError } from './http.js';
export { ImmutableLogger, type ImmutableLoggerOptions } from './immutable-logger.js';
export { type ResumableUploadOptions, sha256File, uploadResumable } from './resumable-upload.js';
export type * from './types.js';
export { VellumClient, type VerifyResult, type Wait } from './vellum-client.js';
