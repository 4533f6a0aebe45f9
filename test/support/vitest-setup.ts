import { inject } from "vitest";

for (const [name, value] of Object.entries(inject("stackEnv"))) {
  if (value !== undefined) process.env[name] = value;
}
