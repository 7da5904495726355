/**
 * Test support for objects checked through typed `@kubernetes-models` / `kubernetes-models` classes (the mesh
 * manifests here, Tollgate's own deployment in tests/deploy): their `validate()` checks types, enums, patterns
 * and required fields, but ignores fields the schema does not know, which the API server then silently drops.
 * `unknownFieldsOf` replaces each leaf in turn by a value of a clashing type: a field the schema knows refuses
 * it, so a leaf that still validates is one the schema does not know.
 */
export type Model = new (data: any) => { validate(): void };
export type Path = Array<string | number>;

/** A registry of models by `apiVersion kind`, and the lookup that names what it lacks. */
export function modelRegistry(models: Array<Model & { apiVersion: string; kind: string }>) {
  const byKind = Object.fromEntries(models.map((m) => [`${m.apiVersion} ${m.kind}`, m])) as Record<string, Model>;
  return (object: { apiVersion: string; kind: string }): Model => {
    const found = byKind[`${object.apiVersion} ${object.kind}`];
    if (!found) throw new Error(`no typed model for ${object.apiVersion} ${object.kind}`);
    return found;
  };
}

/** Throws the schema's complaint, naming the object. */
export function validateWith(Model: Model, object: { kind: string; metadata?: { name?: string } }): void {
  try {
    new Model(structuredClone(object)).validate();
  } catch (err) {
    throw new Error(`${object.kind} ${object.metadata?.name}: ${(err as Error).message}`);
  }
}

function leaves(value: unknown, path: Path): Path[] {
  if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => leaves(v, [...path, i])) : [path];
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length ? entries.flatMap(([k, v]) => leaves(v, [...path, k])) : [path];
  }
  return [path];
}

function replaced(object: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(object) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1)!] = value;
  return copy;
}

const valueAt = (object: unknown, path: Path) => path.reduce<unknown>((at, key) => (at as Record<string | number, unknown>)[key], object);

/**
 * The paths (`spec.http.0.retries.attempt`) of the leaves under `roots` that the schema does not know.
 * `clash` gives, for a leaf's value, one that no schema type but "anything" takes in its place.
 */
export function unknownFieldsOf(Model: Model, object: Record<string, unknown>, roots: string[], clash: (value: unknown) => unknown): string[] {
  const unknown: string[] = [];
  for (const path of roots.flatMap((root) => leaves(object[root], [root]))) {
    try {
      new Model(replaced(object, path, clash(valueAt(object, path)))).validate();
      unknown.push(path.join('.'));
    } catch {
      // Refused: the schema knows this field and its type.
    }
  }
  return unknown;
}
