import { Link } from 'wouter';
import { Page } from './page';

/** What every area shows for an address it has no page for. */
export function NotFound() {
  return (
    <Page title="Page not found">
      <p>
        There is no page at this address. <Link href="~/">Go to the catalogue</Link>.
      </p>
    </Page>
  );
}
