export const platformRoles = ['admin', 'user'] as const;
export type PlatformRole = (typeof platformRoles)[number];

export const teamRoles = ['owner', 'admin', 'member'] as const;
export type TeamRole = (typeof teamRoles)[number];

export const serviceKinds = ['rest', 'ai'] as const;
export type ServiceKind = (typeof serviceKinds)[number];

export const lifecycleStates = ['draft', 'published', 'deprecated', 'retired'] as const;
export type LifecycleState = (typeof lifecycleStates)[number];

export const approvalModes = ['auto', 'manual'] as const;
export type ApprovalMode = (typeof approvalModes)[number];

export const subscriptionStates = ['pending', 'approved', 'rejected', 'paused', 'revoked', 'cancelled'] as const;
export type SubscriptionState = (typeof subscriptionStates)[number];

/** One line per provider type; each needs an adapter in packages/providers/src/registry.ts. */
export const providerTypes = [
  'openai',
  'openai-compatible',
  'anthropic',
  'azure-openai',
  'mistral',
  'groq',
  'deepseek',
  'ollama',
  'openrouter',
  'xai',
  'together',
  'gemini',
  'bedrock',
] as const;
export type ProviderType = (typeof providerTypes)[number];

/** What a caller is told when its subscription is not approved: the state in words, and the next step. */
export const subscriptionRefusals: Record<Exclude<SubscriptionState, 'approved'>, { state: string; next: string }> = {
  pending: { state: 'pending approval', next: 'Wait for the service owner to approve it.' },
  rejected: { state: 'rejected', next: 'Read the reason in the portal and request a new subscription.' },
  paused: { state: 'paused', next: 'Ask the service owner to resume it.' },
  revoked: { state: 'revoked', next: 'Request a new subscription in the portal.' },
  cancelled: { state: 'cancelled', next: 'Request a new subscription in the portal.' },
};
