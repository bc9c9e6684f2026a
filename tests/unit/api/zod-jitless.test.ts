/**
 * Our schemas never compile a parser of their own with `new Function`
 * (electron/api/zod.ts turns zod's JIT off before any schema is built: the
 * compile cost start-up time, and eval does not belong in the main process).
 * Fails if a schema module imports 'zod' directly and is built first, or if
 * the setting is lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('parsing commands, an account and stored rows builds no function from source', async () => {
  const made: string[] = [];
  const RealFunction = Function;
  globalThis.Function = new Proxy(RealFunction, {
    construct(target, args: unknown[]) {
      made.push(String(args.at(-1)).slice(0, 80));
      return Reflect.construct(target, args) as object;
    },
    apply(target, self, args: unknown[]) {
      made.push(String(args.at(-1)).slice(0, 80));
      return Reflect.apply(target, self, args) as unknown;
    },
  });
  try {
    // Loaded only now, after the trap is set: the modules that build schemas at load are checked too.
    const { COMMAND_SCHEMAS } = await import('../../../electron/api/schemas.ts');
    const { ACCOUNT_DEFAULTS, accountSettingsSchema } = await import('../../../electron/phone/account.ts');
    const ok = [
      COMMAND_SCHEMAS['call.dial'].safeParse({ target: 'sip:bob@example.com' }),
      COMMAND_SCHEMAS['accounts.add'].safeParse({ aor: 'sip:alice@example.com', password: 'x' }),
      COMMAND_SCHEMAS['call.hangup'].safeParse({ callId: 'c1' }),
    ];
    assert.deepEqual(ok.map((r) => r.success), [true, true, true]);
    assert.equal(COMMAND_SCHEMAS['call.dial'].safeParse({ target: 42 }).success, false);
    assert.equal(accountSettingsSchema.safeParse({ aor: 'sip:alice@example.com' }).success, false); // the other fields are required
    assert.equal(accountSettingsSchema.safeParse({ ...ACCOUNT_DEFAULTS, aor: 'sip:alice@example.com' }).success, true);
    assert.deepEqual(made, []);
  } finally {
    globalThis.Function = RealFunction;
  }
});
