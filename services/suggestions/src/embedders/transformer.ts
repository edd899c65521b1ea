import { basename, dirname } from "node:path";
import {
  AutoModel,
  AutoTokenizer,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from "@huggingface/transformers";
import { type Embedder, meanPool, normalize } from "./embedder.js";

export const DEFAULT_MODEL_ID = "Xenova/all-MiniLM-L6-v2";

export interface TransformerOptions {
  /** A local model directory (config.json, tokenizer.json, onnx/model.onnx); undefined = cache/hub. */
  modelDir?: string;
  /** Hub id used when modelDir is not set. */
  modelId?: string;
  /** Without modelDir: may the model be downloaded from the hub (else only the library's cache)? */
  remote?: boolean;
  /** Texts per model call. */
  batchSize?: number;
  /** Tokens per text (all-MiniLM-L6-v2 was trained on 256). */
  maxTokens?: number;
}

/**
 * A sentence-transformers model run in-process through ONNX Runtime: WordPiece tokenisation,
 * last_hidden_state, mean pooling with the attention mask, L2 normalisation. ONNX Runtime runs
 * the model on its own threads, so an awaited batch leaves the event loop free.
 */
export class TransformerEmbedder implements Embedder {
  readonly kind = "transformer";

  private constructor(
    readonly name: string,
    readonly dimensions: number,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
    private readonly batchSize: number,
    private readonly maxTokens: number,
  ) {}

  static async load(options: TransformerOptions = {}): Promise<TransformerEmbedder> {
    let id: string;
    if (options.modelDir) {
      env.allowLocalModels = true;
      env.allowRemoteModels = false;
      env.localModelPath = `${dirname(options.modelDir)}/`;
      id = basename(options.modelDir);
    } else {
      env.allowRemoteModels = options.remote ?? true;
      id = options.modelId ?? DEFAULT_MODEL_ID;
    }
    const tokenizer = await AutoTokenizer.from_pretrained(id);
    const model = await AutoModel.from_pretrained(id, { dtype: "fp32", device: "cpu" });
    const probe = new TransformerEmbedder(
      `transformer:${basename(id)}`,
      0,
      tokenizer,
      model,
      options.batchSize ?? 16,
      options.maxTokens ?? 256,
    );
    const [vector] = await probe.embedBatch(["probe"]);
    return new TransformerEmbedder(
      probe.name,
      vector?.length ?? 0,
      tokenizer,
      model,
      probe.batchSize,
      probe.maxTokens,
    );
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      out.push(...(await this.embedBatch(texts.slice(i, i + this.batchSize))));
    }
    return out;
  }

  private async embedBatch(texts: readonly string[]): Promise<Float32Array[]> {
    const encoded = this.tokenizer([...texts], {
      padding: true,
      truncation: true,
      max_length: this.maxTokens,
    }) as { input_ids: Tensor; attention_mask: Tensor };
    const output = (await this.model(encoded)) as { last_hidden_state?: Tensor };
    const hidden = output.last_hidden_state;
    if (!hidden) throw new Error(`${this.name}: the model has no last_hidden_state output`);
    const [batch, seq, dim] = hidden.dims as [number, number, number];
    const mask = encoded.attention_mask.data as ArrayLike<bigint>;
    return meanPool(hidden.data as Float32Array, mask, batch, seq, dim).map(normalize);
  }

  async close(): Promise<void> {
    await this.model.dispose();
  }
}
