import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1beta1/AuthorizationPolicy';
import { modelRegistry, unknownFieldsOf, validateWith } from '../../apps/portal/src/mesh/schema-probe.testing';

/**
 * Test support only (scripts/k8s/manifests.ts builds plain objects and never imports the models). As
 * apps/portal/src/mesh/crd-models.testing.ts does for the Istio objects, in two ways:
 *
 * - `validateObject()`: the typed model's `validate()`, the OpenAPI schema of the Kubernetes API: types,
 *   enums, required fields.
 * - `unknownFields()`: `validate()` ignores fields the schema does not know, and the API server drops them
 *   (or, with `kubectl apply --validate=strict`, refuses them). Each leaf is replaced in turn by a value of a
 *   clashing type; a leaf that still validates is one the schema does not know. Strings are replaced by an
 *   object, not a number, because int-or-string fields (ports, quantities) take numbers.
 */
const modelFor = modelRegistry([Deployment, StatefulSet, HorizontalPodAutoscaler, PodDisruptionBudget, Namespace, Secret, Service, AuthorizationPolicy]);

type Manifest = { apiVersion: string; kind: string; metadata?: { name?: string } };

/** Throws the schema's complaint, naming the object. */
export function validateObject(object: Manifest): void {
  validateWith(modelFor(object), object);
}

// Strings become an object, not a number: int-or-string fields (ports, quantities) take numbers.
const clash = (value: unknown) => (value !== null && typeof value === 'object' ? 12_345 : { probe: [] });

/** The paths (`spec.template.spec.containers.0.readinesProbe.httpGet.path`) of leaves the schema does not know. */
export function unknownFields(object: Manifest & Record<string, unknown>): string[] {
  const roots = Object.keys(object).filter((key) => key !== 'apiVersion' && key !== 'kind');
  return unknownFieldsOf(modelFor(object), object, roots, clash);
}
