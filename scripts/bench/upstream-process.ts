// The gateway benchmark's loopback upstream in a process of its own, as an inference server would
// be, so that its event loop is not the load generator's or the gateway's: prints its base URL,
// then reads one line of JSON per behaviour to set ({"model": "…", "behaviour": {…}}, see
// UpstreamBehaviour) and answers each with "ok" once it applies; serves until killed.
import { createInterface } from "node:readline";
import { startUpstreamServer, type UpstreamBehaviour } from "../../test/support/upstream-server";

startUpstreamServer().then(
  (upstream) => {
    console.log(upstream.baseUrl);
    createInterface({ input: process.stdin }).on("line", (line) => {
      const { model, behaviour } = JSON.parse(line) as { model: string; behaviour: Partial<UpstreamBehaviour> };
      upstream.behave(model, behaviour);
      console.log("ok");
    });
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
