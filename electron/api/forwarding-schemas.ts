/**
 * Boundary validation of the forwarding commands (forwarding-contract.ts),
 * built from schemas.ts's field schemas (passed in, so the two files do not
 * import each other). A target is a dial string (a number or an address);
 * the phone resolves it with the account's domain and refuses one of our own
 * addresses (a loop).
 */
import { z } from './zod.ts';
import { FORWARD_METHODS, NO_ANSWER_MAX_S, NO_ANSWER_MIN_S, type ForwardingCommands } from './forwarding-contract.ts';

export interface ForwardingFieldSchemas {
  idSchema: z.ZodString;
  dialTargetSchema: z.ZodType<string>;
}

/** One rule (the API's params and the phone's stored setting alike). */
export function forwardingRuleSchema(dialTargetSchema: z.ZodType<string>) {
  const target = dialTargetSchema.nullable();
  return z.strictObject({
    always: target,
    busy: target,
    noAnswer: target,
    noAnswerAfterS: z.int().min(NO_ANSWER_MIN_S, `is under ${NO_ANSWER_MIN_S} s`).max(NO_ANSWER_MAX_S, `is over ${NO_ANSWER_MAX_S} s`),
    method: z.enum(FORWARD_METHODS),
  });
}

/** Functions that build each command's schema (schemas.ts builds them at first use). */
export function forwardingSchemas(f: ForwardingFieldSchemas) {
  return {
    'forwarding.get': () => z.strictObject({}),
    'forwarding.set': () => z.strictObject({ accountId: f.idSchema.optional(), rule: forwardingRuleSchema(f.dialTargetSchema).nullable() }),
  } satisfies { [N in keyof ForwardingCommands]: () => z.ZodType<ForwardingCommands[N]['params']> };
}
