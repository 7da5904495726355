import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext, rootCertificates, type SecureContext, type SecureContextOptions } from 'node:tls';

/**
 * What the gateway presents to, and trusts of, TLS upstreams (ADR 0037): one client certificate for the whole
 * gateway, and extra CAs on top of Node's roots. Each part is optional: a CA alone (an ingress with a private
 * server certificate but no client check) and a certificate alone are both meaningful.
 */
export interface UpstreamTls {
  /** PEM: the client certificate, its intermediates after it. */
  cert?: string;
  /** PEM: the certificate's unencrypted private key. */
  key?: string;
  /** PEM bundle of CAs trusted besides Node's own roots. */
  ca?: string;
}

/** A PEM file as read at start: its path (for messages) and its text. */
export interface PemFile {
  path: string;
  pem: string;
}

const certificateBlocks = (text: string) => text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

/**
 * Reads a PEM file once, at start, and checks it holds what it should: certificates that parse, or one private
 * key that parses and needs no passphrase. The problem comes back as text for the setting's own error.
 */
export function readPemFile(path: string, kind: 'certificates' | 'key'): PemFile | { problem: string } {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problem: `cannot read "${path}"${code ? ` (${code})` : ''}` };
  }
  if (kind === 'certificates') {
    const blocks = certificateBlocks(pem);
    if (blocks.length === 0) return { problem: `"${path}" is not PEM: it has no -----BEGIN CERTIFICATE----- block` };
    for (const [i, block] of blocks.entries()) {
      try {
        new X509Certificate(block);
      } catch {
        return { problem: `"${path}": certificate ${i + 1} of ${blocks.length} does not parse` };
      }
    }
    return { path, pem };
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    return { problem: `"${path}" holds an encrypted key: the gateway takes no passphrase, give it the key unencrypted` };
  }
  if (!/-----BEGIN (?:RSA |EC )?PRIVATE KEY-----/.test(pem)) return { problem: `"${path}" is not PEM: it has no -----BEGIN PRIVATE KEY----- block` };
  try {
    createPrivateKey(pem);
  } catch {
    return { problem: `"${path}": the private key does not parse` };
  }
  return { path, pem };
}

/** Why a certificate and a key cannot be used together, or null when TLS accepts the pair. */
export function certKeyPairProblem(cert: string, key: string): string | null {
  try {
    createSecureContext({ cert, key });
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // OpenSSL's own words ("x509 certificate routines::key values mismatch") name no file and no fix.
    if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') return 'is not the private key of the certificate in TOLLGATE_UPSTREAM_TLS_CERT_FILE';
    return `cannot be used with the certificate in TOLLGATE_UPSTREAM_TLS_CERT_FILE (${code ?? (err as Error).message})`;
  }
}

/**
 * The options of the one TLS context every upstream connection uses, or null when nothing is configured (Node's
 * default context then, as before). The CAs are added to Node's roots, not put in their place, so public AI
 * providers still verify. (`NODE_EXTRA_CA_CERTS` is not among `rootCertificates`: with a CA file, put those CAs
 * in it too.)
 */
export function upstreamTlsContextOptions(tls: UpstreamTls | undefined): SecureContextOptions | null {
  if (!tls || (!tls.cert && !tls.key && !tls.ca)) return null;
  return { cert: tls.cert, key: tls.key, ca: tls.ca ? [...rootCertificates, tls.ca] : undefined };
}

/**
 * Built once: given `cert`/`key`/`ca` instead, `tls.connect` would make a context per connection, parsing Node's
 * ~150 roots each time.
 */
export function upstreamSecureContext(tls: UpstreamTls | undefined): SecureContext | null {
  const options = upstreamTlsContextOptions(tls);
  return options ? createSecureContext(options) : null;
}
