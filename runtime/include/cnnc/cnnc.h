/* cnnc.h: the C interface to networks compiled ahead of time by `cnnc compile`, for C
 * programs and for other languages' foreign-function interfaces. It wraps the C++
 * runtime (cnnc::rt::Model); link cnnc_runtime (a C++ library: link with a C++ linker
 * or add the C++ standard library), the generated NAME.a and one Halide runtime.
 *
 *   #include "NAME_cnnc.h"          generated: NAME_cnnc_network() and size macros
 *   cnnc_model *model = cnnc_model_create_from_file(NAME_cnnc_network(), "w.safetensors");
 *   if (!model) { fprintf(stderr, "%s\n", cnnc_last_error()); return 1; }
 *   const float *inputs[] = {image};
 *   float *outputs[] = {probs};
 *   if (cnnc_model_run(model, inputs, 1, outputs, 1) != 0) { ...cnnc_last_error()... }
 *   cnnc_model_destroy(model);
 *
 * Threading contract:
 *  - one cnnc_model may be run from any number of threads at once: a model is
 *    immutable once created, and every run keeps its state in the call;
 *  - creating and destroying models is thread-safe too; destroying a model while a
 *    run on it is in progress is not;
 *  - cnnc_last_error() is per thread: it describes the last failed call on the
 *    calling thread and stays valid until that thread's next failing call;
 *  - the number of worker threads is process-wide (Halide's runtime has one thread
 *    pool for every pipeline): cnnc_set_num_threads, or the HL_NUM_THREADS
 *    environment variable read at the first run. There is no per-call count; a run
 *    never uses more workers than the pool has.
 *  - a scratch buffer (cnnc_model_run_with_scratch) serves one run at a time.
 */
#ifndef CNNC_CNNC_H
#define CNNC_CNNC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A tensor a network takes or produces: its name and PyTorch (NCHW) shape. */
typedef struct cnnc_tensor_desc {
  const char *name;
  int32_t rank;
  const int64_t *shape;
} cnnc_tensor_desc;

/** A compiled network, as the generated NAME_cnnc_network() describes it. */
typedef struct cnnc_network {
  const char *name; /* the generated function's name */
  const cnnc_tensor_desc *inputs;
  size_t input_count;
  const cnnc_tensor_desc *weights; /* "conv1.weight", ... in the pipeline's order */
  size_t weight_count;
  const cnnc_tensor_desc *outputs;
  size_t output_count;
  int (*argv)(void **);             /* Halide's NAME_argv */
  int (*embedded_weights)(void **); /* NAME_embedded_weights_argv, or NULL */
  int64_t scratch_bytes;            /* enough scratch for one run */
  int takes_user_context;           /* 1 for every network from `cnnc compile` */
  /* Weight preparation (run once when weights are bound): NAME_prepare_argv reads
   * the weights at `prepare_weights` (indices into `weights`) and writes `prepared`;
   * NAME_argv then takes the inputs, the weights at `run_weights`, the prepared
   * tensors and the outputs. */
  const size_t *run_weights;
  size_t run_weight_count;
  const size_t *prepare_weights;
  size_t prepare_weight_count;
  const cnnc_tensor_desc *prepared;
  size_t prepared_count;
  int (*prepare)(void **); /* NAME_prepare_argv, or NULL when nothing is prepared */
} cnnc_network;

/** Weights already in memory: a name, `count` f32 values, row-major. */
typedef struct cnnc_weight {
  const char *name;
  const float *data;
  size_t count;
} cnnc_weight;

/** A network with bound weights. Opaque. */
typedef struct cnnc_model cnnc_model;

/** Binds weights from a safetensors file (a PyTorch state_dict whose module names
 * match the layers loads as is). NULL on failure; see cnnc_last_error(). */
cnnc_model *cnnc_model_create_from_file(const cnnc_network *network, const char *weights_path);

/** Binds `count` weights from memory; the data is copied. Every weight of the
 * network must be given exactly once, with the number of values of its shape. */
cnnc_model *cnnc_model_create_from_memory(const cnnc_network *network, const cnnc_weight *weights,
                                          size_t count);

/** Binds the weights compiled into the library (`cnnc compile --weights`). */
cnnc_model *cnnc_model_create_embedded(const cnnc_network *network);

/** Runs once on dense row-major buffers of exactly the network's shapes: input_count
 * input pointers, output_count output pointers, in the descriptor's order. Returns 0,
 * or -1 with cnnc_last_error() set. */
int cnnc_model_run(const cnnc_model *model, const float *const *inputs, size_t input_count,
                   float *const *outputs, size_t output_count);

/** As cnnc_model_run, with every allocation of the pipeline taken from the caller's
 * `scratch` of `scratch_bytes` (network->scratch_bytes always suffices; a smaller one
 * may fail with an error, never a crash). No heap allocation by the pipeline. */
int cnnc_model_run_with_scratch(const cnnc_model *model, const float *const *inputs,
                                size_t input_count, float *const *outputs, size_t output_count,
                                void *scratch, size_t scratch_bytes);

/** The network a model was created for. */
const cnnc_network *cnnc_model_network(const cnnc_model *model);

/** Frees a model; NULL is ignored. */
void cnnc_model_destroy(cnnc_model *model);

/** The message of the calling thread's last failed call ("" if none). */
const char *cnnc_last_error(void);

/** Worker threads for every network in the process; 0 restores Halide's default. */
void cnnc_set_num_threads(int count);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CNNC_CNNC_H */
