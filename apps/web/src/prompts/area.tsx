import { Route, Switch } from 'wouter';
import { NotFound } from '../ui/not-found';
import { PromptListPage } from './prompt-list';
import { PromptPage } from './prompt-page';

/** Prompt APIs of the user's AI services: the list and create form at `/prompts`, one prompt at `/prompts/:id`. */
export default function PromptsArea() {
  return (
    <Switch>
      <Route path="/" component={PromptListPage} />
      <Route path="/:promptId">{(params) => <PromptPage promptId={params.promptId} />}</Route>
      <Route component={NotFound} />
    </Switch>
  );
}
