// Runs in the browser before the app's own modules. Zod compiles object parsers with `new Function`
// unless told not to, and merely probing for it makes the browser report a Content-Security-Policy
// violation (our policy allows no eval: lib/http/csp.ts); the plain parsers are used instead.
import { z } from "zod";

z.config({ jitless: true });
