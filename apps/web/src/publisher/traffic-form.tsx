import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Service, TrafficPut, Upstream, WhenServed } from '../api/types';
import { ErrorNote } from '../ui/states';
import { TextField } from '../ui/field';
import { fieldError, optionalNumber, useServiceRefresh } from './forms';
import { TakesEffectNote } from './takes-effect';

/**
 * The traffic split: the share of calls each upstream gets (a canary at 5 %), and the header that pins a
 * caller to one. A weight left blank or 0 takes the upstream out of the split; no split sends all to `default`.
 */
export function TrafficForm({ service, upstreams, traffic }: { service: Service; upstreams: Upstream[]; traffic: TrafficPut }) {
  const weightOf = (name: string) => String(traffic.split?.find((s) => s.upstream === name)?.weight ?? '');
  const [weights, setWeights] = useState<Record<string, string>>(() => Object.fromEntries(upstreams.map((u) => [u.name, weightOf(u.name)])));
  const [pinHeader, setPinHeader] = useState(traffic.pin?.header ?? '');
  const refresh = useServiceRefresh(service.id);
  const save = useMutation({
    mutationFn: (body: TrafficPut) => api.put<{ traffic: TrafficPut } & WhenServed>(`/api/services/${service.id}/traffic`, body),
    onSuccess: () => refresh(),
  });
  if (upstreams.length === 0) return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const split = upstreams.map((u) => ({ upstream: u.name, weight: optionalNumber(weights[u.name] ?? '') ?? 0 })).filter((s) => s.weight > 0);
    save.mutate({ split, pin: pinHeader.trim() ? { ...traffic.pin, header: pinHeader.trim() } : null, mirror: traffic.mirror ?? null });
  };
  const err = (path: string) => fieldError(save.error, path);
  return (
    <form className="card form-card" onSubmit={submit} aria-labelledby="traffic-title">
      <h2 id="traffic-title">Traffic split</h2>
      {save.error ? <ErrorNote error={save.error} title="The traffic split was not saved" /> : null}
      <div className="form-grid">
        {upstreams.map((u, i) => (
          <TextField key={u.name} label={`Share for ${u.name}`} type="number" min={0} max={1000} value={weights[u.name] ?? ''} onChange={(e) => setWeights({ ...weights, [u.name]: e.target.value })} error={err(`split.${i}.weight`)} hint="Blank or 0: not in the split." />
        ))}
        <TextField label="Pin header" value={pinHeader} onChange={(e) => setPinHeader(e.target.value)} error={err('pin.header') ?? err('pin')} hint="Optional: a header whose value names the upstream to use." />
      </div>
      {err('split') ? <p className="field-error">{err('split')}</p> : null}
      {save.isSuccess ? <TakesEffectNote when={save.data} /> : null}
      <div className="form-actions">
        <button type="submit" className="button" disabled={save.isPending}>{save.isPending ? 'Saving…' : 'Save traffic split'}</button>
      </div>
    </form>
  );
}
