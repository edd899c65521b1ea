// The container's entry point: SERVICE names the process to run (one image for all of them).
const services = [
  "orchestrator",
  "transaction-verification",
  "fraud-detection",
  "suggestions",
  "payment",
  "order-executor",
  "db-node",
];

const service = process.env.SERVICE ?? "";
if (!services.includes(service)) {
  process.stderr.write(
    `entrypoint: SERVICE must be one of ${services.join(", ")} (got ${JSON.stringify(service)})\n`,
  );
  process.exit(2);
}
await import(`../services/${service}/src/index.js`);
