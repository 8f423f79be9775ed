// Types of js/src/loop.js: the runtime-neutral host loop that drives a core Session.
import type { AttemptStep, EndStep, HealthEvent, RespondStep, Session } from './binding.js';

export interface SessionHost {
  /** The upstream call (default: the global fetch). init.headers is a Headers with the secret. */
  fetch?: (url: string, init: { method: string; headers: Headers; body?: string; signal: AbortSignal }) => Promise<Response>;
  /**
   * The secret of an attempt (step.request.auth names where it goes): a string, null for none,
   * or {unavailable: message} — or a throw — when a key the attempt needs is missing (BYOK):
   * the attempt is reported "unavailable" without a call and the core moves on.
   */
  secretFor?: (step: AttemptStep) => string | null | { unavailable: string };
  now?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (id: unknown) => void;
  /** The client left: the attempt in flight is cut and reported "cancelled". */
  signal?: AbortSignal | null;
  /** A stream's client bytes, in order (content, then the final step's tail). */
  onBytes?: (bytes: Uint8Array) => void;
  /** Whether the host already sent the client a streamed response head (a keep-alive). */
  committed?: () => boolean;
  /** Health events the core told its router, per step (to share them with other instances). */
  onObserved?: (events: HealthEvent[]) => void;
}

/** Drives the session to its final step: "respond" (send it) or "end" (the tail went out). */
export declare function runSession(session: Session, host?: SessionHost): Promise<RespondStep | EndStep>;

/** runSession as an async iterable of client byte chunks; `result` is the final step. */
export declare function sessionStream(session: Session, host?: SessionHost): AsyncIterable<Uint8Array> & {
  readonly result: Promise<RespondStep | EndStep>;
};
