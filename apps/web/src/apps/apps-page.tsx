import { Link, useLocation } from 'wouter';
import { useMyApps } from '../api/apps';
import { Page } from '../ui/page';
import { DataState } from '../ui/states';
import { CreateAppForm } from '../ui/create-app-form';
import { when } from './format';
import { Table } from '../ui/table';

/** The apps of every team I am in, and a form to make another. */
export function AppsPage() {
  const mine = useMyApps();
  const [, navigate] = useLocation();
  return (
    <Page title="My apps" lead="Apps hold the keys your code calls the gateway with, and the subscriptions that let those calls through.">
      <div className="apps-layout">
        <section aria-labelledby="apps-list-heading">
          <h2 id="apps-list-heading">Apps</h2>
          <DataState query={mine} what="your apps" isEmpty={(d) => d.apps.length === 0} empty="You have no app yet. Create one to get a key.">
            {(d) => (
              <Table caption="Your teams’ apps" columns={['App', 'Team', 'Created']}>
                {d.apps.map(({ app, team }) => (
                  <tr key={app.id}>
                    <td>
                      <Link href={`/${app.id}`}>{app.name}</Link>
                      {app.description ? <div className="muted">{app.description}</div> : null}
                    </td>
                    <td>{team.name}</td>
                    <td>{when(app.createdAt)}</td>
                  </tr>
                ))}
              </Table>
            )}
          </DataState>
        </section>
        <section aria-labelledby="create-app-heading" className="card">
          <h2 id="create-app-heading">Create an app</h2>
          <DataState query={mine} what="your teams">
            {(d) => <CreateAppForm teams={d.teams} onCreated={(app) => navigate(`/${app.id}`)} />}
          </DataState>
        </section>
      </div>
    </Page>
  );
}
