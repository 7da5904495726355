/** How webhook deliveries are tried: the portal's config sets them; tests pass small values. */
export interface WebhookDeliverySettings {
  /** Total tries per delivery, the first included. */
  attempts: number;
  /** Exponential backoff base: the n-th retry waits `backoffMs * 2^(n-1)`. */
  backoffMs: number;
  /** Per attempt, from connect to the end of the response. */
  timeoutMs: number;
}

/** Six tries over about a minute (2 s, 4 s, … 32 s apart): rides out a receiver's restart, not an outage. */
export const defaultWebhookDelivery: WebhookDeliverySettings = { attempts: 6, backoffMs: 2_000, timeoutMs: 10_000 };
