import type { Context } from 'hono';
import type { z } from 'zod';
import { badRequest } from './errors';
import { readJson } from './validate';

/**
 * For actions whose body is optional (approve without a reason, cancel): a request with no body and no
 * content type reads as `{}`; anything else goes through the strict `readJson`, so a wrong content type is
 * still a 415 and a bad field still a 400 naming it.
 */
export async function readOptionalJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  if (!c.req.header('content-type') && (await c.req.text()).trim() === '') {
    const parsed = schema.safeParse({});
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      throw badRequest(`Send a JSON body: ${fields}`);
    }
    return parsed.data;
  }
  return readJson(c, schema);
}
