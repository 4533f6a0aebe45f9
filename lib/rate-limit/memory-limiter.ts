// The in-process limiter: exact for a single app instance (the embedded default). Windows that
// have ended are swept at most once per window, so memory follows the number of active keys.
import { RATE_LIMIT_WINDOW_MS, windowResult, type RateLimiter } from "@/lib/rate-limit/window";

interface Window {
  count: number;
  resetsAt: number;
}

export function createMemoryRateLimiter(options: { now?: () => number } = {}): RateLimiter {
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();
  let lastSweep = now();

  function sweep(at: number) {
    if (at - lastSweep < RATE_LIMIT_WINDOW_MS) return;
    lastSweep = at;
    for (const [key, window] of windows) if (window.resetsAt <= at) windows.delete(key);
  }

  return {
    async consume(key, limit) {
      const at = now();
      sweep(at);
      let window = windows.get(key);
      if (!window || window.resetsAt <= at) {
        window = { count: 0, resetsAt: at + RATE_LIMIT_WINDOW_MS };
        windows.set(key, window);
      }
      if (window.count >= limit) return windowResult(false, limit, window.count, window.resetsAt - at);
      window.count += 1;
      return windowResult(true, limit, window.count, window.resetsAt - at);
    },
  };
}
