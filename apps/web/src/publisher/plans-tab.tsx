import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Plan, PlanCreate, PlanLimits, PlanUpdate, Service } from '../api/types';
import { Table } from '../ui/table';
import { DataState, ErrorNote } from '../ui/states';
import { StateBadge } from '../ui/badge';
import { SelectField, TextField } from '../ui/field';
import { ConfirmDialog } from '../ui/confirm';
import { useUrlState } from '../ui/use-url-state';
import { fieldError, optionalNumber, useServiceRefresh } from './forms';
import { limitFields, limitsInWords, type LimitKey } from './limits';
import { RowActions } from './records';

/** The service's plans: their approval mode and limits (in words and numbers), created and edited here. */
export function PlansTab({ service }: { service: Service }) {
  const [state, setState] = useUrlState(['plan'] as const);
  const [closing, setClosing] = useState<Plan | null>(null);
  const refresh = useServiceRefresh(service.id);
  const plans = useQuery({ queryKey: ['plans', service.id], queryFn: () => api.get<{ plans: Plan[] }>(`/api/services/${service.id}/plans`) });
  const changeState = useMutation({
    mutationFn: ({ plan, to }: { plan: Plan; to: Plan['state'] }) => api.patch<{ plan: Plan; endedSubscriptions: number }>(`/api/plans/${plan.id}`, { state: to } satisfies PlanUpdate),
    onSuccess: async () => {
      setClosing(null);
      await refresh();
    },
  });
  const open = plans.data?.plans.find((p) => p.id === state.plan);
  return (
    <div className="stack">
      <section className="card" aria-labelledby="plans-title">
        <h2 id="plans-title">Plans</h2>
        <p className="muted">Plans and their limits take effect at once: they are the service’s terms, not part of a release.</p>
        {changeState.error ? <ErrorNote error={changeState.error} title="The plan was not changed" /> : null}
        {changeState.isSuccess && changeState.data.endedSubscriptions > 0 ? (
          <p role="status" className="note note-good">The plan is closed; {changeState.data.endedSubscriptions} subscription(s) on it ended.</p>
        ) : null}
        <DataState query={plans} what="the plans" isEmpty={(d) => d.plans.length === 0} empty="No plan yet: nobody can subscribe until the service offers one.">
          {(d) => (
            <Table caption="The service’s plans" columns={['Plan', 'Approval', 'Limits', 'State', <span className="visually-hidden">Actions</span>]}>
              {d.plans.map((p) => (
                <tr key={p.id}>
                  <td>{p.name}{p.visibility === 'team' ? <span className="muted"> (team only)</span> : null}</td>
                  <td>{p.approval === 'manual' ? 'Manual: a publisher approves each' : 'Automatic'}</td>
                  <td>{limitsInWords(p.limits)}</td>
                  <td><StateBadge state={p.state} /></td>
                  {p.state !== 'closed' ? (
                    <RowActions name={p.name} onEdit={() => setState({ plan: p.id })}>
                      <button type="button" className="button button-secondary" onClick={() => changeState.mutate({ plan: p, to: p.state === 'active' ? 'deprecated' : 'active' })} aria-label={`${p.state === 'active' ? 'Deprecate' : 'Reactivate'} ${p.name}`}>
                        {p.state === 'active' ? 'Deprecate' : 'Reactivate'}
                      </button>
                      <button type="button" className="button button-secondary" onClick={() => setClosing(p)} aria-label={`Close ${p.name}`}>Close</button>
                    </RowActions>
                  ) : (
                    <td />
                  )}
                </tr>
              ))}
            </Table>
          )}
        </DataState>
      </section>
      <PlanForm key={open?.id ?? 'new'} service={service} existing={open} onDone={() => setState({ plan: null })} />
      <ConfirmDialog
        open={closing !== null}
        title={`Close the plan ${closing?.name ?? ''}?`}
        confirmLabel="Close plan"
        busy={changeState.isPending}
        onConfirm={() => closing && changeState.mutate({ plan: closing, to: 'closed' })}
        onCancel={() => setClosing(null)}
      >
        <p>Every subscription on it ends now and its apps lose access to the service through it. Closing cannot be undone.</p>
      </ConfirmDialog>
    </div>
  );
}

