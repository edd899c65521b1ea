// Random request messages for any gRPC method, built from the contracts' descriptors (so a new
// service or field is fuzzed without touching this file), plus the same bytes mutated, and bytes
// that are no message at all.
import { descriptorSet } from "@bookstore/proto/descriptors";
import {
  create,
  createFileRegistry,
  type DescField,
  type DescMessage,
  type DescService,
  fromBinary,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { INTEGER_EDGES, stringArb } from "./hostile-values.js";

export const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptorSet));

const int64Edges = [0n, 1n, -1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n)];

function scalarArb(type: ScalarType): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING:
      return stringArb;
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 64 });
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0));
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.oneof(
        fc.integer(),
        fc.constantFrom(...INTEGER_EDGES.filter((n) => n >= -(2 ** 31) && n < 2 ** 31)),
      );
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.oneof(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.constantFrom(...int64Edges.filter((n) => n >= 0n)),
      );
    default:
      return fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(...int64Edges));
  }
}

function singleArb(field: DescField, depth: number): fc.Arbitrary<unknown> {
  if (field.fieldKind === "enum") return fc.integer({ min: -1, max: 20 });
  if (field.fieldKind === "message") return messageArb(field.message, depth + 1);
  if (field.fieldKind === "scalar") return scalarArb(field.scalar);
  return fc.constant(undefined);
}

function fieldArb(field: DescField, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "list": {
      const item =
        field.listKind === "message"
          ? messageArb(field.message, depth + 1)
          : field.listKind === "enum"
            ? fc.integer({ min: -1, max: 20 })
            : scalarArb(field.scalar);
      return fc.oneof(fc.array(item, { maxLength: 4 }), fc.array(item, { minLength: 50, maxLength: 60 }));
    }
    case "map": {
      const value =
        field.mapKind === "message"
          ? messageArb(field.message, depth + 1)
          : field.mapKind === "enum"
            ? fc.integer({ min: -1, max: 20 })
            : scalarArb(field.scalar);
      return fc.dictionary(stringArb, value, { maxKeys: 4 });
    }
    default:
      return singleArb(field, depth);
  }
}

/** An init object for `create(desc, …)`: any subset of the fields, a random member of each oneof. */
export function messageArb(desc: DescMessage, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  if (depth > 3) return fc.constant({});
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of desc.fields) {
    if (field.oneof) continue;
    parts[field.localName] = fc.option(fieldArb(field, depth), { nil: undefined, freq: 3 });
  }
  for (const oneof of desc.oneofs) {
    parts[oneof.localName] = fc.option(
      fc.oneof(
        ...oneof.fields.map((f) => singleArb(f, depth).map((value) => ({ case: f.localName, value }))),
      ),
      { nil: undefined },
    );
  }
  return fc
    .record(parts)
    .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
}

/** Bytes of a random valid message, sometimes mutated (flipped bytes, cut short), or random bytes. */
export function requestBytesArb(
  input: DescMessage,
): fc.Arbitrary<{ bytes: Uint8Array; kind: string; init?: unknown }> {
  const valid = messageArb(input).map((init) => ({ init, bytes: toBinary(input, create(input, init)) }));
  return fc.oneof(
    { weight: 6, arbitrary: valid.map((v) => ({ ...v, kind: "message" })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          valid,
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        )
        .map(([v, flips]) => {
          const bytes = Uint8Array.from(v.bytes);
          for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
          return { bytes, kind: "mutated" };
        }),
    },
    {
      weight: 1,
      arbitrary: valid.map((v) => ({
        bytes: v.bytes.slice(0, Math.floor(v.bytes.length / 2)),
        kind: "truncated",
      })),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({ bytes, kind: "raw" })),
    },
  );
}

/** Unary methods of a service, with their paths and request types. */
export function unaryMethods(service: DescService) {
  return service.methods
    .filter((m) => m.methodKind === "unary")
    .map((m) => ({ path: `/${service.typeName}/${m.name}`, input: m.input }));
}
