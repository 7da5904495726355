import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1beta1/AuthorizationPolicy';
import { RequestAuthentication } from '@kubernetes-models/istio/security.istio.io/v1beta1/RequestAuthentication';
import { Telemetry } from '@kubernetes-models/istio/telemetry.istio.io/v1alpha1/Telemetry';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { ReferenceGrant } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1/ReferenceGrant';
import { modelRegistry, unknownFieldsOf, validateWith } from './schema-probe.testing';

/**
 * Test support only (production code builds plain objects and never imports the models). Each emitted object
 * is checked against its published CRD schema through the typed `@kubernetes-models` classes, in two ways:
 *
 * - `validate()`: types, enums, patterns, required fields and list limits of the CRD's OpenAPI schema.
 * - `unknownFields()`: the schemas do not forbid unknown fields, and the API server silently prunes them, so
 *   a misspelt field (`retries.attempt`) would pass `validate()` and vanish in the cluster. Every leaf of
 *   the object is replaced in turn by a value of a clashing type: a field the schema knows rejects it, so
 *   a leaf that still validates is one the schema does not know.
 * - `celViolations()`: the packaged schemas leave out the CRDs' CEL rules (`x-kubernetes-validations`), which
 *   the API server runs; the HTTPRoute v1 rules the builders could break are checked by hand.
 */
const modelFor = modelRegistry([VirtualService, DestinationRule, AuthorizationPolicy, RequestAuthentication, Telemetry, HTTPRoute, ReferenceGrant]);

/** Throws the CRD schema's complaint, naming the object. */
export function validateObject(object: { apiVersion: string; kind: string; metadata?: { name?: string } }): void {
  validateWith(modelFor(object), object);
}

/** A value no schema type but "anything" takes in place of `value`. */
const clash = (value: unknown) => (typeof value === 'string' || Array.isArray(value) || (value !== null && typeof value === 'object') ? 12_345 : { probe: [] });

/** The paths (`spec.http.0.retries.attempt`) of the object's leaves its CRD schema does not know. */
export function unknownFields(object: { apiVersion: string; kind: string; spec: unknown }): string[] {
  return unknownFieldsOf(modelFor(object), object as Record<string, unknown>, ['spec'], clash);
}

type Rule = { matches?: Array<{ path?: { type: string } }>; filters?: Array<{ type: string; urlRewrite?: { path?: { type: string } } }> };

/**
 * HTTPRoute v1.0's CEL rules on a rule's filters and matches (from the CRD's `x-kubernetes-validations`):
 * a ReplacePrefixMatch rewrite needs exactly one PathPrefix match; RequestRedirect and URLRewrite exclude each
 * other; each header modifier appears at most once.
 */
export function celViolations(route: { kind: string; spec: { rules?: Rule[] } }): string[] {
  if (route.kind !== 'HTTPRoute') return [];
  return (route.spec.rules ?? []).flatMap((rule, i) => {
    const filters = rule.filters ?? [];
    const count = (type: string) => filters.filter((f) => f.type === type).length;
    const problems: string[] = [];
    if (filters.some((f) => f.urlRewrite?.path?.type === 'ReplacePrefixMatch') && (rule.matches?.length !== 1 || rule.matches[0]!.path?.type !== 'PathPrefix')) {
      problems.push(`rules.${i}: ReplacePrefixMatch needs exactly one PathPrefix match`);
    }
    if (count('RequestRedirect') && count('URLRewrite')) problems.push(`rules.${i}: RequestRedirect and URLRewrite together`);
    for (const type of ['RequestHeaderModifier', 'ResponseHeaderModifier', 'URLRewrite', 'RequestRedirect']) {
      if (count(type) > 1) problems.push(`rules.${i}: ${type} more than once`);
    }
    return problems;
  });
}
