import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import type { Subscription } from '../api/types';
import { ConfirmDialog } from '../ui/confirm';
import { TextArea } from '../ui/field';
import { ErrorNote } from '../ui/states';
import { publisherActions, usePatchSubscriptions, type PublisherAction } from './queue-data';

export interface Decision {
  subscription: Subscription;
  action: PublisherAction;
}

const consequences: Record<PublisherAction, string> = {
  approve: 'The app can call the service with its keys at once.',
  reject: 'The request is closed; the consumer sees your reason.',
  pause: 'Calls are refused until you resume it.',
  resume: 'Calls work again at once.',
  revoke: 'Revoking is final: the app loses access and has to ask again. The consumer sees your reason.',
};

/**
 * One decision on one subscription, with its reason: the dialog is also the confirmation (revoke cannot be
 * undone). A refusal stays in the dialog with what was typed; the decided row is updated in place.
 */
export function DecisionDialog({ decision, onClose }: { decision: Decision | null; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const patch = usePatchSubscriptions();
  const decide = useMutation({
    mutationFn: (d: Decision) => api.post<{ subscription: Subscription }>(`/api/subscriptions/${d.subscription.id}/${d.action}`, reason.trim() ? { reason: reason.trim() } : {}),
    onSuccess: ({ subscription }) => {
      patch([subscription]);
      close();
    },
  });
  const close = () => {
    setReason('');
    setMissing(false);
    decide.reset();
    onClose();
  };
  const rule = decision ? publisherActions[decision.action] : null;
  const confirm = () => {
    if (!decision || !rule) return;
    // The portal requires a reason for these; say so before sending rather than after.
    if (rule.reasonRequired && !reason.trim()) return setMissing(true);
    decide.mutate(decision);
  };
  const error = decide.error;
  return (
    <ConfirmDialog
      open={decision !== null}
      title={decision && rule ? `${rule.label} ${decision.subscription.app.name}'s subscription to ${decision.subscription.service.name}?` : 'Decide'}
      confirmLabel={rule?.label ?? 'Confirm'}
      busy={decide.isPending}
      onConfirm={confirm}
      onCancel={close}
    >
      {decision ? <p>{consequences[decision.action]}</p> : null}
      {error && !(error instanceof ApiError && error.fieldMessage('reason')) ? <ErrorNote error={error} title="Not decided" /> : null}
      <TextArea
        label={rule?.reasonRequired ? 'Reason (required)' : 'Reason (optional)'}
        value={reason}
        onChange={(e) => {
          setReason(e.target.value);
          setMissing(false);
        }}
        maxLength={2000}
        rows={3}
        error={missing ? 'Give a reason: the consumer sees it.' : error instanceof ApiError ? error.fieldMessage('reason') : undefined}
      />
    </ConfirmDialog>
  );
}
