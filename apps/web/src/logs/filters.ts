import { useRange } from '../charts/range';
import { useUrlState } from '../ui/use-url-state';

/**
 * The log explorer's filters, named in the URL as the API names them (`/logs?status=5xx&model=gpt-4o`), so an
 * address can be read against the API docs. The time range is `range` (+ `from`/`to` when custom).
 */
export const filterKeys = ['appId', 'serviceId', 'status', 'model', 'api', 'route', 'upstream', 'keyPrefix', 'requestId', 'failed'] as const;
export type FilterKey = (typeof filterKeys)[number];
export type Filters = Record<FilterKey, string>;

/** Filters only a few people use: folded away unless one is set. */
export const moreFilterKeys: FilterKey[] = ['api', 'route', 'upstream', 'keyPrefix', 'requestId'];

export const filterLabels: Record<FilterKey, string> = {
  appId: 'App',
  serviceId: 'Service',
  status: 'Status',
  model: 'Model',
  api: 'API',
  route: 'Route',
  upstream: 'Upstream',
  keyPrefix: 'Key prefix',
  requestId: 'Request id',
  failed: 'Errors only',
};

const statusPattern = /^[1-5](?:\d\d|xx)$/i;

/** Checks made before asking, in the words the portal would use; the portal's own answer still shows if it refuses. */
export function checkFilters(f: Filters): Partial<Record<FilterKey, string>> {
  const problems: Partial<Record<FilterKey, string>> = {};
  if (f.status && !statusPattern.test(f.status)) problems.status = 'An HTTP status such as 429, or a class such as 5xx.';
  return problems;
}

/** Everything that decides which records are listed: the URL's filters, the range, the page size and cursor. */
export function useLogQuery() {
  const [filters, setFilters] = useUrlState([...filterKeys, 'limit', 'cursor'] as const);
  const range = useRange('any');
  const { limit, cursor, ...rest } = filters;
  const params = { ...rest, from: range.resolved.from, to: range.resolved.to };
  return { filters: rest as Filters, limit: limit || '50', cursor, params, range, setFilters };
}
