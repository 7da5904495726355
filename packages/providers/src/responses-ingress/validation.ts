import { IngressValidationError } from '../anthropic-ingress/request';

/** Refusals name the field in the Responses API's own terms (`input.2.content.0.type`). */
export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const fail = (param: string, message: string): never => {
  throw new IngressValidationError(param, `${param}: ${message}`);
};
