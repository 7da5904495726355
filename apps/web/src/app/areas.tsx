import { lazy } from 'react';

/**
 * Each area of the web app is its own chunk, loaded when one of its pages is first opened, so the first page
 * carries only the shell and the catalogue. An area's default export is a component with its own <Switch>,
 * its paths relative to `path` (wouter nests them), ending in <NotFound />. The catalogue owns `/` and
 * `/services/...`, and comes last: it is nested at `/`, so it catches every address no other area took.
 */
export const areas = [
  { path: '/publish', component: lazy(() => import('../publisher/area')) },
  { path: '/apps', component: lazy(() => import('../apps/area')) },
  { path: '/queue', component: lazy(() => import('../queue/area')) },
  { path: '/prompts', component: lazy(() => import('../prompts/area')) },
  { path: '/team', component: lazy(() => import('../team/area')) },
  { path: '/usage', component: lazy(() => import('../usage/area')) },
  { path: '/logs', component: lazy(() => import('../logs/area')) },
  // Before any `/admin` entry: the first nested match wins, and the admin area would take this address.
  { path: '/admin/analytics', component: lazy(() => import('../analytics/area')) },
  // After /admin/analytics (see above): the admin console takes the rest of /admin.
  { path: '/admin', component: lazy(() => import('../admin/area')) },
  { path: '/account', component: lazy(() => import('../account/area')) },
  { path: '/invitations', component: lazy(() => import('../account/invitation-area')) },
  { path: '/', component: lazy(() => import('../catalogue/area')) },
];
