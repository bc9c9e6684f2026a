/**
 * Boundary validation of the `globalShortcuts` setting (global-shortcuts.ts):
 * the same accelerator and conflict checks as the settings form, each
 * problem reported on its field's path (`globalShortcuts.answer`), and the
 * accelerators stored the one way ("ctrl+alt+a" → "Ctrl+Alt+A").
 */
import { z } from './zod.ts';
import { GLOBAL_SHORTCUT_ACTIONS, globalShortcutProblems, normalizeGlobalShortcuts, type GlobalShortcuts } from './global-shortcuts.ts';

const accelerator = z.string().max(64, 'is longer than 64 characters');

export const globalShortcutsSchema: z.ZodType<GlobalShortcuts> = z
  .strictObject({ mediaKeys: z.boolean(), answer: accelerator, hangup: accelerator, mute: accelerator, hold: accelerator, show: accelerator })
  .superRefine((value, ctx) => {
    const problems = globalShortcutProblems(value);
    for (const action of GLOBAL_SHORTCUT_ACTIONS) {
      const problem = problems[action];
      if (problem) ctx.addIssue({ code: 'custom', path: [action], message: problem });
    }
  })
  .transform(normalizeGlobalShortcuts);
