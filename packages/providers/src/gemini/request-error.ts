import { UnsupportedParameterError } from '../adapter';

/**
 * The caller's request has no Gemini equivalent (an unknown `reasoning_effort`, a tool message answering no
 * earlier tool call, a tool-call argument string that is not a JSON object…): the caller's fault, named by
 * field, and the provider is never called. Values Gemini itself can judge (a temperature of "hot") are not
 * checked here: they travel as given and Gemini's own 400 names the field.
 */
export const untranslatable = (message: string, param: string): UnsupportedParameterError =>
  new UnsupportedParameterError(param, message);
