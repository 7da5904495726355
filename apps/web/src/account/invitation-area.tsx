import { Route, Switch } from 'wouter';
import { NotFound } from '../ui/not-found';
import { InvitationPage } from './invitation-page';

/** Invitation links, at `/invitations/:token`: the one area a signed-out person can open. */
export default function InvitationArea() {
  return (
    <Switch>
      <Route path="/:token" component={InvitationPage} />
      <Route component={NotFound} />
    </Switch>
  );
}
