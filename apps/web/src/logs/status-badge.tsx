import { Badge } from '../ui/badge';

/** A status with words as well as colour: a failed call is an error even when its status line said 200. */
export function StatusBadge({ status, failed }: { status: number; failed: boolean }) {
  return <Badge tone={failed || status >= 500 ? 'bad' : status >= 400 ? 'warn' : 'good'}>{failed ? `${status} failed` : String(status)}</Badge>;
}
