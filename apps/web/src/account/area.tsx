import { Route, Switch } from 'wouter';
import { NotFound } from '../ui/not-found';
import { AccountPage } from './account-page';

/** The signed-in person's own account, at `/account`. */
export default function AccountArea() {
  return (
    <Switch>
      <Route path="/" component={AccountPage} />
      <Route component={NotFound} />
    </Switch>
  );
}
