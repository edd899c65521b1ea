// The environments that Compose and Kubernetes give the bookstore's containers, read from the
// files as a deployment tool would (YAML merge keys, ${VAR} interpolation, $(VAR) expansion,
// fieldRef, secretKeyRef), and checked against each service's configuration schema.
import type { z } from "zod";
import { configSchema as dbNode } from "../../services/db-node/src/config.js";
import { configSchema as fraud } from "../../services/fraud-detection/src/config.js";
import { configSchema as orchestrator } from "../../services/orchestrator/src/config.js";
import { configSchema as executor } from "../../services/order-executor/src/config.js";
import { configSchema as payment } from "../../services/payment/src/config.js";
import { configSchema as suggestions } from "../../services/suggestions/src/config.js";
import { configSchema as verification } from "../../services/transaction-verification/src/config.js";

export const schemas: Record<string, z.ZodObject> = {
  "db-node": dbNode,
  "order-executor": executor,
  payment,
  "fraud-detection": fraud,
  "transaction-verification": verification,
  suggestions,
  orchestrator,
};

/** A container of ours: which service it runs (SERVICE), its environment, where it is. */
export interface Container {
  /** "compose service db-node-1", "StatefulSet db-node pod db-node-2". */
  where: string;
  service: string;
  env: Record<string, string>;
}

/** Variables a deployment must set: their defaults only work on one machine. */
export function requiredInDeployment(service: string, env: Record<string, string>): string[] {
  const schema = schemas[service];
  if (!schema) return [];
  const required = Object.entries(schema.shape).flatMap(([key, field]) => {
    const fallback = JSON.stringify((field as z.ZodType).safeParse(undefined).data ?? "");
    const local = /127\.0\.0\.1|"dev-only|"\.\/var/.test(fallback) || /_NODE_ID$|_DATA_DIR$/.test(key);
    return local ? [key] : [];
  });
  // With a PostgreSQL server the embedded one's directory is not used.
  const unused = env.DATABASE_URL ? ["SUGGESTIONS_DATA_DIR"] : [];
  // What this system needs besides: suggestions on Postgres, the orchestrator using suggestions.
  const wanted: Record<string, string[]> = {
    suggestions: ["DATABASE_URL"],
    orchestrator: ["SUGGESTIONS_ADDR"],
  };
  return [...required.filter((k) => !unused.includes(k)), ...(wanted[service] ?? [])];
}

/** Problems with one container's environment: unknown or missing variables, values the schema refuses. */
export function environmentProblems(c: Container): string[] {
  const schema = schemas[c.service];
  if (!schema) return [`${c.where}: SERVICE ${JSON.stringify(c.service)} is not one of ours`];
  const problems: string[] = [];
  for (const key of Object.keys(c.env))
    if (key !== "SERVICE" && !(key in schema.shape))
      problems.push(`${c.where}: ${key} is not a ${c.service} variable`);
  for (const key of requiredInDeployment(c.service, c.env))
    if (!c.env[key]) problems.push(`${c.where}: ${key} must be set (its default only works on one machine)`);
  const parsed = schema.safeParse(c.env);
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      problems.push(`${c.where}: ${issue.path.join(".")}: ${issue.message}`);
  return problems;
}

/** host:port pairs in the variables that name other processes. */
export function addressesIn(env: Record<string, string>): { variable: string; host: string; port: number }[] {
  return Object.entries(env).flatMap(([variable, value]) => {
    if (variable === "DATABASE_URL" && value) {
      const u = new URL(value);
      return [{ variable, host: u.hostname, port: Number(u.port || 5432) }];
    }
    if (!/_ADDR$|_NODES$|_PEERS$/.test(variable)) return [];
    return value
      .split(",")
      .filter((a) => a.length > 0)
      .map((a) => {
        const address = a.includes("=") ? a.slice(a.indexOf("=") + 1) : a;
        const at = address.lastIndexOf(":");
        return { variable, host: address.slice(0, at), port: Number(address.slice(at + 1)) };
      });
  });
}

/** The port a container of ours listens on for its service (its *_PORT variable, parsed). */
export function listeningPort(c: Container): number | undefined {
  const schema = schemas[c.service];
  const parsed = schema?.safeParse(c.env);
  if (!parsed?.success) return undefined;
  const data = parsed.data as Record<string, unknown>;
  const key = Object.keys(data).find((k) => /_PORT$/.test(k) && !/_ADMIN_PORT$/.test(k));
  return key ? Number(data[key]) : undefined;
}

// ---- Compose ---------------------------------------------------------------------------------

/** Compose's ${VAR}, ${VAR:-default}, ${VAR:?error}: defaults used, required ones given a sample. */
export function interpolate(value: string, sample: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-?])([^}]*))?\}/g, (_m, _name, op, arg) =>
    op === "-" ? String(arg) : sample,
  );
}

interface ComposeService {
  image?: string;
  environment?: Record<string, string | number> | string[];
}

export function composeContainers(
  file: { services: Record<string, ComposeService> },
  sample: string,
): Container[] {
  return Object.entries(file.services).flatMap(([name, svc]) => {
    if (!svc.image?.startsWith("bookstore") || !svc.environment) return [];
    const raw = Array.isArray(svc.environment)
      ? Object.fromEntries(
          svc.environment.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
        )
      : svc.environment;
    const env = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, interpolate(String(v), sample)]));
    if (!env.SERVICE) return [];
    return [{ where: `compose service ${name}`, service: env.SERVICE, env }];
  });
}

// ---- Kubernetes ------------------------------------------------------------------------------

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
}
interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec?: {
    replicas?: number;
    template?: { spec: { containers: { name: string; image: string; env?: EnvVar[] }[] } };
  };
  data?: Record<string, string>;
}

/** Every pod's containers of our image, one entry per StatefulSet ordinal (their env differs). */
export function kubernetesContainers(objects: K8sObject[], sampleSecret: string): Container[] {
  const secret = (ref: { name: string; key: string }, where: string): string => {
    const s = objects.find((o) => o.kind === "Secret" && o.metadata.name === ref.name);
    if (!s) return sampleSecret;
    const v = s.data?.[ref.key];
    if (v === undefined) throw new Error(`${where}: secret ${ref.name} has no key ${ref.key}`);
    return Buffer.from(v, "base64").toString("utf8");
  };
  return objects.flatMap((o) => {
    if (o.kind !== "StatefulSet" && o.kind !== "Deployment") return [];
    const pods =
      o.kind === "StatefulSet"
        ? Array.from({ length: o.spec?.replicas ?? 1 }, (_, i) => `${o.metadata.name}-${i}`)
        : [`${o.metadata.name}-5d8f7c9b4-x2x7q`];
    const containers = (o.spec?.template?.spec.containers ?? []).filter((c) =>
      /(^|\/)bookstore(:|$)/.test(c.image),
    );
    return pods.flatMap((pod) =>
      containers.map((c) => {
        const where = `${o.kind} ${o.metadata.name} pod ${pod}`;
        const env: Record<string, string> = {};
        for (const e of c.env ?? []) {
          if (e.valueFrom?.fieldRef)
            env[e.name] = e.valueFrom.fieldRef.fieldPath === "metadata.name" ? pod : "";
          else if (e.valueFrom?.secretKeyRef) env[e.name] = secret(e.valueFrom.secretKeyRef, where);
          // $(VAR) refers to a variable defined earlier in the list (Kubernetes' expansion).
          else
            env[e.name] = (e.value ?? "").replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v) => env[v] ?? m);
        }
        return { where, service: env.SERVICE ?? "", env };
      }),
    );
  });
}
