import { Route, Switch } from 'wouter';
import { NotFound } from '../ui/not-found';
import { QueuePage } from './queue-page';
import { SubscribersPage } from './subscribers-page';

/** The approval queue at `/queue` and the subscribers of the user's services at `/queue/subscribers`. */
export default function QueueArea() {
  return (
    <Switch>
      <Route path="/" component={QueuePage} />
      <Route path="/subscribers" component={SubscribersPage} />
      <Route component={NotFound} />
    </Switch>
  );
}
