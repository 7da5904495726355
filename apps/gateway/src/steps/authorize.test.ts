import { describe, expect, it } from 'vitest';
import type { SnapshotData, SubscriptionState } from '@tollgate/domain';
import { indexSnapshot } from '../snapshot/gateway-config';
import { testSnapshot } from '../testing/test-snapshot';
import { authorizeModel } from './authorize';
import { GatewayError } from '../errors';

const base = (o: Partial<Parameters<typeof testSnapshot>[0]> = {}) => testSnapshot({ providerUrl: 'http://127.0.0.1:9/v1', ...o });
const appOf = (data: SnapshotData, id: string) => data.apps.find((a) => a.id === id)!;
const refusal = (data: SnapshotData, appId: string, model = 'gpt-4o-mini') => {
  try {
    authorizeModel(indexSnapshot(data), appOf(data, appId), model);
  } catch (err) {
    return err as GatewayError;
  }
  throw new Error('expected a refusal');
};

describe('authorizeModel', () => {
  it('lets an approved subscription through with its plan', () => {
    const data = base();
    const ok = authorizeModel(indexSnapshot(data), appOf(data, 'app_approved000000000'), 'gpt-4o-mini');
    expect(ok).toMatchObject({ subscription: { id: 'sub_approved000' }, plan: { name: 'gold' }, service: { name: 'LLM' } });
  });

  it.each<[SubscriptionState, RegExp]>([
    ['pending', /is pending approval\. Wait for the service owner/],
    ['rejected', /is rejected\. Read the reason in the portal/],
    ['paused', /is paused\. Ask the service owner to resume it/],
    ['revoked', /is revoked\. Request a new subscription/],
    ['cancelled', /is cancelled\. Request a new subscription/],
  ])('refuses a %s subscription with 403 naming the state and the next step', (state, message) => {
    const err = refusal(base({ pendingState: state }), 'app_pending000000000');
    expect(err).toMatchObject({ status: 403, code: `subscription_${state}` });
    expect(err.message).toMatch(message);
  });

  it('tells an app without a subscription which service to subscribe to, and an unknown model 404', () => {
    expect(refusal(base(), 'app_nosub000000000')).toMatchObject({ status: 403, code: 'not_subscribed' });
    expect(refusal(base(), 'app_approved000000000', 'gpt-9')).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
  });

  it('answers 410 for a retired service and ignores draft services', () => {
    expect(refusal(base({ lifecycle: 'retired' }), 'app_approved000000000')).toMatchObject({ status: 410, code: 'service_retired' });
    const draft = base();
    draft.services[0]!.lifecycle = 'draft';
    expect(refusal(draft, 'app_approved000000000')).toMatchObject({ status: 404 });
  });

  it('prefers a live approved service over a retired one offering the same model', () => {
    const data = base({ lifecycle: 'retired' });
    data.services.push({ id: 'svc_live0000000', teamId: 'team_publisher0', teamSlug: 'publishers', slug: 'live', name: 'Live', kind: 'ai', lifecycle: 'published' });
    data.plans.push({ id: 'plan_live000000', serviceId: 'svc_live0000000', name: 'live', limits: {} });
    data.subscriptions.push({ id: 'sub_live0000000', appId: 'app_approved000000000', serviceId: 'svc_live0000000', planId: 'plan_live000000', state: 'approved' });
    data.modelRoutes.push({ serviceId: 'svc_live0000000', name: 'gpt-4o-mini', targets: data.modelRoutes[0]!.targets });
    const ok = authorizeModel(indexSnapshot(data), appOf(data, 'app_approved000000000'), 'gpt-4o-mini');
    expect(ok.service.name).toBe('Live');
  });

  it('picks by the services\' order whether the app holds fewer subscriptions than the name has services or more', () => {
    // 'gpt-4o-mini' offered by the base service and services s1..s4; the app subscribes to s3, then s2.
    const data = base();
    const offer = (n: number) => {
      const id = `svc_many${n}000000` as const;
      data.services.push({ id, teamId: 'team_publisher0', teamSlug: 'publishers', slug: `many-${n}`, name: `Many ${n}`, kind: 'ai', lifecycle: 'published' });
      data.plans.push({ id: `plan_many${n}00000` as const, serviceId: id, name: `many ${n}`, limits: {} });
      data.modelRoutes.push({ serviceId: id, name: 'gpt-4o-mini', targets: data.modelRoutes[0]!.targets });
      return id;
    };
    const ids = [1, 2, 3, 4].map(offer);
    data.subscriptions = data.subscriptions.filter((s) => s.appId !== 'app_nosub000000000');
    for (const n of [3, 2]) data.subscriptions.push({ id: `sub_many${n}000000` as const, appId: 'app_nosub000000000', serviceId: ids[n - 1]!, planId: `plan_many${n}00000` as const, state: 'approved' });
    // Two subscriptions, five services: walked from the subscriptions, still decided by the services' order.
    expect(authorizeModel(indexSnapshot(data), appOf(data, 'app_nosub000000000'), 'gpt-4o-mini').service.name).toBe('Many 2');
    // More subscriptions than services offering the name: walked from the services, the same answer.
    for (let n = 0; n < 6; n++) data.subscriptions.push({ id: `sub_other${n}00000` as const, appId: 'app_nosub000000000', serviceId: `svc_other${n}000000` as const, planId: 'plan_many100000', state: 'approved' });
    data.modelRoutes = data.modelRoutes.filter((r) => r.serviceId === ids[1] || r.serviceId === ids[2]);
    expect(authorizeModel(indexSnapshot(data), appOf(data, 'app_nosub000000000'), 'gpt-4o-mini').service.name).toBe('Many 2');
    // A pending subscription earlier in the order does not hide an approved one later.
    data.subscriptions.find((s) => s.id === 'sub_many2000000')!.state = 'pending';
    expect(authorizeModel(indexSnapshot(data), appOf(data, 'app_nosub000000000'), 'gpt-4o-mini').service.name).toBe('Many 3');
  });
});
