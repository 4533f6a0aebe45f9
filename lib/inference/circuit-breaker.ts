// The health of one upstream endpoint, as a circuit breaker. Closed: it takes requests. After
// `failureThreshold` consecutive failures it opens: the pool sends it nothing, so that a dead
// server costs requests no connection attempts or timeouts. After `cooldownMs` (or as soon as an
// active probe finds it answering again) it is half-open: one real request tries it; success
// closes the circuit, failure opens it for another cool-down. Pure state, clock injected, so
// that the pool (lib/inference/upstream-pool.ts) owns timers and probing.

export type CircuitState = "closed" | "open" | "half_open";

export interface CircuitOptions {
  failureThreshold: number;
  cooldownMs: number;
  now?: () => number;
  /** Told every change of state (metrics, starting and stopping the active probe). */
  onChange?: (state: CircuitState) => void;
}

export class CircuitBreaker {
  private current: CircuitState = "closed";
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitOptions) {
    this.now = options.now ?? Date.now;
  }

  get state(): CircuitState {
    return this.current;
  }

  /** Whether a request may be sent now (closed, a half-open circuit's free trial, or an open one whose cool-down is over). */
  allows(): boolean {
    if (this.current === "closed") return true;
    if (this.current === "half_open") return !this.trialInFlight;
    return this.now() - this.openedAt >= this.options.cooldownMs;
  }

  /**
   * A request is being sent (after allows()). Returns whether it is the trial of a half-open
   * circuit, which must end in succeeded(), failed() or abandoned().
   */
  admit(): boolean {
    if (this.current === "open") this.transition("half_open");
    if (this.current !== "half_open") return false;
    this.trialInFlight = true;
    return true;
  }

  succeeded(): void {
    this.failures = 0;
    this.trialInFlight = false;
    if (this.current !== "closed") this.transition("closed");
  }

  failed(): void {
    this.trialInFlight = false;
    this.failures += 1;
    if (this.current === "half_open" || (this.current === "closed" && this.failures >= this.options.failureThreshold)) {
      this.openedAt = this.now();
      this.transition("open");
    }
  }

  /** A trial ended without telling anything (its caller hung up): the next request may try. */
  abandoned(): void {
    this.trialInFlight = false;
  }

  /** An active probe got an answer: an open circuit lets one real request try it at once. */
  answering(): void {
    if (this.current === "open") this.transition("half_open");
  }

  private transition(state: CircuitState): void {
    this.current = state;
    this.options.onChange?.(state);
  }
}
