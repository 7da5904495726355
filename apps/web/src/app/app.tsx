import { Suspense } from 'react';
import { Route, Switch, useLocation } from 'wouter';
import { useMe } from '../api/session';
import { ErrorNote } from '../ui/states';
import { SignInPage } from '../auth/sign-in';
import { Shell } from './shell';
import { areas } from './areas';

/** Pages anyone may open signed out (an invitation link); everything else needs a session. */
const publicPaths = [/^\/invitations\//];

export function App() {
  const me = useMe();
  const [location] = useLocation();
  if (me.isPending) return <p className="muted boot" role="status">Loading Tollgate…</p>;
  if (me.isError) return <main className="boot"><ErrorNote error={me.error} title="Tollgate could not start" /></main>;
  const signedOut = me.data === null;
  if (signedOut && !publicPaths.some((p) => p.test(location))) return <SignInPage />;
  const pages = (
    <Suspense fallback={<p className="muted" role="status">Loading page…</p>}>
      <Switch>
        {areas.map((a) => (
          <Route key={a.path} path={a.path} nest component={a.component} />
        ))}
      </Switch>
    </Suspense>
  );
  return signedOut ? <main className="boot">{pages}</main> : <Shell me={me.data!}>{pages}</Shell>;
}
