// The gateway benchmark's loopback upstream in a process of its own, as an inference server would
// be, so that its event loop is not the load generator's: prints its base URL, serves until killed.
import { startUpstreamServer } from "../../test/support/upstream-server";

startUpstreamServer().then(
  (upstream) => console.log(upstream.baseUrl),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
