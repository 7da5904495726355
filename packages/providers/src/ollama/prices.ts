import type { ModelPrice } from '@tollgate/domain';

/**
 * Ollama runs models on the operator's own hardware: there is no list price, so calls cost 0 unless the
 * provider sets price overrides (for example to charge back GPU time). Deliberately empty.
 */
export const ollamaPrices: Readonly<Record<string, ModelPrice>> = Object.freeze({});
