/**
 * The few OpenVINO C API calls the embedder needs (`libopenvino_c.so`, shipped in the `openvino`
 * PyPI wheel with its CPU plugin and TBB), bound with koffi: no compiler, no `openvino-node`
 * (whose installer downloads the runtime from a site these machines cannot reach, and which
 * needs Node >= 21). Calls are synchronous and block the calling thread, so this runs in the
 * model worker. Declarations follow `openvino/c/*.h` of OpenVINO 2026.4.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import koffi, { type LibraryHandle } from 'koffi';

/** `ov_element_type_e` values used here (openvino/c/ov_common.h). */
const ELEMENT_F32 = 4;
const ELEMENT_I64 = 10;

/** OpenVINO is not installed where configured, or one of its calls failed. */
export class OpenVinoError extends Error {
  override readonly name = 'OpenVinoError';
}

interface Bindings {
  readonly lib: LibraryHandle;
  readonly version: () => string;
  readonly lastError: () => string;
  readonly coreCreate: (out: unknown[]) => number;
  readonly coreFree: (core: unknown) => void;
  readonly compileFromFile: (
    core: unknown,
    path: string,
    device: string,
    count: number,
    properties: { key: string; value: string }[],
    out: unknown[],
  ) => number;
  readonly compiledFree: (compiled: unknown) => void;
  readonly compiledGetProperty: (compiled: unknown, key: string, out: unknown[]) => number;
  readonly free: (pointer: unknown) => void;
  readonly createInferRequest: (compiled: unknown, out: unknown[]) => number;
  readonly requestFree: (request: unknown) => void;
  readonly setInput: (request: unknown, index: number, tensor: unknown) => number;
  readonly setOutput: (request: unknown, index: number, tensor: unknown) => number;
  readonly infer: (request: unknown) => number;
  readonly tensorFromHostPtr: (
    type: number,
    shape: { rank: number; dims: number[] },
    hostPtr: unknown,
    out: unknown[],
  ) => number;
  readonly tensorFree: (tensor: unknown) => void;
}

let loaded: { dir: string; bindings: Bindings } | undefined;

/** The C library's file in `libDir`: `libopenvino_c.so` or the wheel's `libopenvino_c.so.<ver>`. */
export function findOpenVinoCLibrary(libDir: string): string | undefined {
  if (!existsSync(libDir)) return undefined;
  const name = readdirSync(libDir)
    .filter((f) => /^libopenvino_c\.so(\.\d+)*$/.test(f))
    .sort()[0];
  return name === undefined ? undefined : join(libDir, name);
}

function bind(libDir: string): Bindings {
  if (loaded) {
    if (loaded.dir !== libDir) {
      throw new OpenVinoError(
        `OpenVINO is already loaded from ${loaded.dir} in this thread; cannot load ${libDir} too`,
      );
    }
    return loaded.bindings;
  }
  const path = findOpenVinoCLibrary(libDir);
  if (!path) {
    throw new OpenVinoError(
      `no libopenvino_c.so in ${libDir} (the OpenVINO runtime from the \`openvino\` PyPI wheel; \`meshrag local fetch\` installs it into the cache)`,
    );
  }
  let lib: LibraryHandle;
  try {
    lib = koffi.load(path);
  } catch (error) {
    throw new OpenVinoError(`cannot load ${path}: ${(error as Error).message}`);
  }
  koffi.opaque('ov_core_t');
  koffi.opaque('ov_compiled_model_t');
  koffi.opaque('ov_infer_request_t');
  koffi.opaque('ov_tensor_t');
  koffi.struct('ov_shape_t', { rank: 'int64_t', dims: 'int64_t *' });
  koffi.struct('ov_property_t', { key: 'const char *', value: 'const char *' });
  koffi.struct('ov_version_t', { buildNumber: 'const char *', description: 'const char *' });
  const getVersion = lib.func('int ov_get_openvino_version(_Out_ ov_version_t *version)');
  const bindings: Bindings = {
    lib,
    version: () => {
      const version = { buildNumber: '', description: '' };
      getVersion(version);
      return version.buildNumber;
    },
    lastError: lib.func('const char *ov_get_last_err_msg()'),
    coreCreate: lib.func('int ov_core_create(_Out_ ov_core_t **core)'),
    coreFree: lib.func('void ov_core_free(ov_core_t *core)'),
    compileFromFile: lib.func(
      'int ov_core_compile_model_from_file_props(const ov_core_t *core, const char *path, const char *device, size_t count, const ov_property_t *properties, _Out_ ov_compiled_model_t **compiled)',
    ),
    compiledFree: lib.func('void ov_compiled_model_free(ov_compiled_model_t *compiled)'),
    // `void **`, not `char **`: koffi would decode a `char *` and lose the pointer to free.
    compiledGetProperty: lib.func(
      'int ov_compiled_model_get_property(const ov_compiled_model_t *compiled, const char *key, _Out_ void **value)',
    ),
    free: lib.func('void ov_free(void *content)'),
    createInferRequest: lib.func(
      'int ov_compiled_model_create_infer_request(const ov_compiled_model_t *compiled, _Out_ ov_infer_request_t **request)',
    ),
    requestFree: lib.func('void ov_infer_request_free(ov_infer_request_t *request)'),
    setInput: lib.func(
      'int ov_infer_request_set_input_tensor_by_index(ov_infer_request_t *request, size_t index, const ov_tensor_t *tensor)',
    ),
    setOutput: lib.func(
      'int ov_infer_request_set_output_tensor_by_index(ov_infer_request_t *request, size_t index, const ov_tensor_t *tensor)',
    ),
    infer: lib.func('int ov_infer_request_infer(ov_infer_request_t *request)'),
    tensorFromHostPtr: lib.func(
      'int ov_tensor_create_from_host_ptr(int type, ov_shape_t shape, void *host, _Out_ ov_tensor_t **tensor)',
    ),
    tensorFree: lib.func('void ov_tensor_free(ov_tensor_t *tensor)'),
  };
  loaded = { dir: libDir, bindings };
  return bindings;
}

