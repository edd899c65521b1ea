// Builds a tiny sentence-transformer-shaped model for tests, because this machine cannot download
// all-MiniLM-L6-v2: a valid ONNX file written with protobufjs (inputs input_ids / attention_mask /
// token_type_ids int64 [batch, seq]; a Gather from a seeded random embedding table gives
// last_hidden_state float [batch, seq, dim]), plus config.json, tokenizer.json (BERT WordPiece over
// a small vocabulary) and tokenizer_config.json, in the layout transformers.js loads a local model
// from. The service's transformer embedder loads it exactly as it loads the real model.
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import protobuf from "protobufjs";

/** The subset of onnx.proto (field numbers as in onnx/onnx.proto3) that this model needs. */
const onnxSchema = `
syntax = "proto3";
package onnx;
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message TensorProto {
  repeated int64 dims = 1;
  int32 data_type = 2;
  repeated float float_data = 4;
  repeated int64 int64_data = 7;
  string name = 8;
  bytes raw_data = 9;
}
message AttributeProto {
  string name = 1;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  repeated int64 ints = 8;
  int32 type = 20;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  repeated AttributeProto attribute = 5;
  string domain = 7;
}
message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
}
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message ModelProto {
  int64 ir_version = 1;
  string producer_name = 2;
  GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
}
`;

const FLOAT = 1;
const INT64 = 7;
const ATTRIBUTE_INT = 2;

/** mulberry32: a small seeded generator, so the model is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TinyModel {
  /** Directory holding config.json, tokenizer*.json and onnx/model.onnx (what MODEL_DIR points at). */
  dir: string;
  vocab: string[];
  dimensions: number;
  /** Row i = the hidden state the model outputs for token id i. */
  embeddingOf(tokenId: number): Float32Array;
}

const specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/** A WordPiece vocabulary: specials, letters and digits (alone and as ##suffix), then `words`. */
function buildVocab(words: string[]): string[] {
  const chars = "abcdefghijklmnopqrstuvwxyz0123456789".split("");
  const punctuation = ".,;:!?'\"()-&/".split("");
  const vocab = [...specials, ...punctuation, ...chars, ...chars.map((c) => `##${c}`)];
  const seen = new Set(vocab);
  for (const w of words) {
    const lower = w.toLowerCase();
    if (!seen.has(lower) && /^[a-z0-9]+$/.test(lower)) {
      seen.add(lower);
      vocab.push(lower);
    }
  }
  return vocab;
}

function encodeModel(vocabSize: number, dimensions: number, table: Float32Array): Uint8Array {
  const root = protobuf.parse(onnxSchema).root;
  const ModelProto = root.lookupType("onnx.ModelProto");
  const int64Input = (name: string) => ({
    name,
    type: {
      tensorType: { elemType: INT64, shape: { dim: [{ dimParam: "batch" }, { dimParam: "sequence" }] } },
    },
  });
  const model = {
    irVersion: 8,
    producerName: "bookstore-tiny-model",
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "tiny-sentence-encoder",
      initializer: [
        {
          name: "word_embeddings",
          dims: [vocabSize, dimensions],
          dataType: FLOAT,
          rawData: new Uint8Array(table.buffer, table.byteOffset, table.byteLength),
        },
      ],
      node: [
        {
          name: "embed",
          opType: "Gather",
          input: ["word_embeddings", "input_ids"],
          output: ["last_hidden_state"],
          attribute: [{ name: "axis", i: 0, type: ATTRIBUTE_INT }],
        },
      ],
      input: [int64Input("input_ids"), int64Input("attention_mask"), int64Input("token_type_ids")],
      output: [
        {
          name: "last_hidden_state",
          type: {
            tensorType: {
              elemType: FLOAT,
              shape: { dim: [{ dimParam: "batch" }, { dimParam: "sequence" }, { dimValue: dimensions }] },
            },
          },
        },
      ],
    },
  };
  const problem = ModelProto.verify(model);
  if (problem) throw new Error(`tiny model: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

function tokenizerJson(vocab: string[]) {
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  const special = (token: string) => ({ id: token, ids: [ids[token]], tokens: [token] });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({
      id: ids[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: { "[CLS]": special("[CLS]"), "[SEP]": special("[SEP]") },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
}

/**
 * Writes the tiny model under os.tmpdir() and returns where it is. `words` become whole-word
 * tokens (anything else is spelled out letter by letter, as WordPiece does).
 */
export function generateTinyModel(
  options: { words?: string[]; dimensions?: number; seed?: number; dir?: string } = {},
): TinyModel {
  const dimensions = options.dimensions ?? 384;
  const vocab = buildVocab(options.words ?? []);
  const random = seededRandom(options.seed ?? 42);
  const table = new Float32Array(vocab.length * dimensions);
  for (let i = 0; i < table.length; i++) table[i] = random() * 2 - 1;
  const dir =
    options.dir ??
    join(tmpdir(), `bookstore-tiny-model-${process.pid}-${Date.now().toString(36)}`, "tiny-minilm");
  mkdirSync(join(dir, "onnx"), { recursive: true });
  writeFileSync(join(dir, "onnx", "model.onnx"), encodeModel(vocab.length, dimensions, table));
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      model_type: "bert",
      architectures: ["BertModel"],
      hidden_size: dimensions,
      vocab_size: vocab.length,
      max_position_embeddings: 512,
    }),
  );
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tokenizerJson(vocab)));
  writeFileSync(
    join(dir, "tokenizer_config.json"),
    JSON.stringify({
      tokenizer_class: "BertTokenizer",
      do_lower_case: true,
      model_max_length: 512,
      cls_token: "[CLS]",
      sep_token: "[SEP]",
      pad_token: "[PAD]",
      unk_token: "[UNK]",
      mask_token: "[MASK]",
    }),
  );
  return {
    dir,
    vocab,
    dimensions,
    embeddingOf: (id) => table.slice(id * dimensions, (id + 1) * dimensions),
  };
}
