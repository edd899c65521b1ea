// The benchmark's floor: a trivial gRPC service on the same library and server settings as ours.
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger, implement, onShutdown, startGrpcServer } from "@bookstore/kit";
import { EchoServiceService } from "@bookstore/proto";

// A delay lets the kit's tests hold a call in flight while the process is told to stop.
const delayMs = Number(process.env.ECHO_DELAY_MS ?? 0);

const server = await startGrpcServer({
  host: "127.0.0.1",
  port: Number(process.env.ECHO_PORT ?? 0),
  services: [
    {
      name: "bookstore.v1.EchoService",
      definition: EchoServiceService,
      implementation: implement(EchoServiceService, {
        echo:
          delayMs > 0
            ? (req) => sleep(delayMs).then(() => ({ message: req.message }))
            : (req) => ({ message: req.message }),
      }),
    },
  ],
  logger: createLogger({ service: "echo", level: "warn" }),
});
onShutdown(createLogger({ service: "echo", level: "warn" }), () => server.close());
process.send?.({ port: server.port });