/** CPU plugin settings; the defaults are the ones that measured fastest on 2 AVX-512 cores. */
export interface OpenVinoCompileOptions {
  /** `INFERENCE_NUM_THREADS`: the intra-op threads. */
  readonly inferenceNumThreads: number;
  /** `NUM_STREAMS` @default 1 - one batch at a time, all threads on it */
  readonly numStreams?: number;
  /** `PERFORMANCE_HINT` @default 'LATENCY' */
  readonly performanceHint?: 'LATENCY' | 'THROUGHPUT';
  /** `INFERENCE_PRECISION_HINT` @default 'f32' - bf16 is slower on CPUs without AMX */
  readonly inferencePrecisionHint?: 'f32' | 'bf16' | 'f16';
  /**
   * `DYNAMIC_QUANTIZATION_GROUP_SIZE`: activations of the fully connected layers whose weights
   * are compressed to int8 get quantized at run time, one scale per this many values of a token
   * (0: off). The plugin applies it only on CPUs with VNNI. @default - the plugin's own (unset)
   */
  readonly dynamicQuantizationGroupSize?: number;
}

/**
 * One compiled model and its infer request, with input and output tensors placed on memory this
 * class allocates once (`maxTokens` int64 ids and mask, `maxTokens x dims` floats), so a run
 * copies nothing through the FFI: JS writes the ids into the input memory and reads the hidden
 * states from the output memory through ArrayBuffer views.
 */
export class OpenVinoEncoder {
  /**
   * Loads `libopenvino_c.so` from `libDir` and compiles `modelPath` (.xml IR or .onnx) for CPU.
   * @throws OpenVinoError when the library or the model cannot be loaded
   */
  static load(
    libDir: string,
    modelPath: string,
    dims: number,
    maxTokens: number,
    options: OpenVinoCompileOptions,
  ): OpenVinoEncoder {
    const ov = bind(libDir);
    const check = (status: number, what: string) => {
      if (status !== 0) {
        throw new OpenVinoError(`OpenVINO ${what} failed (status ${status}): ${ov.lastError()}`);
      }
    };
    const core: unknown[] = [null];
    check(ov.coreCreate(core), 'ov_core_create');
    const properties = [
      { key: 'INFERENCE_NUM_THREADS', value: String(options.inferenceNumThreads) },
      { key: 'NUM_STREAMS', value: String(options.numStreams ?? 1) },
      { key: 'PERFORMANCE_HINT', value: options.performanceHint ?? 'LATENCY' },
      { key: 'INFERENCE_PRECISION_HINT', value: options.inferencePrecisionHint ?? 'f32' },
      ...(options.dynamicQuantizationGroupSize === undefined
        ? []
        : [
            {
              key: 'DYNAMIC_QUANTIZATION_GROUP_SIZE',
              value: String(options.dynamicQuantizationGroupSize),
            },
          ]),
    ];
    const compiled: unknown[] = [null];
    const request: unknown[] = [null];
    try {
      check(
        ov.compileFromFile(core[0], modelPath, 'CPU', properties.length, properties, compiled),
        `compiling ${modelPath}`,
      );
      check(ov.createInferRequest(compiled[0], request), 'ov_compiled_model_create_infer_request');
    } catch (error) {
      if (compiled[0]) ov.compiledFree(compiled[0]);
      ov.coreFree(core[0]);
      throw error;
    }
    return new OpenVinoEncoder(ov, core[0], compiled[0], request[0], dims, maxTokens);
  }

