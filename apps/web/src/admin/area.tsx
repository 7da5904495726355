import { Route, Switch } from 'wouter';
import { isPlatformAdmin, useMe } from '../api/session';
import { NotFound } from '../ui/not-found';
import { Forbidden } from './forbidden';
import { ProvidersPage } from './providers-page';
import { UsersPage } from './users-page';
import { TeamsPage } from './teams-page';
import { TeamPage } from './team-page';
import { AuditPage } from './audit-page';

/**
 * The admin console, at `/admin` (its analytics page is another area's, registered before this one). Only
 * platform admins get past the first line; the portal refuses everyone else's calls too, but nobody else
 * should even see an empty admin page.
 */
export default function AdminArea() {
  const me = useMe();
  if (!isPlatformAdmin(me.data)) return <Forbidden />;
  return (
    <Switch>
      <Route path="/providers" component={ProvidersPage} />
      <Route path="/users" component={UsersPage} />
      <Route path="/teams" component={TeamsPage} />
      <Route path="/teams/:teamId" component={TeamPage} />
      <Route path="/audit" component={AuditPage} />
      <Route component={NotFound} />
    </Switch>
  );
}
