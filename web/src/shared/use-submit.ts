/**
 * The state every form of the portal and the console keeps: busy while its request is out,
 * the API's refusal (a line for the form, one next to each field it names, in the page's
 * language) or what was done, so that a new form is its fields and its request, not another
 * copy of this.
 */
import { useRef, useState } from "preact/hooks";
import { refusal } from "./api";
import { networkFailure } from "./submit-rules";

/** The notice under a form: what was done, or why not. */
export type Outcome = { kind: "ok" | "error"; text: string } | null;

/** What `done` says: words for an "ok" notice, a notice of either kind, or nothing. */
type Said = string | Outcome | undefined;

/** openapi-fetch's answer: `data` on success, `error` (the contract's envelope) otherwise. */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

interface SubmitState {
  busy: boolean;
  outcome: Outcome;
  /** The refusal's reasons by field path (`rules.refereeBonus`), to show at their inputs. */
  errors: Record<string, string>;
  /**
   * The refusal's envelope as the API sent it, for pages that read its details themselves;
   * null after a success or when no answer came.
   */
  failure: unknown;
}

const idle: SubmitState = { busy: false, outcome: null, errors: {}, failure: null };

/**
 * A form's submit: `submit(request, done)` sends `request` unless one is already out (a double
 * tap sends one request), then shows the API's refusal, or calls `done` with the answer's data
 * and shows what it says. Errors stay by their fields until the next answer.
 *
 * @example
 * const { busy, outcome, errors, submit } = useSubmit();
 * const save = () => submit(() => api.PATCH("/v1/me", { body: { name } }), () => t("nameSaved"));
 */
export function useSubmit() {
  const [state, setState] = useState<SubmitState>(idle);
  // A ref, not the state: two taps in one frame both see the state before the first render.
  const out = useRef(false);
  const submit = async <T>(
    request: () => Promise<Answer<T>>,
    // biome-ignore lint/suspicious/noConfusingVoidType: `done` may be a callback that says nothing (`onDone`).
    done?: (data: T) => Said | void,
  ) => {
    if (out.current) return;
    out.current = true;
    setState((before) => ({ ...before, busy: true, outcome: null }));
    let answer: Answer<T> | null = null;
    try {
      answer = await request();
    } catch {
      // No answer: nothing was refused, so the fields keep what they showed.
    } finally {
      out.current = false;
    }
    if (answer?.response.ok) {
      // The answer is the one the contract gives for success (none for a 204).
      const said = done?.(answer.data as T);
      const outcome =
        typeof said === "string" ? { kind: "ok" as const, text: said } : (said ?? null);
      setState({ busy: false, outcome, errors: {}, failure: null });
      return;
    }
    const { message, fields } = refusal(answer ? answer.error : networkFailure);
    setState((before) => ({
      busy: false,
      outcome: { kind: "error", text: message },
      errors: answer ? fields : before.errors,
      failure: answer ? (answer.error ?? null) : null,
    }));
  };
  return { ...state, submit };
}