  /** OpenVINO's build number, e.g. `2026.4.1-...`. */
  readonly version: string;
  private readonly idsMemory: unknown;
  private readonly maskMemory: unknown;
  private readonly outputMemory: unknown;
  private readonly ids: BigInt64Array;
  private readonly mask: BigInt64Array;
  private readonly output: Float32Array;
  private closed = false;

  private constructor(
    private readonly ov: Bindings,
    private readonly core: unknown,
    private readonly compiled: unknown,
    private readonly request: unknown,
    readonly dims: number,
    readonly maxTokens: number,
  ) {
    this.version = ov.version();
    this.idsMemory = koffi.alloc('int64_t', maxTokens);
    this.maskMemory = koffi.alloc('int64_t', maxTokens);
    this.outputMemory = koffi.alloc('float', maxTokens * dims);
    this.ids = new BigInt64Array(koffi.view(this.idsMemory, maxTokens * 8));
    this.mask = new BigInt64Array(koffi.view(this.maskMemory, maxTokens * 8));
    this.output = new Float32Array(koffi.view(this.outputMemory, maxTokens * dims * 4));
  }

  /**
   * A property of the compiled model as the plugin reports it, e.g.
   * `DYNAMIC_QUANTIZATION_GROUP_SIZE`.
   * @throws OpenVinoError when the plugin does not know `key`
   */
  property(key: string): string {
    if (this.closed) throw new OpenVinoError('the OpenVINO model is closed');
    const out: unknown[] = [null];
    this.check(this.ov.compiledGetProperty(this.compiled, key, out), `reading ${key}`);
    try {
      return koffi.decode(out[0], 'char', -1) as string;
    } finally {
      this.ov.free(out[0]);
    }
  }

  /**
   * Runs one right-padded batch of `batch` rows of `seqLen` tokens.
   * @param fill writes ids and mask (both zeroed first) for the batch, row-major
   * @returns a view of the hidden states [batch, seqLen, dims], valid until the next run
   */
  run(
    batch: number,
    seqLen: number,
    fill: (ids: BigInt64Array, mask: BigInt64Array) => void,
  ): Float32Array {
    if (this.closed) throw new OpenVinoError('the OpenVINO model is closed');
    const size = batch * seqLen;
    if (size > this.maxTokens) {
      throw new OpenVinoError(`a run of ${size} tokens exceeds the ${this.maxTokens} allocated`);
    }
    const ids = this.ids.subarray(0, size);
    const mask = this.mask.subarray(0, size);
    ids.fill(0n);
    mask.fill(0n);
    fill(ids, mask);
    const shape = { rank: 2, dims: [batch, seqLen] };
    const outShape = { rank: 3, dims: [batch, seqLen, this.dims] };
    const tensors: unknown[] = [];
    const tensor = (type: number, s: typeof shape, memory: unknown) => {
      const out: unknown[] = [null];
      this.check(this.ov.tensorFromHostPtr(type, s, memory, out), 'ov_tensor_create_from_host_ptr');
      tensors.push(out[0]);
      return out[0];
    };
    try {
      this.check(
        this.ov.setInput(this.request, 0, tensor(ELEMENT_I64, shape, this.idsMemory)),
        'set input_ids',
      );
      this.check(
        this.ov.setInput(this.request, 1, tensor(ELEMENT_I64, shape, this.maskMemory)),
        'set attention_mask',
      );
      this.check(
        this.ov.setOutput(this.request, 0, tensor(ELEMENT_F32, outShape, this.outputMemory)),
        'set last_hidden_state',
      );
      this.check(this.ov.infer(this.request), 'ov_infer_request_infer');
    } finally {
      for (const t of tensors) this.ov.tensorFree(t);
    }
    return this.output.subarray(0, size * this.dims);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ov.requestFree(this.request);
    this.ov.compiledFree(this.compiled);
    this.ov.coreFree(this.core);
    koffi.free(this.idsMemory);
    koffi.free(this.maskMemory);
    koffi.free(this.outputMemory);
  }

  private check(status: number, what: string): void {
    if (status !== 0) {
      throw new OpenVinoError(`OpenVINO ${what} failed (status ${status}): ${this.ov.lastError()}`);
    }
  }
}
