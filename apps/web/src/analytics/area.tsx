import { Route, Switch } from 'wouter';
import { isPlatformAdmin, useMe } from '../api/session';
import { NotFound } from '../ui/not-found';
// The admin console's own "not for you" page, so every admin address refuses in the same words.
import { Forbidden } from '../admin/forbidden';
import { AnalyticsPage } from './analytics-page';

/**
 * The platform's analytics, at /admin/analytics. Only platform admins: the API would answer anyone else with
 * their own traffic, but this page is the admin's view of the whole platform and says so rather than show less.
 */
export default function AnalyticsArea() {
  const me = useMe();
  if (!isPlatformAdmin(me.data)) return <Forbidden />;
  return (
    <Switch>
      <Route path="/" component={AnalyticsPage} />
      <Route component={NotFound} />
    </Switch>
  );
}
