import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The committed test PEMs (see README.md here): a private CA, a `localhost` server certificate, a client certificate. */
export type TlsFixture = 'ca.pem' | 'server.pem' | 'server.key' | 'client.pem' | 'client.key';

export const tlsFixturePath = (name: TlsFixture): string => fileURLToPath(new URL(`./${name}`, import.meta.url));
export const tlsFixture = (name: TlsFixture): string => readFileSync(tlsFixturePath(name), 'utf8');
/** The client certificate's subject as Node's `getPeerCertificate().subject` gives it. */
export const clientSubject = { O: 'Tollgate test', CN: 'tollgate-gateway' };
