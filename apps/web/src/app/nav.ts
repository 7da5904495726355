import type { Me } from '../api/types';
import { adminTeamIds, isPlatformAdmin } from '../api/session';

export interface NavItem {
  href: string;
  label: string;
}

export interface NavSection {
  label: string;
  /** Whether the signed-in user has any use for the section (the portal still checks every call). */
  shows: (me: Me) => boolean;
  items: NavItem[];
}

/** The sidebar: one entry per page an area serves (see ./areas.tsx for where each area's pages live). */
export const navSections: NavSection[] = [
  {
    label: 'Developer portal',
    shows: () => true,
    items: [{ href: '/', label: 'Catalogue' }],
  },
  {
    label: 'Publisher console',
    shows: (me) => isPlatformAdmin(me) || adminTeamIds(me).length > 0,
    items: [],
  },
  {
    label: 'Admin console',
    shows: isPlatformAdmin,
    items: [],
  },
];
