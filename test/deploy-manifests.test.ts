// deploy/: the Compose file and the Kubernetes manifests, checked offline with real validators
// (dclint with the Compose specification's schema; kustomize through kubectl, the Kubernetes
// OpenAPI schemas through kubernetes-models, unknown fields through the TypeScript compiler and
// kubernetes-types), and kept consistent with the services' configuration schemas.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Namespace, Secret, Service } from "kubernetes-models/v1";
import { parse, parseAllDocuments } from "yaml";
import {
  addressesIn,
  type Container,
  composeContainers,
  environmentProblems,
  kubernetesContainers,
  listeningPort,
  schemas,
} from "./support/deployment-env.js";

const root = new URL("..", import.meta.url).pathname;
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const SAMPLE_SECRET = "sample-secret-0123456789abcdef0123456789";

type K8s = { apiVersion: string; kind: string; metadata: { name: string }; spec?: Record<string, unknown> };

const rendered = new Map<string, string>();

/** kustomize as operators run it (kubectl's built-in kustomize); each directory rendered once. */
function render(dir: string): K8s[] {
  let out = rendered.get(dir);
  if (out === undefined) {
    out = execFileSync("kubectl", ["kustomize", join(root, dir)], { encoding: "utf8" });
    rendered.set(dir, out);
  }
  return parseAllDocuments(out).map((d) => d.toJS() as K8s);
}

const models: Record<string, { new (data: never): { validate(): void } }> = {
  "v1/Namespace": Namespace,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};

const types: Record<string, string> = {
  "v1/Namespace": "core.Namespace",
  "v1/Secret": "core.Secret",
  "v1/Service": "core.Service",
  "apps/v1/Deployment": "apps.Deployment",
  "apps/v1/StatefulSet": "apps.StatefulSet",
  "networking.k8s.io/v1/NetworkPolicy": "networking.NetworkPolicy",
  "policy/v1/PodDisruptionBudget": "policy.PodDisruptionBudget",
};

/** Unknown or misspelled fields at any depth: object literals checked by tsc against kubernetes-types. */
function unknownFieldErrors(objects: K8s[]): string {
  const dir = mkdtempSync(join(root, "node_modules", ".cache-k8s-types-"));
  try {
    const lines = [
      'import type * as apps from "kubernetes-types/apps/v1";',
      'import type * as core from "kubernetes-types/core/v1";',
      'import type * as networking from "kubernetes-types/networking/v1";',
      'import type * as policy from "kubernetes-types/policy/v1";',
      ...objects.map(
        (o, i) =>
          `export const o${i} = ${JSON.stringify(o)} satisfies ${types[`${o.apiVersion}/${o.kind}`]}; // ${o.kind} ${o.metadata.name}`,
      ),
    ];
    writeFileSync(join(dir, "manifests.ts"), lines.join("\n"));
    const tsc = spawnSync(
      process.execPath,
      [
        join(root, "node_modules", "typescript", "bin", "tsc"),
        "--noEmit",
        "--strict",
        "--module",
        "preserve",
        "--moduleResolution",
        "bundler",
        "--target",
        "es2022",
        join(dir, "manifests.ts"),
      ],
      { encoding: "utf8" },
    );
    return tsc.status === 0 ? "" : tsc.stdout + tsc.stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * kustomize wraps long base64 values of a Secret over lines; the API server's decoder (Go's
 * encoding/base64) skips line breaks, the schema's "byte" format does not: join them first.
 */
function joinBase64(o: K8s): K8s {
  const data = (o as { data?: Record<string, string> }).data;
  if (o.kind !== "Secret" || !data) return o;
  return {
    ...o,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.replace(/\s/g, "")])),
  } as K8s;
}

function validateKubernetes(objects: K8s[]): string[] {
  return objects.flatMap((o) => {
    const Model = models[`${o.apiVersion}/${o.kind}`];
    if (!Model) return [`${o.kind} ${o.metadata.name}: no schema for ${o.apiVersion}/${o.kind}`];
    try {
      new Model(joinBase64(o) as never).validate();
      return [];
    } catch (error) {
      return [`${o.kind} ${o.metadata.name}: ${(error as Error).message}`];
    }
  });
}

/** Every address a container names is a host of this deployment on a port something listens on. */
function wiringProblems(containers: Container[], endpoints: Map<string, number[]>): string[] {
  return containers.flatMap((c) =>
    addressesIn(c.env).flatMap(({ variable, host, port }) => {
      const ports = endpoints.get(host);
      if (!ports) return [`${c.where}: ${variable} names ${host}, which this deployment does not have`];
      return ports.includes(port)
        ? []
        : [`${c.where}: ${variable} names ${host}:${port}; it listens on ${ports}`];
    }),
  );
}

