import { Route, Switch } from 'wouter';
import { NotFound } from '../ui/not-found';
import { WebhooksPage } from './webhooks-page';
import { AuditPage } from './audit-page';

/** A team's own settings for admins: its webhooks at `/team/webhooks`, its audit log at `/team/audit`. */
export default function TeamArea() {
  return (
    <Switch>
      <Route path="/webhooks" component={WebhooksPage} />
      <Route path="/audit" component={AuditPage} />
      <Route component={NotFound} />
    </Switch>
  );
}
