import { z } from 'zod';
import { isId, type Id, type IdKind } from '@tollgate/domain';

/** An id in a body or query: a malformed one is a 400 naming the field, and the parsed value is typed. */
export const idSchema = <K extends IdKind>(kind: K) =>
  z.custom<Id<K>>((v) => typeof v === 'string' && isId(kind, v), `not a valid ${kind} id`);
