/**
 * The portal API's request and response types, for the web app's typed client (`apps/web/src/api`). Inferred
 * from the routes' own view functions and schemas, never copied: change a view and the web app's typecheck
 * shows every page it breaks. Import these with `import type` only, so no portal code reaches a browser.
 */
import type { meView } from './auth/routes';
import type { serviceView } from './services/views';
import type { planView } from './plans/routes';
import type { teamView } from './teams/routes';

export type { ApiErrorBody, FieldIssue } from './http/errors';

export type Me = ReturnType<typeof meView>;
export type TeamRole = Me['teams'][number]['role'];
/** A service as the catalogue lists it (its own team also sees `capture`). */
export type Service = ReturnType<typeof serviceView> & { capture?: unknown };
export type Plan = ReturnType<typeof planView>;
export type Team = ReturnType<typeof teamView>;
