/**
 * Cuts items into parts of at most `maxItems` items and `maxChars` characters of JSON (an item larger than
 * that goes alone). Each item is serialised once, here; the part keeps the JSON so a sender can use it as is.
 */
export function partsBySize<T>(items: readonly T[], maxItems: number, maxChars: number): Array<{ items: T[]; json: string[] }> {
  const parts: Array<{ items: T[]; json: string[] }> = [];
  let part: { items: T[]; json: string[] } = { items: [], json: [] };
  let chars = 0;
  for (const item of items) {
    const json = JSON.stringify(item);
    if (part.items.length > 0 && (part.items.length >= maxItems || chars + json.length > maxChars)) {
      parts.push(part);
      part = { items: [], json: [] };
      chars = 0;
    }
    part.items.push(item);
    part.json.push(json);
    chars += json.length;
  }
  if (part.items.length > 0) parts.push(part);
  return parts;
}
