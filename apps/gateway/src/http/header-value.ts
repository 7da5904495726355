/**
 * Makes a configured name safe as an HTTP header value. Provider and model names may hold any Unicode (an en
 * dash in "OpenAI – EU"); Node refuses such header values with an exception after the provider was already
 * called, so non-printable-ASCII names are percent-encoded instead.
 */
export function headerValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}
