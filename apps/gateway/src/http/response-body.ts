/**
 * A translated answer (text, or the provider's own bytes) as a Response body, without a copy. The view is typed
 * over an ArrayBuffer: a Buffer's type allows a SharedArrayBuffer underneath, which the DOM's `BodyInit`
 * (BufferSource) refuses; one CI type check saw that declaration of `Response` and failed, so the type no
 * longer depends on which one is loaded.
 */
export function responseBody(body: string | Buffer): string | Uint8Array<ArrayBuffer> {
  return typeof body === 'string' ? body : new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength);
}
