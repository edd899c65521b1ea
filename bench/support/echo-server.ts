// The benchmark's floor: a trivial gRPC service on the same library and server settings as ours.
import { createLogger, implement, startGrpcServer } from "@bookstore/kit";
import { EchoServiceService } from "@bookstore/proto";

const server = await startGrpcServer({
  host: "127.0.0.1",
  port: Number(process.env.ECHO_PORT ?? 0),
  services: [
    {
      name: "bookstore.v1.EchoService",
      definition: EchoServiceService,
      implementation: implement(EchoServiceService, { echo: (req) => ({ message: req.message }) }),
    },
  ],
  logger: createLogger({ service: "echo", level: "warn" }),
});
process.send?.({ port: server.port });
process.once("SIGTERM", () => void server.close().then(() => process.exit(0)));
