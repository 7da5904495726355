/**
 * The portal API's request and response types, for the web app's typed client (`apps/web/src/api`). Inferred
 * from the routes' own view functions and schemas, never copied: change a view and the web app's typecheck
 * shows every page it breaks. Import these with `import type` only, so no portal code reaches a browser.
 */
import type { meView } from './auth/routes';
import type { serviceView } from './services/views';
import type { planView } from './plans/routes';
import type { teamView } from './teams/routes';

export type { ApiErrorBody, FieldIssue } from './http/errors';

export type Me = ReturnType<typeof meView>;
export type TeamRole = Me['teams'][number]['role'];
/** A service as the catalogue lists it (its own team also sees `capture`). */
export type Service = ReturnType<typeof serviceView> & { capture?: unknown };
export type Plan = ReturnType<typeof planView>;
export type Team = ReturnType<typeof teamView>;

// The publisher console (apps/web/src/publisher): services, APIs, models, upstreams, plans, lifecycle, releases.
import type { z } from 'zod';
import type { apiView } from './services/views';
import type { createServiceSchema, updateServiceSchema } from './services/routes';
import type { createServiceApiSchema, updateApiSchema } from './services/apis';
import type { createModelRouteSchema, modelRouteView } from './services/models';
import type { lifecycleSchema } from './services/lifecycle';
import type { createPlanSchema, updatePlanSchema } from './plans/routes';
import type { providerView } from './providers/routes';
import type { releaseView } from './releases/routes';
import type { upstreamView } from './rest/routes';
import type { trafficSchema, upstreamBodySchema } from './rest/service-schemas';

export type { WhenServed, TakesEffect } from './releases/takes-effect';
export type { ReleaseChange } from './releases/diff';
export type { PlanLimits } from '@tollgate/domain';
export type ServiceCreate = z.input<typeof createServiceSchema>;
export type ServiceUpdate = z.input<typeof updateServiceSchema>;
export type ServiceApi = ReturnType<typeof apiView>;
export type ServiceApiCreate = z.input<typeof createServiceApiSchema>;
export type ServiceApiUpdate = z.input<typeof updateApiSchema>;
export type ModelRoute = ReturnType<typeof modelRouteView>;
export type ModelRouteCreate = z.input<typeof createModelRouteSchema>;
export type LifecycleChange = z.input<typeof lifecycleSchema>;
export type PlanCreate = z.input<typeof createPlanSchema>;
export type PlanUpdate = z.input<typeof updatePlanSchema>;
export type Provider = ReturnType<typeof providerView>;
export type Release = ReturnType<typeof releaseView>;
export type Upstream = ReturnType<typeof upstreamView>;
export type UpstreamPut = z.input<typeof upstreamBodySchema>;
export type TrafficPut = z.input<typeof trafficSchema>;

// Usage, call logs and analytics (apps/web/src/usage, logs, analytics).
import type { appView } from './apps/routes';
import type { usageView } from './apps/usage';
import type { callRecordPageView, callRecordView } from './call-records/read';
import type { timeseriesView, topView } from './analytics/routes';

export type App = ReturnType<typeof appView>;
export type AppUsage = ReturnType<typeof usageView>;
export type CallRecordPage = ReturnType<typeof callRecordPageView>;
/** One call record opened, with its captured bodies. */
export type CallRecord = ReturnType<typeof callRecordView>;
export type Timeseries = ReturnType<typeof timeseriesView>;
export type TimeseriesSeries = Timeseries['series'][number];
export type Measures = TimeseriesSeries['totals'];
/** What analytics can group and rank by (team, service, api, app, model, statusClass). */
export type AnalyticsDimension = ReturnType<typeof topView>['dimension'];
export type AnalyticsMetric = ReturnType<typeof topView>['metric'];
export type AnalyticsTop = ReturnType<typeof topView>;

// The approval queue, prompt APIs and the team pages (apps/web/src/queue, prompts, team).
import type { SubscriptionDetails } from './subscriptions/queries';
import type { bulkSchema, decideMany } from './subscriptions/decisions';
import type { queuePageView } from './subscriptions/routes';
import type { promptView } from './prompts/views';
import type { createPromptSchema } from './prompts/spec';
import type { promptDiffView, promptPublishView, versionView } from './prompts/version-routes';
import type { createWebhookSchema, createdWebhookView, deliveryView, updateWebhookSchema, webhookView } from './webhooks/routes';
import type { auditEventView, auditPageView } from './audit/routes';

