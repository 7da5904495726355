import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import type { Provider, ProviderCreate, ProviderUpdate } from '../api/types';
import { SelectField, TextField } from '../ui/field';
import { ErrorNote } from '../ui/states';

type ProviderType = ProviderCreate['type'];

/** Every provider type the portal accepts, with a label and the usual base URL (a Record: the typecheck fails when the portal adds a type). */
export const providerTypes: Record<ProviderType, { label: string; baseUrl: string }> = {
  openai: { label: 'OpenAI', baseUrl: 'https://api.openai.com/v1' },
  'openai-compatible': { label: 'OpenAI-compatible (vLLM, LM Studio…)', baseUrl: 'http://127.0.0.1:8000/v1' },
  anthropic: { label: 'Anthropic', baseUrl: 'https://api.anthropic.com/v1' },
  'azure-openai': { label: 'Azure OpenAI', baseUrl: 'https://RESOURCE.openai.azure.com' },
  mistral: { label: 'Mistral', baseUrl: 'https://api.mistral.ai/v1' },
  groq: { label: 'Groq', baseUrl: 'https://api.groq.com/openai/v1' },
  deepseek: { label: 'DeepSeek', baseUrl: 'https://api.deepseek.com/v1' },
  ollama: { label: 'Ollama', baseUrl: 'http://127.0.0.1:11434/v1' },
  openrouter: { label: 'OpenRouter', baseUrl: 'https://openrouter.ai/api/v1' },
  xai: { label: 'xAI', baseUrl: 'https://api.x.ai/v1' },
  together: { label: 'Together AI', baseUrl: 'https://api.together.xyz/v1' },
  gemini: { label: 'Google Gemini', baseUrl: 'https://generativelanguage.googleapis.com/v1beta' },
  bedrock: { label: 'Amazon Bedrock', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com' },
};

type Price = NonNullable<ProviderCreate['priceOverrides']>[string];
interface KeyRow { key: string; weight: string }
interface SettingRow { name: string; value: string }
/** Prices are typed per million tokens (how providers publish them); the API stores USD per token. */
interface PriceRow { model: string; input: string; output: string; rest: Omit<Price, 'input_cost_per_token' | 'output_cost_per_token'> }

export const perMillion = (perToken: number) => String(Number((perToken * 1e6).toPrecision(12)));
const perToken = (text: string) => (text.trim() === '' ? Number.NaN : Number(text) / 1e6);

/** The portal's message for a field or anything inside it (`apiKeys` catches `apiKeys.1.key`). */
export function fieldError(error: unknown, path: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.fieldMessage(path) ?? error.fields.find((f) => f.path.startsWith(`${path}.`))?.message;
}

/**
 * Creates a provider, or edits one (`provider` given). Keys are write-only: an edit leaves them as they are
 * unless "Replace the keys" is chosen, and what was typed is never shown back by the portal.
 */
export function ProviderForm({ provider, onDone }: { provider?: Provider; onDone: () => void }) {
  const client = useQueryClient();
  const details = provider && 'baseUrl' in provider ? provider : undefined;
  const [name, setName] = useState(provider?.name ?? '');
  const [type, setType] = useState<ProviderType>((provider?.type as ProviderType | undefined) ?? 'openai');
  const [baseUrl, setBaseUrl] = useState(details?.baseUrl ?? '');
  const [replaceKeys, setReplaceKeys] = useState(!provider);
  const [keys, setKeys] = useState<KeyRow[]>([{ key: '', weight: '1' }]);
  const [settings, setSettings] = useState<SettingRow[]>(Object.entries(details?.settings ?? {}).map(([n, value]) => ({ name: n, value })));
  const [prices, setPrices] = useState<PriceRow[]>(
    Object.entries(details?.priceOverrides ?? {}).map(([model, { input_cost_per_token, output_cost_per_token, ...rest }]) => ({ model, input: perMillion(input_cost_per_token), output: perMillion(output_cost_per_token), rest })),
  );
  const [checkError, setCheckError] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (body: ProviderCreate | ProviderUpdate) =>
      provider ? api.patch<{ provider: Provider }>(`/api/providers/${provider.id}`, body) : api.post<{ provider: Provider }>('/api/providers', body),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['providers'] });
      onDone();
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCheckError(null);
    const filledKeys = keys.filter((k) => k.key.trim() !== '');
    if (replaceKeys && filledKeys.length === 0) return setCheckError('Enter at least one API key.');
    const badPrice = prices.find((p) => p.model.trim() === '' || Number.isNaN(perToken(p.input)) || Number.isNaN(perToken(p.output)));
    if (badPrice) return setCheckError('Each price override needs a model name and both prices (USD per million tokens).');
    const body: ProviderCreate = {
      name: name.trim(),
      type,
      baseUrl: baseUrl.trim(),
      settings: Object.fromEntries(settings.filter((s) => s.name.trim()).map((s) => [s.name.trim(), s.value])),
      priceOverrides: Object.fromEntries(prices.map((p) => [p.model.trim(), { ...p.rest, input_cost_per_token: perToken(p.input), output_cost_per_token: perToken(p.output) }])),
    };
    if (replaceKeys) {
      if (filledKeys.length === 1 && filledKeys[0]!.weight === '1') body.apiKey = filledKeys[0]!.key.trim();
      else body.apiKeys = filledKeys.map((k) => ({ key: k.key.trim(), weight: Number(k.weight) }));
    }
    save.mutate(body);
  };
  const err = (path: string) => fieldError(save.error, path);
  const title = provider ? `Edit ${provider.name}` : 'New provider';
  const titleId = provider ? `edit-provider-${provider.id}` : 'new-provider';
  const update = <T,>(rows: T[], set: (r: T[]) => void, i: number, change: Partial<T>) => set(rows.map((r, j) => (j === i ? { ...r, ...change } : r)));

  return (
    <form className="card admin-form" onSubmit={submit} aria-labelledby={titleId} noValidate>
      <h2 id={titleId}>{title}</h2>
      {save.error ? <ErrorNote error={save.error} title={provider ? 'The provider was not saved' : 'The provider was not created'} /> : null}
      {checkError ? <p role="alert" className="note note-error">{checkError}</p> : null}
      <div className="admin-form-grid">
        <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} error={err('name')} required maxLength={120} />
        <SelectField label="Type" value={type} onChange={(e) => setType(e.target.value as ProviderType)} error={err('type')}>
          {Object.entries(providerTypes).map(([value, t]) => (
            <option key={value} value={value}>{t.label}</option>
          ))}
        </SelectField>
        <TextField label="Base URL" type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} error={err('baseUrl')} required placeholder={providerTypes[type].baseUrl} hint={`Usually ${providerTypes[type].baseUrl}`} />
      </div>

      <fieldset className="admin-fieldset">
        <legend>API keys</legend>
        {provider && !replaceKeys ? (
          <p>
            {details?.hasApiKey ? `${details.keys?.length ?? 'Some'} key${details.keys?.length === 1 ? ' is' : 's are'} set; they are never shown again. ` : 'No key is set. '}
            <button type="button" className="button button-secondary" onClick={() => setReplaceKeys(true)}>Replace the keys</button>
          </p>
        ) : (
          <>
            <p className="hint">One key, or a pool: the gateway spreads calls over the keys by weight (1–100).{type === 'bedrock' ? ' A Bedrock key is ACCESS_KEY_ID:SECRET_ACCESS_KEY.' : ''}</p>
            {err('apiKey') ? <p className="field-error">{err('apiKey')}</p> : null}
            {err('apiKeys') ? <p className="field-error">{err('apiKeys')}</p> : null}
            {keys.map((k, i) => (
              <div className="admin-row" key={i}>
                <TextField label={`Key ${i + 1}`} type="password" autoComplete="off" value={k.key} onChange={(e) => update(keys, setKeys, i, { key: e.target.value })} error={fieldError(save.error, `apiKeys.${i}.key`)} />
                <TextField label={`Weight of key ${i + 1}`} type="number" min={1} max={100} value={k.weight} onChange={(e) => update(keys, setKeys, i, { weight: e.target.value })} error={fieldError(save.error, `apiKeys.${i}.weight`)} />
                {keys.length > 1 ? <button type="button" className="button button-secondary" onClick={() => setKeys(keys.filter((_, j) => j !== i))}>Remove key {i + 1}</button> : null}
              </div>
            ))}
            <button type="button" className="button button-secondary" onClick={() => setKeys([...keys, { key: '', weight: '1' }])}>Add a key</button>
            {provider ? <button type="button" className="button button-secondary" onClick={() => setReplaceKeys(false)}>Keep the current keys</button> : null}
          </>
        )}
      </fieldset>

      <fieldset className="admin-fieldset">
        <legend>Settings</legend>
        <p className="hint">Non-secret, provider-specific values: Azure&rsquo;s apiVersion, Bedrock&rsquo;s region.</p>
        {err('settings') ? <p className="field-error">{err('settings')}</p> : null}
        {settings.map((s, i) => (
          <div className="admin-row" key={i}>
            <TextField label={`Setting ${i + 1} name`} value={s.name} onChange={(e) => update(settings, setSettings, i, { name: e.target.value })} />
            <TextField label={`Setting ${i + 1} value`} value={s.value} onChange={(e) => update(settings, setSettings, i, { value: e.target.value })} />
            <button type="button" className="button button-secondary" onClick={() => setSettings(settings.filter((_, j) => j !== i))}>Remove setting {i + 1}</button>
          </div>
        ))}
        <button type="button" className="button button-secondary" onClick={() => setSettings([...settings, { name: type === 'bedrock' ? 'region' : type === 'azure-openai' ? 'apiVersion' : '', value: '' }])}>Add a setting</button>
      </fieldset>

      <fieldset className="admin-fieldset">
        <legend>Price overrides</legend>
        <p className="hint">USD per million tokens, for models whose price the built-in table lacks or gets wrong.</p>
        {err('priceOverrides') ? <p className="field-error">{err('priceOverrides')}</p> : null}
        {prices.map((p, i) => (
          <div className="admin-row" key={i}>
            <TextField label={`Model ${i + 1}`} value={p.model} onChange={(e) => update(prices, setPrices, i, { model: e.target.value })} />
            <TextField label={`Input price of model ${i + 1}`} type="number" min={0} step="any" value={p.input} onChange={(e) => update(prices, setPrices, i, { input: e.target.value })} />
            <TextField label={`Output price of model ${i + 1}`} type="number" min={0} step="any" value={p.output} onChange={(e) => update(prices, setPrices, i, { output: e.target.value })} />
            <button type="button" className="button button-secondary" onClick={() => setPrices(prices.filter((_, j) => j !== i))}>Remove price {i + 1}</button>
          </div>
        ))}
        <button type="button" className="button button-secondary" onClick={() => setPrices([...prices, { model: '', input: '', output: '', rest: {} }])}>Add a price override</button>
      </fieldset>

      <div className="admin-actions">
        <button type="submit" className="button" disabled={save.isPending}>{save.isPending ? 'Saving…' : provider ? 'Save provider' : 'Create provider'}</button>
        <button type="button" className="button button-secondary" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}