describe("deploy: Compose", () => {
  const file = join(root, "deploy", "compose.yaml");

  it("is valid against the Compose specification and lint-clean (dclint)", () => {
    // deploy/dclint.json: double quotes (as the formatter writes YAML); services listed in
    // start-up order, not alphabetically.
    const config = join(root, "deploy", "dclint.json");
    const run = spawnSync(bin("dclint"), [file, "-c", config, "--max-warnings", "0"], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    // The validator does catch a broken file.
    const broken = join(mkdtempSync(join(root, "node_modules", ".cache-compose-")), "compose.yaml");
    writeFileSync(broken, readFileSync(file, "utf8").replace("stop_grace_period:", "stop_grace_perod:"));
    const refused = spawnSync(bin("dclint"), [broken, "-c", config], { encoding: "utf8" });
    rmSync(join(broken, ".."), { recursive: true, force: true });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stdout + refused.stderr, /invalid-schema/);
  });

  it("every service's environment matches its configuration schema, and every address is a service's port", () => {
    const compose = parse(readFileSync(file, "utf8"), { merge: true }) as {
      services: Record<string, { image?: string; ports?: string[]; volumes?: string[] }>;
    };
    const containers = composeContainers(compose as never, SAMPLE_SECRET);
    assert.deepEqual([...new Set(containers.map((c) => c.service))].sort(), [
      "db-node",
      "fraud-detection",
      "orchestrator",
      "order-executor",
      "payment",
      "suggestions",
      "transaction-verification",
    ]);
    assert.deepEqual(containers.flatMap(environmentProblems), []);
    const endpoints = new Map<string, number[]>([["postgres", [5432]]]);
    for (const c of containers)
      endpoints.set(c.where.replace("compose service ", ""), [listeningPort(c) ?? -1]);
    assert.deepEqual(wiringProblems(containers, endpoints), []);
    // The seed's external ports, and a named volume for every data directory.
    const published = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    for (const port of ["8080", "8081", "50066", "50067", "50068"])
      assert.ok(
        published.some((p) => p.split(":").at(-2) === port),
        `port ${port} published`,
      );
    for (const c of containers.filter((x) => Object.keys(x.env).some((k) => k.endsWith("_DATA_DIR")))) {
      const name = c.where.replace("compose service ", "");
      assert.ok(
        compose.services[name]?.volumes?.some((v) => v.endsWith(":/data")),
        `${name} keeps /data on a volume`,
      );
    }
  });
});

describe("deploy: Kubernetes", () => {
  for (const dir of ["deploy/k8s/base", "deploy/k8s/overlays/example"]) {
    it(`${dir} renders with kustomize and validates against the Kubernetes OpenAPI schemas, no unknown fields`, () => {
      const objects = render(dir);
      assert.ok(objects.length >= 20, `${objects.length} objects`);
      assert.deepEqual(validateKubernetes(objects), []);
      assert.equal(unknownFieldErrors(objects), "");
    });
  }

  it("the validators catch a wrong type and an unknown field", () => {
    const [sts] = render("deploy/k8s/base").filter((o) => o.kind === "StatefulSet");
    assert.ok(sts);
    assert.notDeepEqual(validateKubernetes([{ ...sts, spec: { ...sts.spec, replicas: "3" } }]), []);
    assert.match(unknownFieldErrors([{ ...sts, spec: { ...sts.spec, replica: 3 } }]), /replica/);
  });

  it("every container's environment matches its schema; addresses are Services or StatefulSet pods", () => {
    const objects = render("deploy/k8s/overlays/example") as never[];
    const containers = kubernetesContainers(objects, SAMPLE_SECRET);
    assert.deepEqual(containers.flatMap(environmentProblems), []);
    const endpoints = new Map<string, number[]>();
    const services = (objects as K8s[]).filter((o) => o.kind === "Service");
    for (const s of services) {
      const ports = ((s.spec?.ports ?? []) as { port: number }[]).map((p) => p.port);
      endpoints.set(s.metadata.name, ports);
      const sts = (objects as K8s[]).find(
        (o) => o.kind === "StatefulSet" && o.spec?.serviceName === s.metadata.name,
      );
      for (let i = 0; i < Number(sts?.spec?.replicas ?? 0); i++)
        endpoints.set(`${sts?.metadata.name}-${i}.${s.metadata.name}`, ports);
    }
    assert.deepEqual(wiringProblems(containers, endpoints), []);
  });

  it("Raft clusters keep a majority through disruptions, and every pod has probes, resources and a drain", () => {
    const objects = render("deploy/k8s/overlays/example");
    for (const name of ["db-node", "order-executor"]) {
      const sts = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === name);
      const pdb = objects.find((o) => o.kind === "PodDisruptionBudget" && o.metadata.name === name);
      const replicas = Number(sts?.spec?.replicas);
      const unavailable = Number(pdb?.spec?.maxUnavailable);
      assert.ok(
        replicas - unavailable > replicas / 2,
        `${name}: ${replicas} - ${unavailable} keeps a majority`,
      );
      assert.ok(sts?.spec?.volumeClaimTemplates, `${name} has persistent volumes`);
    }
    for (const o of objects.filter((x) => x.kind === "StatefulSet" || x.kind === "Deployment")) {
      const pod = (o.spec?.template as { spec: Record<string, unknown> } | undefined)?.spec ?? {};
      assert.ok(
        Number(pod.terminationGracePeriodSeconds) >= 15,
        `${o.metadata.name}: grace longer than the drain`,
      );
      for (const c of (pod.containers ?? []) as Record<string, unknown>[]) {
        for (const k of ["readinessProbe", "livenessProbe", "resources"])
          assert.ok(c[k], `${o.metadata.name}: ${k}`);
        const r = c.resources as { requests?: object; limits?: object };
        assert.ok(r.requests && r.limits, `${o.metadata.name}: requests and limits`);
      }
    }
  });
});

describe("deploy: docs/deploy.md", () => {
  it("lists every variable of every service's configuration schema", () => {
    const doc = readFileSync(join(root, "docs", "deploy.md"), "utf8");
    const missing = Object.entries(schemas).flatMap(([service, schema]) =>
      Object.keys(schema.shape)
        .filter((v) => !doc.includes(`\`${v}\``))
        .map((v) => `${service}: ${v}`),
    );
    assert.deepEqual(missing, []);
  });
});