export type { PromptSpecJson } from '@tollgate/domain';
export type { SpecChange } from '@tollgate/prompts';
/** One row of the approval queue (and of an app's subscriptions): app, team, service, plan, state, actions. */
export type Subscription = SubscriptionDetails;
export type SubscriptionAction = SubscriptionDetails['actions'][number];
/** A page of the approval queue; `nextCursor` asks for the next one. */
export type QueuePage = ReturnType<typeof queuePageView>;
export type BulkDecisionInput = z.input<typeof bulkSchema>;
export type BulkDecision = Awaited<ReturnType<typeof decideMany>>;
export type Prompt = ReturnType<typeof promptView>;
export type PromptCreate = z.input<typeof createPromptSchema>;
export type PromptVersion = ReturnType<typeof versionView>;
export type PromptDiff = ReturnType<typeof promptDiffView>;
export type PromptPublish = ReturnType<typeof promptPublishView>;
export type Webhook = ReturnType<typeof webhookView>;
export type WebhookCreate = z.input<typeof createWebhookSchema>;
export type WebhookUpdate = z.input<typeof updateWebhookSchema>;
export type WebhookCreated = ReturnType<typeof createdWebhookView>;
export type WebhookDelivery = ReturnType<typeof deliveryView>;
export type AuditEvent = ReturnType<typeof auditEventView>;
/** A page of an audit log; `nextCursor` asks for the next (older) one. */
export type AuditPage = ReturnType<typeof auditPageView>;

// Developer portal (apps/web/src/catalogue service page, apps/web/src/apps): operations, models, keys.
import type { promptApiView, releasedApiView } from './services/routes';
import type { liveModelView } from './services/models';
import type { platformView } from './platform/routes';
import type { createAppSchema } from './apps/routes';
import type { createKeySchema, keyView, rotateKeySchema } from './apps/key-routes';
import type { jwtCredentialView } from './apps/jwt-schema';
import type { createWorkloadCredentialSchema, workloadCredentialView } from './apps/workload-schema';
import type { requestSchema } from './subscriptions/routes';

/** One operation as `GET /services/:id/apis` lists it: its team sees the working copy, others the release; prompt APIs carry `kind: 'prompt'`. */
export type CatalogueApi = ServiceApi | ReturnType<ReturnType<typeof releasedApiView>> | ReturnType<ReturnType<typeof promptApiView>>;
/** A model a service offers: its own team also sees the targets. */
export type CatalogueModel = ModelRoute | ReturnType<ReturnType<typeof liveModelView>>;
export type Platform = ReturnType<typeof platformView>;
export type AppCreate = z.input<typeof createAppSchema>;
export type ApiKey = ReturnType<typeof keyView>;
export type ApiKeyCreate = z.input<typeof createKeySchema>;
export type ApiKeyRotate = z.input<typeof rotateKeySchema>;
export type JwtCredential = ReturnType<typeof jwtCredentialView>;
export type WorkloadCredential = ReturnType<typeof workloadCredentialView>;
export type WorkloadCredentialCreate = z.input<typeof createWorkloadCredentialSchema>;
export type SubscriptionRequest = z.input<typeof requestSchema>;

// The admin console, accounts and notifications (apps/web/src/admin, account, notifications).
import type { connectionTestSchema, createProviderSchema, updateProviderSchema } from './providers/routes';
import type { testConnection } from './providers/connection-test';
import type { createUserSchema, userView } from './users/routes';
import type { createTeamSchema } from './teams/routes';
import type { addMemberSchema, changeRoleSchema, listMembers } from './teams/members';
import type { createInvitationSchema } from './invitations/routes';
import type { invitationView } from './invitations/model';
import type { acceptedView, invitationLinkView } from './invitations/link-routes';
import type { changePasswordSchema } from './auth/routes';
import type { notificationListView, notificationView } from './notifications/routes';
import type { NotificationPayload } from './notifications/fan-out';

export type ProviderCreate = z.input<typeof createProviderSchema>;
export type ProviderUpdate = z.input<typeof updateProviderSchema>;
export type ProviderTestInput = z.input<typeof connectionTestSchema>;
export type ProviderTest = Awaited<ReturnType<typeof testConnection>>;
export type User = ReturnType<typeof userView>;
export type UserCreate = z.input<typeof createUserSchema>;
export type TeamCreate = z.input<typeof createTeamSchema>;
export type TeamMember = Awaited<ReturnType<typeof listMembers>>[number];
export type TeamMemberAdd = z.input<typeof addMemberSchema>;
export type TeamMemberRole = z.input<typeof changeRoleSchema>;
export type Invitation = ReturnType<typeof invitationView>;
export type InvitationCreate = z.input<typeof createInvitationSchema>;
/** What `GET /invitations/:token` shows the holder of a link. */
export type InvitationLink = Awaited<ReturnType<typeof invitationLinkView>>;
export type InvitationAccepted = ReturnType<typeof acceptedView>;
export type PasswordChange = z.input<typeof changePasswordSchema>;
export type Notification = ReturnType<typeof notificationView>;
export type NotificationList = ReturnType<typeof notificationListView>;
/** A notification's `data`: the subscription it is about, as webhooks receive it. */
export type { NotificationPayload };
import type { documentFor } from './services/openapi';
/** A service's OpenAPI document as `GET /services/:id/openapi` gives it (JSON), prompt APIs included. */
export type OpenApiDocument = Awaited<ReturnType<typeof documentFor>>;
import type { MeshManifests } from './mesh/model';
/** `GET /services/:id/mesh` as JSON: the objects to apply, the meshConfig entry (Istio authorizer mode) and notes. */
export type ServiceMesh = MeshManifests & { service: { id: string; slug: string } };
