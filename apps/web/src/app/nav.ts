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
    items: [{ href: '/', label: 'Catalogue' }, { href: '/apps', label: 'My apps' }, { href: '/usage', label: 'Usage' }, { href: '/logs', label: 'Call logs' }],
  },
  {
    label: 'Publisher console',
    shows: (me) => isPlatformAdmin(me) || adminTeamIds(me).length > 0,
    items: [
      { href: '/publish/services', label: 'My services' },
      { href: '/queue', label: 'Approval queue' },
      { href: '/prompts', label: 'Prompts' },
      { href: '/team/webhooks', label: 'Webhooks' },
      { href: '/team/audit', label: 'Audit log' },
    ],
  },
  {
    label: 'Admin console',
    shows: isPlatformAdmin,
    items: [
      { href: '/admin/analytics', label: 'Analytics' },
      { href: '/admin/providers', label: 'Providers' },
      { href: '/admin/users', label: 'Users' },
      { href: '/admin/teams', label: 'Teams' },
      { href: '/admin/audit', label: 'Platform audit log' },
    ],
  },
];
