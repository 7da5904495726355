import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, ApiError } from '../api/client';
import type { Prompt } from '../api/types';
import { Page } from '../ui/page';
import { ErrorNote } from '../ui/states';
import { Badge } from '../ui/badge';
import { NotFound } from '../ui/not-found';
import { PromptEditor } from './prompt-editor';
import { TestRunPanel } from './test-run';
import { DiffView, VersionsPanel } from './versions';

/**
 * One prompt of the user's team: the draft's editor, a test run, versions with their diff, and publishing.
 * Anyone else's prompt is not found here, even one a live release serves (its page is the catalogue's).
 */
export function PromptPage({ promptId }: { promptId: string }) {
  const prompt = useQuery({ queryKey: ['prompt', promptId], queryFn: () => api.get<{ prompt: Prompt }>(`/api/prompts/${promptId}`) });
  if (prompt.isPending) return <p className="muted" role="status">Loading the prompt…</p>;
  if (prompt.isError) {
    if (prompt.error instanceof ApiError && prompt.error.status === 404) return <NotFound />;
    return <Page title="Prompt"><ErrorNote error={prompt.error} title="Could not load the prompt" /></Page>;
  }
  const p = prompt.data.prompt;
  // The released view (for a consumer of a live prompt) has no draft: nothing here is theirs to edit.
  if (!('draft' in p) || !p.draft) return <NotFound />;
  return (
    <Page
      title={p.name}
      lead={<><code>{p.path}</code> · {p.publishedVersion ? <Badge tone="good">{`version ${p.publishedVersion} published`}</Badge> : <Badge>not published</Badge>} · <Link href="/">All prompts</Link></>}
    >
      <div className="prompt-layout">
        <PromptEditor key={p.id} prompt={p} />
        <div className="prompt-side">
          <TestRunPanel prompt={p} />
          <VersionsPanel prompt={p} />
        </div>
      </div>
      <DiffView prompt={p} />
    </Page>
  );
}
