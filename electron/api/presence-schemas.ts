/**
 * Boundary validation of the presence, watched-line and voicemail commands
 * (presence-contract.ts), built from schemas.ts's field schemas (passed in,
 * so the two files do not import each other). Notes are free text shown to
 * other people: bounded, no control or invisible (bidi) characters.
 */
import { z } from './zod.ts';
import { PRESENCE_STATUSES, WATCHER_DECISIONS } from './presence-contract.ts';

/** The longest note we publish (PIDF <note>): a status line, not a letter. */
export const MAX_NOTE_CHARS = 200;

/** Controls and invisible format characters (bidi overrides, zero-width): a note must read as it looks. */
const NOT_IN_NOTE = /[\p{Cc}\p{Cf}]/u;

export interface FieldSchemas {
  idSchema: z.ZodString;
  sipUriSchema: z.ZodType<string>;
  dialTargetSchema: z.ZodType<string>;
}

/** Functions that build each command's schema (schemas.ts builds them at first use). */
export function presenceSchemas(f: FieldSchemas) {
  const noParams = () => z.strictObject({});
  const note = () =>
    z
      .string()
      .trim()
      .max(MAX_NOTE_CHARS, `is longer than ${MAX_NOTE_CHARS} characters`)
      .refine((s) => !NOT_IN_NOTE.test(s), 'contains a control or invisible character');
  return {
    'presence.set': () => z.strictObject({ status: z.enum(PRESENCE_STATUSES), note: note().nullable().optional() }),
    'presence.get': noParams,
    'presence.activity': () => z.strictObject({ idleSeconds: z.number().min(0).max(31 * 86_400) }),
    'watch.add': () => z.strictObject({
      target: f.dialTargetSchema,
      accountId: f.idSchema.optional(),
      presence: z.boolean().optional(),
      line: z.boolean().optional(),
    }).refine((p) => p.presence !== false || p.line !== false, 'watches nothing (presence and line both false)'),
    'watch.remove': () => z.strictObject({ id: f.idSchema }),
    'watch.list': noParams,
    'watch.pickup': () => z.strictObject({ id: f.idSchema, dialogId: f.idSchema.optional() }),
    'watchers.list': noParams,
    'watchers.decide': () => z.strictObject({ accountId: f.idSchema, watcher: f.sipUriSchema, decision: z.enum(WATCHER_DECISIONS) }),
    'mwi.list': noParams,
    'mwi.dial': () => z.strictObject({ accountId: f.idSchema }),
  };
}
