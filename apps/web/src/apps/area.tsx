import { Route, Switch } from 'wouter';
import { NotFound } from '../ui/not-found';
import { AppsPage } from './apps-page';
import { AppPage } from './app-page';

/** My apps, at `/apps`: the list of my teams' apps, and each app's keys, credentials and subscriptions. */
export default function AppsArea() {
  return (
    <Switch>
      <Route path="/" component={AppsPage} />
      <Route path="/:id" component={AppPage} />
      <Route component={NotFound} />
    </Switch>
  );
}
