import { Route, Switch } from 'wouter';
import { NotFound } from '../ui/not-found';
import { ServicesPage } from './services-page';
import { ServiceConsole } from './service-console';

/** The publisher console, at `/publish`: my team's services, and one service's console with a tab per concern. */
export default function PublisherArea() {
  return (
    <Switch>
      <Route path="/services" component={ServicesPage} />
      <Route path="/services/:id/:tab?" component={ServiceConsole} />
      <Route component={NotFound} />
    </Switch>
  );
}
