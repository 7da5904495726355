import { nativeStreamState, parseJsonObject } from '@tollgate/providers';
import type { ChatAnswers } from '../forward/ingress';
import type { Json } from './response-store';

const finished = (response: Json | null | undefined): response is Json => response?.status === 'completed' || response?.status === 'incomplete';

/**
 * The answers of a call passed through natively (ADR 0022), which the gateway stores too: the caller did not
 * say `store: false`, and a later `previous_response_id` or `item_reference` is resolved from the gateway's
 * store, whichever path answered. `onDone` gets the finished response, read only once the answer is out.
 */
export function storingAnswers(answers: ChatAnswers, onDone: (response: () => Json | null) => void): ChatAnswers {
  return {
    ...answers,
    answer(body, call, usage) {
      const out = answers.answer(body, call, usage);
      // Parsed later, off the caller's path: the provider's body went out as it came.
      onDone(() => {
        const response = parseJsonObject(out);
        return finished(response) ? response : null;
      });
      return out;
    },
    stream(translator, call) {
      const out = answers.stream(translator, call);
      // The same object, its end hooked: the native stream's state (numbering a failure's events) is keyed by it.
      const end = out.end;
      out.end = () => {
        const tail = end();
        const response = nativeStreamState(translator)?.response as Json | null | undefined;
        if (finished(response)) onDone(() => response);
        return tail;
      };
      return out;
    },
  };
}
