import type { CatalogueApi, CatalogueModel, Service } from '../api/types';
import { CopyButton } from '../ui/copy-button';

/** Stands in for the key in every sample: the secret is shown once, on the app page, never here. */
const keyVar = 'TOLLGATE_API_KEY';

interface Sample {
  title: string;
  code: string;
}

function aiSamples(base: string, model: string): Sample[] {
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello!' }] });
  return [
    {
      title: 'Chat completions (curl)',
      code: `curl ${base}/v1/chat/completions \\\n  -H "Authorization: Bearer $${keyVar}" \\\n  -H "Content-Type: application/json" \\\n  -d '${body}'`,
    },
    {
      title: 'JavaScript (OpenAI SDK)',
      code: [
        `import OpenAI from 'openai';`,
        ``,
        `const client = new OpenAI({ apiKey: process.env.${keyVar}, baseURL: '${base}/v1' });`,
        `const completion = await client.chat.completions.create({`,
        `  model: '${model}',`,
        `  messages: [{ role: 'user', content: 'Hello!' }],`,
        `});`,
        `console.log(completion.choices[0].message.content);`,
      ].join('\n'),
    },
    {
      title: 'Python (OpenAI SDK)',
      code: [
        `import os`,
        `from openai import OpenAI`,
        ``,
        `client = OpenAI(api_key=os.environ["${keyVar}"], base_url="${base}/v1")`,
        `completion = client.chat.completions.create(`,
        `    model="${model}",`,
        `    messages=[{"role": "user", "content": "Hello!"}],`,
        `)`,
        `print(completion.choices[0].message.content)`,
      ].join('\n'),
    },
  ];
}

const isPrompt = (a: CatalogueApi) => 'kind' in a && a.kind === 'prompt';

function operationSample(base: string, path: string, method: string, title: string): Sample {
  const withBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  const lines = [`curl${method === 'GET' ? '' : ` -X ${method}`} ${base}${path}`, `  -H "Authorization: Bearer $${keyVar}"`];
  if (withBody) lines.push(`  -H "Content-Type: application/json"`, `  -d '${title.startsWith('Prompt') ? '{"variables":{}}' : '{}'}'`);
  return { title, code: lines.join(' \\\n') };
}

/** Ready-to-run calls with the gateway's address filled in; the key comes from an environment variable. */
export function CodeSamples({ service, gatewayUrl, models, apis }: { service: Service; gatewayUrl: string | null; models: CatalogueModel[]; apis: CatalogueApi[] }) {
  const base = gatewayUrl ?? 'https://your-gateway.example';
  const samples: Sample[] = [];
  if (service.kind === 'ai') {
    samples.push(...aiSamples(base, models[0]?.name ?? 'MODEL'));
    for (const p of apis.filter(isPrompt)) samples.push(operationSample(base, p.path, 'POST', `Prompt API ${p.name} (curl)`));
  } else {
    for (const a of apis.slice(0, 5)) samples.push(operationSample(base, `/${service.slug}${a.path}`, a.methods[0] ?? 'GET', `${a.name} (curl)`));
  }
  return (
    <div className="code-samples">
      {gatewayUrl ? (
        <p>
          Calls go to the gateway at <code>{gatewayUrl}</code>. Put one of your app’s keys in <code>{keyVar}</code>; the service answers once the app’s subscription is approved.
        </p>
      ) : (
        <p className="note note-warn" role="note">
          The portal does not know the gateway’s public address (its operator sets <code>TOLLGATE_PUBLIC_GATEWAY_URL</code>): replace <code>{base}</code> below with it.
        </p>
      )}
      {samples.length === 0 ? <div className="empty">No operation to call yet.</div> : null}
      {samples.map((s) => (
        <section key={s.title} className="code-sample" aria-label={s.title}>
          <div className="code-sample-head">
            <h3>{s.title}</h3>
            <CopyButton text={s.code} label={`Copy ${s.title}`} />
          </div>
          <pre><code>{s.code}</code></pre>
        </section>
      ))}
    </div>
  );
}
