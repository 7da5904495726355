import { lazy } from 'react';

/**
 * Each area of the web app is its own chunk, loaded when one of its pages is first opened, so the first page
 * carries only the shell and the catalogue. An area's default export is a component with its own <Switch>,
 * its paths relative to `path` (wouter nests them), ending in <NotFound />. The catalogue owns `/` and
 * `/services/...`, and comes last: it is nested at `/`, so it catches every address no other area took.
 */
export const areas = [
  { path: '/', component: lazy(() => import('../catalogue/area')) },
];
