/**
 * The API contract's types, in one import for the renderer. Only types cross
 * from electron/api (docs/architecture.md §2, docs/conventions.md item 3): the lint allows nothing
 * else from electron/, and `export type` keeps the bundle free of engine code.
 */
export type * from '../../../electron/api/contract.ts';
