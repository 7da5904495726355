import { Route, Switch } from 'wouter';
import { NotFound } from '../ui/not-found';
import { CataloguePage } from './catalogue-page';

/** The developer portal's front: the catalogue at `/`. */
export default function CatalogueArea() {
  return (
    <Switch>
      <Route path="/" component={CataloguePage} />
      <Route component={NotFound} />
    </Switch>
  );
}
