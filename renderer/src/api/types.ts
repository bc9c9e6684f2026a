/**
 * The API contract's types, in one import for the renderer. Only types cross
 * from electron/api (DESIGN.md §2, STYLE.md item 3): the lint allows nothing
 * else from electron/, and `export type` keeps the bundle free of engine code.
 */
export type * from '../../../electron/api/contract.ts';
