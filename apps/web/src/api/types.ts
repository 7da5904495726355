// The portal's own response and request types (inferred from its views and schemas): type-only, never bundled.
export type * from '@tollgate/portal/api-types';
