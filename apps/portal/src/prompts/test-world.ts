import type { ServiceId, TeamId } from '@tollgate/domain';
import type { PortalFixture, TestUser } from '../testing/portal-fixture';

/** A valid prompt spec on model `fast`; `overrides` replace top-level fields. */
export const summarizeSpec = (overrides: Record<string, unknown> = {}) => ({
  messages: [
    { role: 'system', content: 'You summarise text in {{style}} style.' },
    { role: 'user', content: 'Summarise: {{text}}' },
  ],
  variables: {
    type: 'object',
    properties: { text: { type: 'string', maxLength: 10_000 }, style: { type: 'string', enum: ['short', 'bullet'], default: 'short' } },
    required: ['text'],
  },
  model: 'fast',
  parameters: { temperature: 0.2 },
  outputSchema: null,
  ...overrides,
});

/**
 * For prompt tests: a publishing team (owner, admin, plain member) with a published, public AI service that has
 * the model routes `fast` and `smart`, a REST service, and an outsider in a team of their own. Made through the API.
 */
export async function createPromptWorld(f: PortalFixture) {
  const tag = Math.random().toString(36).slice(2, 8);
  const [owner, admin, member, outsider] = await Promise.all([f.createUser(), f.createUser(), f.createUser(), f.createUser()]);
  const teamId: TeamId = (await f.createTeam({ slug: `pub-${tag}`, ownerUserId: owner.id })).id;
  await f.addMember(teamId, admin.id, 'admin');
  await f.addMember(teamId, member.id, 'member');
  await f.createTeam({ slug: `out-${tag}`, ownerUserId: outsider.id });
  const providerId: string = (
    await f.api('POST', '/api/providers', { cookie: f.admin.cookie, body: { name: `P-${tag}`, type: 'openai', baseUrl: 'https://example.test/v1', apiKey: 'k' }, expect: 201 })
  ).body.provider.id;
  const service = async (slug: string, kind: 'ai' | 'rest', extra: Record<string, unknown> = {}): Promise<ServiceId> =>
    (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: slug, slug, kind, ...extra }, expect: 201 })).body.service.id;
  const serviceId = await service(`writer-${tag}`, 'ai');
  for (const name of ['fast', 'smart']) {
    await f.api('POST', `/api/services/${serviceId}/models`, { cookie: owner.cookie, body: { name, targets: [{ providerId, model: 'gpt-4o-mini' }] }, expect: 201 });
  }
  await f.api('POST', `/api/services/${serviceId}/lifecycle`, { cookie: owner.cookie, body: { state: 'published' }, expect: 200 });
  const restServiceId = await service(`rest-${tag}`, 'rest');

  const world = {
    owner,
    admin,
    member,
    outsider,
    teamId,
    providerId,
    serviceId,
    restServiceId,
    service,
    /** Creates a prompt as the owner (expects 201) and returns it. */
    async prompt(path: string, spec: Record<string, unknown> = summarizeSpec(), name = `Prompt ${path}`, onService: string = serviceId) {
      return (await f.api('POST', `/api/services/${onService}/prompts`, { cookie: owner.cookie, body: { name, path, draft: spec }, expect: 201 })).body.prompt;
    },
    async version(promptId: string, user: TestUser = owner) {
      return (await f.api('POST', `/api/prompts/${promptId}/versions`, { cookie: user.cookie, expect: 201 })).body.version;
    },
    async publish(promptId: string, version: number | null, user: TestUser = owner) {
      return f.api('POST', `/api/prompts/${promptId}/publish`, { cookie: user.cookie, body: { version }, expect: 200 });
    },
    async release(onService: string = serviceId) {
      return (await f.api('POST', `/api/services/${onService}/releases`, { cookie: owner.cookie, expect: 201 })).body.release;
    },
    /** The snapshot the gateway holds once the publisher has caught up with the last change. */
    async gatewayPrompts() {
      await f.publisher.settled();
      return f.publisher.current().prompts;
    },
  };
  return world;
}

export type PromptWorld = Awaited<ReturnType<typeof createPromptWorld>>;
