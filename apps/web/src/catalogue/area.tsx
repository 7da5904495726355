import { Route, Switch } from 'wouter';
import { NotFound } from '../ui/not-found';
import { CataloguePage } from './catalogue-page';
import { ServicePage } from './service-page';

/** The developer portal's front: the catalogue at `/`, and each service's page at `/services/:id`. */
export default function CatalogueArea() {
  return (
    <Switch>
      <Route path="/" component={CataloguePage} />
      <Route path="/services/:id" component={ServicePage} />
      <Route component={NotFound} />
    </Switch>
  );
}
