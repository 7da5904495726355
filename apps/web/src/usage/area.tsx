import { Route, Switch } from 'wouter';
import { NotFound } from '../ui/not-found';
import { UsagePage } from './usage-page';

/** Usage of my apps, at /usage. */
export default function UsageArea() {
  return (
    <Switch>
      <Route path="/" component={UsagePage} />
      <Route component={NotFound} />
    </Switch>
  );
}
