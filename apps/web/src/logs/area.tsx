import { Route, Switch } from 'wouter';
import { NotFound } from '../ui/not-found';
import { LogsPage } from './logs-page';
import { RecordPage } from './record-page';

/** The call log explorer at /logs, and one record at /logs/:recordId. */
export default function LogsArea() {
  return (
    <Switch>
      <Route path="/" component={LogsPage} />
      <Route path="/:recordId" component={RecordPage} />
      <Route component={NotFound} />
    </Switch>
  );
}
