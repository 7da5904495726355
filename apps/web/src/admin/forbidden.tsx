import { Link } from 'wouter';
import { Page } from '../ui/page';

/** What someone who is not a platform admin sees at an admin address: no data, and where to go instead. */
export function Forbidden() {
  return (
    <Page title="You cannot open this page">
      <p>
        The admin console is for platform admins; your account is not one. Ask a platform admin if you need access. <Link href="~/">Go to the catalogue</Link>.
      </p>
    </Page>
  );
}
