import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearch } from 'wouter';
import { api, ApiError } from '../api/client';
import type { CallRecord } from '../api/types';
import { formatBytes, formatCount, formatDateTime, formatMs, formatUsd } from '../charts/format';
import { CopyButton } from '../ui/copy-button';
import { Page } from '../ui/page';
import { DataState } from '../ui/states';
import { StatusBadge } from './status-badge';
import { useNames } from './names';

type Field = Exclude<keyof CallRecord, 'bodies'>;

/** Every field of a record, in groups a reader scans; anything not listed here still shows under "Other". */
const groups: Array<{ title: string; fields: Field[] }> = [
  { title: 'Call', fields: ['id', 'requestId', 'startedAt', 'method', 'path', 'status', 'failed', 'errorCode', 'errorMessage', 'stream', 'traceId'] },
  { title: 'Caller', fields: ['teamId', 'appId', 'keyId', 'keyPrefix', 'subscriptionId'] },
  { title: 'Served by', fields: ['serviceId', 'api', 'model', 'upstreamModel', 'providerId', 'promptId', 'promptVersion', 'route', 'upstream', 'upstreamNode'] },
  { title: 'Measures', fields: ['latencyMs', 'ttftMs', 'bytesIn', 'bytesOut', 'inputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'outputTokens', 'reasoningTokens', 'usageProblem', 'costMicroUsd'] },
];

const labels: Partial<Record<Field, string>> = {
  id: 'Record id', requestId: 'Request id', startedAt: 'Started', errorCode: 'Error code', errorMessage: 'Error message', traceId: 'Trace id',
  teamId: 'Team', appId: 'App', keyId: 'Key id', keyPrefix: 'Key prefix', subscriptionId: 'Subscription', serviceId: 'Service', api: 'API',
  upstreamModel: 'Upstream model', providerId: 'Provider', promptId: 'Prompt', promptVersion: 'Prompt version', upstreamNode: 'Upstream node',
  latencyMs: 'Latency', ttftMs: 'Time to first token', bytesIn: 'Bytes in', bytesOut: 'Bytes out', inputTokens: 'Input tokens',
  cacheReadTokens: 'Cached read tokens', cacheWriteTokens: 'Cached write tokens', outputTokens: 'Output tokens', reasoningTokens: 'Reasoning tokens',
  costMicroUsd: 'Cost',
  // `usage_invalid` / `usage_missing`: the tokens shown are the gateway's estimate, not the provider's count.
  usageProblem: 'Tokens estimated',
};
const labelOf = (f: string) => labels[f as Field] ?? f.charAt(0).toUpperCase() + f.slice(1);

/** One call record at /logs/:recordId: every field and its captured bodies. Another team's record is not found. */
export function RecordPage() {
  const { recordId } = useParams<{ recordId: string }>();
  const search = useSearch();
  const record = useQuery({ queryKey: ['call-record', recordId], queryFn: () => api.get<{ record: CallRecord }>(`/api/call-records/${encodeURIComponent(recordId)}`) });
  const back = <Link href={`~/logs${search ? `?${search}` : ''}`}>Back to call logs</Link>;
  if (record.error instanceof ApiError && record.error.status === 404) {
    return (
      <Page title="Call record not found">
        <p>There is no call record with this id that you may see. {back}</p>
      </Page>
    );
  }
  return (
    <Page title="Call record" lead={back}>
      <DataState query={record} what="the call record">
        {({ record: r }) => <RecordDetails record={r} />}
      </DataState>
    </Page>
  );
}

function RecordDetails({ record }: { record: CallRecord }) {
  const names = useNames();
  const listed = new Set<string>(groups.flatMap((g) => g.fields));
  const other = (Object.keys(record) as Field[]).filter((f) => f !== ('bodies' as string) && !listed.has(f));
  const value = (f: Field): ReactNode => {
    const v = record[f];
    if (v === null) return <span className="muted">none</span>;
    switch (f) {
      case 'startedAt': return `${formatDateTime(record.startedAt)} (${record.startedAt})`;
      case 'status': return <StatusBadge status={record.status} failed={record.failed} />;
      case 'latencyMs': case 'ttftMs': return formatMs(v as number);
      case 'bytesIn': case 'bytesOut': return formatBytes(v as number);
      case 'costMicroUsd': return `${formatUsd(record.costMicroUsd)} (${formatCount(record.costMicroUsd)} µUSD)`;
      case 'appId': return <NamedId id={record.appId!} name={names.app(record.appId)} />;
      case 'serviceId': return <NamedId id={record.serviceId!} name={names.service(record.serviceId)} />;
      case 'teamId': return <NamedId id={record.teamId!} name={names.team(record.teamId)} />;
      case 'usageProblem': return <>{v === 'usage_invalid' ? "yes: the provider's counts were unusable" : 'yes: the provider sent none'} (<code>{String(v)}</code>)</>;
      default: return typeof v === 'boolean' ? (v ? 'yes' : 'no') : typeof v === 'number' ? formatCount(v) : <code>{String(v)}</code>;
    }
  };
  return (
    <>
      <p className="record-summary">
        <StatusBadge status={record.status} failed={record.failed} /> <code>{record.method} {record.path}</code> <span className="muted">at {formatDateTime(record.startedAt)}</span>
      </p>
      <div className="record-groups">
        {[...groups, ...(other.length ? [{ title: 'Other', fields: other }] : [])].map((g, i) => (
          <section key={g.title} className="card" aria-labelledby={`record-group-${i}`}>
            <h2 id={`record-group-${i}`}>{g.title}</h2>
            <dl className="fields">
              {g.fields.map((f) => (
                <div key={f}>
                  <dt>{labelOf(f)}</dt>
                  <dd>{value(f)}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
      <h2>Captured bodies</h2>
      {record.bodies ? (
        <div className="record-bodies">
          <Body title="Request body" text={record.bodies.request} truncated={record.bodies.requestTruncated} />
          <Body title="Response body" text={record.bodies.response} truncated={record.bodies.responseTruncated} />
        </div>
      ) : (
        <div className="empty">No bodies were captured for this call: the service keeps them only when its publisher turns capture on.</div>
      )}
    </>
  );
}

const NamedId = ({ id, name }: { id: string; name: string }) => (name === id ? <code>{id}</code> : <>{name} <code className="muted">{id}</code></>);

/** A body as captured (after redaction); JSON is indented for reading, anything else (an event stream) shown as it came. */
function Body({ title, text, truncated }: { title: string; text: string | null; truncated: boolean }) {
  let shown = text ?? '';
  try {
    if (text) shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    shown = text ?? '';
  }
  return (
    <section className="card body-card" aria-label={title}>
      <h3>{title}</h3>
      {text === null ? (
        <p className="muted">None.</p>
      ) : (
        <>
          {truncated ? <p className="note">Cut off at the capture limit: the call carried more than this.</p> : null}
          <pre tabIndex={0}>{shown}</pre>
          <CopyButton text={text} label={`Copy ${title.toLowerCase()}`} />
        </>
      )}
    </section>
  );
}
