import { readFileSync } from "node:fs";

/** FileDescriptorSet of every proto in proto/ (built by `npm run proto:gen`), for gRPC reflection. */
export const descriptorSet: Buffer = readFileSync(new URL("./descriptors.binpb", import.meta.url));
