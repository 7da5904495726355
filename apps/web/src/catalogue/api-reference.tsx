import { useEffect, useRef } from 'react';
import { useQuery } from '@tanstack/react-query';
import { createApiReference } from '@scalar/api-reference';
import '@scalar/api-reference/style.css';
import { api } from '../api/client';
import type { OpenApiDocument } from '../api/types';
import { DataState } from '../ui/states';

/**
 * Scalar, made to fetch nothing: the page's CSP allows only the portal's own origin, and a reference must not
 * phone home. So no hosted fonts (the app's system fonts instead), no telemetry, no AI agent, no request
 * proxy, and no "try it" client (it would call the gateway from the browser, which the CSP forbids, with a
 * key pasted into a third-party widget). The document is handed over as content, not as a URL to fetch.
 */
const offline = {
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  hideClientButton: true,
  hideTestRequestButton: true,
  showDeveloperTools: 'never',
  showToolbar: 'never',
  hideDarkModeToggle: true,
  documentDownloadType: 'json',
  layout: 'modern',
  showSidebar: false,
  hideSearch: true,
  defaultOpenAllTags: true,
  // Our own samples (Code samples tab) cover the calls; Scalar's language picker fails axe (a tablist with a wrapper between it and its tabs).
  hiddenClients: true,
  // System fonts instead of the hosted ones; muted text and HTTP method colours dark enough for WCAG AA on a light page (Scalar's #757575 on its #f6f6f6 is 4.3:1).
  customCss: [
    '.scalar-app { --scalar-font: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; --scalar-font-code: ui-monospace, SFMono-Regular, Menlo, monospace; }',
    '.light-mode { --scalar-color-2: #4a5058; --scalar-color-3: #57606a; --scalar-color-green: #1a7f37; --scalar-color-blue: #0b5cad; --scalar-color-orange: #9a4a00; --scalar-color-red: #b42318; --scalar-color-yellow: #7a5a00; --scalar-color-purple: #6f42c1; }',
  ].join('\n'),
} as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Scalar puts a media-type picker inside a response's toggle button when the response has several media
 * types (a button in a button: invalid, and unusable by keyboard and screen readers). So each response is
 * shown with its first media type, and its description names the others (a prompt's `text/event-stream`).
 */
function oneMediaTypePerResponse(doc: OpenApiDocument): OpenApiDocument {
  if (!isObject(doc.paths)) return doc;
  const paths = Object.fromEntries(
    Object.entries(doc.paths).map(([path, item]) => {
      if (!isObject(item)) return [path, item];
      const operations = Object.entries(item).map(([method, op]) => {
        if (!isObject(op) || !isObject(op.responses)) return [method, op];
        const responses = Object.fromEntries(
          Object.entries(op.responses).map(([code, res]) => {
            if (!isObject(res) || !isObject(res.content) || Object.keys(res.content).length < 2) return [code, res];
            const [first, ...others] = Object.keys(res.content);
            const description = [res.description, `Also answered as ${others.join(', ')}.`].filter(Boolean).join(' ');
            return [code, { ...res, description, content: { [first!]: res.content[first!] } }];
          }),
        );
        return [method, { ...op, responses }];
      });
      return [path, Object.fromEntries(operations)];
    }),
  );
  return { ...doc, paths };
}

/** Scalar's code-block copy buttons carry only an icon: name them, as they appear. */
function nameCopyButtons(root: HTMLElement): MutationObserver {
  const name = () => root.querySelectorAll('button.scalar-code-copy:not([aria-label])').forEach((b) => b.setAttribute('aria-label', 'Copy code'));
  const observer = new MutationObserver(name);
  observer.observe(root, { childList: true, subtree: true });
  name();
  return observer;
}

/** The service's OpenAPI document rendered by Scalar, with the gateway as its server. */
export default function ApiReference({ serviceId, gatewayUrl }: { serviceId: string; gatewayUrl: string | null }) {
  const doc = useQuery({ queryKey: ['openapi', serviceId], queryFn: () => api.get<OpenApiDocument>(`/api/services/${serviceId}/openapi`) });
  const mount = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!doc.data || !mount.current) return;
    const namer = nameCopyButtons(mount.current);
    const reference = createApiReference(mount.current, {
      ...offline,
      // The app follows the system's light or dark scheme; so does the reference.
      darkMode: window.matchMedia('(prefers-color-scheme: dark)').matches,
      content: oneMediaTypePerResponse(doc.data),
      ...(gatewayUrl ? { servers: [{ url: gatewayUrl, description: 'Tollgate gateway' }] } : {}),
    });
    return () => {
      namer.disconnect();
      reference.destroy();
    };
  }, [doc.data, gatewayUrl]);
  return (
    <DataState query={doc} what="the API reference">
      {() => <div ref={mount} className="api-reference" />}
    </DataState>
  );
}
