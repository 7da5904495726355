import { z } from 'zod';
import { maxRedactRules, redactRuleProblem } from '@tollgate/domain';
import type { ServiceRow } from '../access/load';

const redactRuleSchema = z.string().superRefine((rule, ctx) => {
  const problem = redactRuleProblem(rule);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * A service's body capture: on or off, and the fields redacted before a body leaves the gateway. Either may be
 * sent alone; the other keeps its value. An operational switch, not part of a release: the next snapshot
 * carries it (ADR 0014).
 */
export const captureSchema = z
  .object({
    bodies: z.boolean(),
    redact: z
      .array(redactRuleSchema)
      .max(maxRedactRules)
      .transform((rules) => [...new Set(rules)]),
  })
  .partial()
  .strict()
  .refine((o) => Object.keys(o).length > 0, 'send bodies, redact or both');

export type CaptureChange = z.infer<typeof captureSchema>;

export const captureSetting = (s: Pick<ServiceRow, 'captureBodies' | 'captureRedact'>) => ({ bodies: s.captureBodies, redact: s.captureRedact });

/** The columns a capture change writes. */
export const captureColumns = (change: CaptureChange | undefined) => ({
  ...(change?.bodies !== undefined ? { captureBodies: change.bodies } : {}),
  ...(change?.redact !== undefined ? { captureRedact: change.redact } : {}),
});