type LimitTexts = Record<LimitKey | 'budgetUsd', string>;

const textsOf = (limits: PlanLimits | undefined): LimitTexts => ({
  ...(Object.fromEntries(limitFields.map((f) => [f.key, limits?.[f.key] !== undefined ? String(limits[f.key]) : ''])) as Record<LimitKey, string>),
  budgetUsd: limits?.costBudgetMicroUsdPerMonth !== undefined ? String(limits.costBudgetMicroUsdPerMonth / 1_000_000) : '',
});

/** The limits as the API takes them; the scoped limits (per key, IP, model) are not edited here, so an edit keeps them. */
function limitsOf(texts: LimitTexts, kept: PlanLimits | undefined): PlanLimits {
  const { perKey, perIp, perModel, onLimiterUnavailable } = kept ?? {};
  const numbers = Object.fromEntries(limitFields.flatMap((f) => (texts[f.key].trim() ? [[f.key, optionalNumber(texts[f.key])]] : [])));
  const budget = optionalNumber(texts.budgetUsd);
  return {
    ...numbers,
    ...(budget !== undefined && { costBudgetMicroUsdPerMonth: Math.round(budget * 1_000_000) }),
    ...(perKey && { perKey }),
    ...(perIp && { perIp }),
    ...(perModel && { perModel }),
    ...(onLimiterUnavailable && { onLimiterUnavailable }),
  };
}

function PlanForm({ service, existing, onDone }: { service: Service; existing?: Plan; onDone: () => void }) {
  const [name, setName] = useState(existing?.name ?? '');
  const [approval, setApproval] = useState<Plan['approval']>(existing?.approval ?? 'manual');
  const [limits, setLimits] = useState<LimitTexts>(() => textsOf(existing?.limits));
  const refresh = useServiceRefresh(service.id);
  const save = useMutation({
    mutationFn: (body: PlanCreate) => (existing ? api.patch<{ plan: Plan }>(`/api/plans/${existing.id}`, body) : api.post<{ plan: Plan }>(`/api/services/${service.id}/plans`, body)),
    onSuccess: async () => {
      if (!existing) {
        setName('');
        setLimits(textsOf(undefined));
      }
      onDone();
      await refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ name, approval, limits: limitsOf(limits, existing?.limits) });
  };
  const err = (path: string) => fieldError(save.error, path);
  const title = existing ? `Edit the plan ${existing.name}` : 'Create a plan';
  return (
    <form className="card form-card" onSubmit={submit} aria-label={title}>
      <h2>{title}</h2>
      {save.error ? <ErrorNote error={save.error} title="The plan was not saved" /> : null}
      <div className="form-grid">
        <TextField label="Plan name" value={name} onChange={(e) => setName(e.target.value)} error={err('name')} required />
        <SelectField label="Approval" value={approval} onChange={(e) => setApproval(e.target.value as Plan['approval'])} error={err('approval')}>
          <option value="manual">Manual: a publisher approves each subscription</option>
          <option value="auto">Automatic: subscriptions are approved at once</option>
        </SelectField>
      </div>
      <fieldset className="fieldset">
        <legend>Limits per subscription (blank: no limit)</legend>
        <div className="form-grid">
          {limitFields.map((f) => (
            <TextField key={f.key} label={f.label} type="number" min={1} step={1} value={limits[f.key]} onChange={(e) => setLimits({ ...limits, [f.key]: e.target.value })} error={err(`limits.${f.key}`)} />
          ))}
          <TextField label="Monthly budget (USD)" type="number" min={0} step="0.01" value={limits.budgetUsd} onChange={(e) => setLimits({ ...limits, budgetUsd: e.target.value })} error={err('limits.costBudgetMicroUsdPerMonth')} />
        </div>
        <p className="hint">Reads as: {limitsInWords(limitsOf(limits, existing?.limits))}</p>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="button" disabled={save.isPending}>{save.isPending ? 'Saving…' : existing ? 'Save plan' : 'Create plan'}</button>
        {existing ? <button type="button" className="button button-secondary" onClick={onDone}>Cancel</button> : null}
      </div>
    </form>
  );
}
