/* The C API, from C: models created from memory and from a file, runs checked against
 * a reference computed here, several threads running one model at once, scratch
 * buffers large enough and too small, and errors as messages. Compiled as C99.
 *
 *   c_api_test WEIGHTS.safetensors   (a file this program writes first) */
#include "scratch_net_c_cnnc.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define C_IN 2
#define C_OUT 4
#define SIZE 40
#define HALF (SIZE / 2)

static float weight[C_OUT * C_IN * 9], bias[C_OUT];
static float input[scratch_net_c_x_ELEMENTS];
static float expected[scratch_net_c_p_ELEMENTS];
static int failures = 0;

static void check(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "FAILED: %s (last error: %s)\n", what, cnnc_last_error());
    ++failures;
  }
}

/* conv2d 3x3 with zero padding 1, relu, max_pool2d 2: the network, by hand. */
static float conv(int o, int y, int x) {
  float sum = bias[o];
  int i, ky, kx;
  for (i = 0; i < C_IN; ++i)
    for (ky = 0; ky < 3; ++ky)
      for (kx = 0; kx < 3; ++kx) {
        int yy = y + ky - 1, xx = x + kx - 1;
        if (yy >= 0 && yy < SIZE && xx >= 0 && xx < SIZE)
          sum += weight[((o * C_IN + i) * 3 + ky) * 3 + kx] * input[(i * SIZE + yy) * SIZE + xx];
      }
  return sum > 0 ? sum : 0;
}

static void computeExpected(void) {
  int o, y, x, dy, dx;
  for (o = 0; o < C_OUT; ++o)
    for (y = 0; y < HALF; ++y)
      for (x = 0; x < HALF; ++x) {
        float best = conv(o, 2 * y, 2 * x);
        for (dy = 0; dy < 2; ++dy)
          for (dx = 0; dx < 2; ++dx)
            best = fmaxf(best, conv(o, 2 * y + dy, 2 * x + dx));
        expected[(o * HALF + y) * HALF + x] = best;
      }
}

static int matches(const float *got) {
  int i;
  for (i = 0; i < scratch_net_c_p_ELEMENTS; ++i)
    if (fabsf(got[i] - expected[i]) > 1e-4f * (fabsf(expected[i]) + 1.0f))
      return 0;
  return 1;
}

static int runOnce(const cnnc_model *model, float *output) {
  const float *inputs[1];
  float *outputs[1];
  inputs[0] = input;
  outputs[0] = output;
  return cnnc_model_run(model, inputs, 1, outputs, 1);
}

struct Job {
  const cnnc_model *model;
  int ok;
};

static void *runMany(void *arg) {
  struct Job *job = (struct Job *)arg;
  float *output = (float *)malloc(sizeof(float) * scratch_net_c_p_ELEMENTS);
  int k;
  job->ok = output != NULL;
  for (k = 0; k < 20 && job->ok; ++k)
    job->ok = runOnce(job->model, output) == 0 && matches(output);
  free(output);
  return NULL;
}

/* The weights as a safetensors file, written by hand: header length, JSON, data. */
static int writeWeights(const char *path) {
  char header[256];
  unsigned long long length;
  FILE *file = fopen(path, "wb");
  int size = snprintf(header, sizeof header,
                      "{\"c.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                      "\"c.weight\":{\"dtype\":\"F32\",\"shape\":[4,2,3,3],\"data_offsets\":[16,304]}}");
  if (!file)
    return 0;
  while (size % 8)
    header[size++] = ' ';
  length = (unsigned long long)size;
  fwrite(&length, 8, 1, file); /* little endian: this test runs on x86-64 */
  fwrite(header, 1, (size_t)size, file);
  fwrite(bias, sizeof bias, 1, file);
  fwrite(weight, sizeof weight, 1, file);
  return fclose(file) == 0;
}

/* Each mistake a C caller can make is -1 or NULL with a message, never a crash. */
static void expectError(int failed, const char *needle, const char *what) {
  check(failed && strstr(cnnc_last_error(), needle) != NULL, what);
}

static void misuse(const cnnc_network *network, const cnnc_model *model, cnnc_weight *weights) {
  static float output[scratch_net_c_p_ELEMENTS];
  const float *inputs[2];
  float *outputs[2];
  cnnc_network broken = *network;
  cnnc_model *failed;

  /* Use after a failed bind: the model is NULL, and every call on it says so. */
  failed = cnnc_model_create_from_file(network, "/nonexistent.safetensors");
  expectError(failed == NULL, "/nonexistent.safetensors", "a failed bind is NULL");
  inputs[0] = input;
  outputs[0] = output;
  expectError(cnnc_model_run(failed, inputs, 1, outputs, 1) == -1, "the model is null",
              "run after a failed bind");
  expectError(cnnc_model_run_with_scratch(failed, inputs, 1, outputs, 1, output, sizeof output) ==
                  -1,
              "the model is null", "run with scratch after a failed bind");
  check(cnnc_model_network(failed) == NULL, "the network of a failed bind is NULL");
  cnnc_model_destroy(failed);

  /* Null pointers. */
  expectError(cnnc_model_create_from_file(NULL, "w.safetensors") == NULL,
              "the network descriptor is null", "a null network descriptor");
  expectError(cnnc_model_create_from_file(network, NULL) == NULL, "the weights path is null",
              "a null weights path");
  expectError(cnnc_model_create_from_memory(network, NULL, 2) == NULL,
              "the weights array is null", "a null weights array");
  weights[0].data = NULL;
  expectError(cnnc_model_create_from_memory(network, weights, 2) == NULL,
              "weight 'c.weight': data pointer is null", "a null weight data pointer");
  weights[0].data = weight;
  expectError(cnnc_model_run(model, NULL, 1, outputs, 1) == -1,
              "the array of data pointers is null", "a null inputs array");
  expectError(cnnc_model_run(model, inputs, 1, NULL, 1) == -1,
              "the array of data pointers is null", "a null outputs array");
  inputs[0] = NULL;
  expectError(cnnc_model_run(model, inputs, 1, outputs, 1) == -1,
              "input 'x': data pointer is null", "a null input pointer");
  inputs[0] = input;
  outputs[0] = NULL;
  expectError(cnnc_model_run(model, inputs, 1, outputs, 1) == -1,
              "output 'p': data pointer is null", "a null output pointer");
  outputs[0] = output;
  expectError(cnnc_model_run_with_scratch(model, inputs, 1, outputs, 1, NULL, 4096) == -1,
              "the scratch buffer is null", "a null scratch buffer");

  /* Wrong counts, and a descriptor that does not hold together. */
  outputs[1] = output;
  expectError(cnnc_model_run(model, inputs, 1, outputs, 2) == -1, "takes 1 output, got 2",
              "wrong output count");
  expectError(cnnc_model_run(model, inputs, 0, outputs, 1) == -1, "takes 1 input, got 0",
              "no inputs");
  broken.inputs = NULL;
  expectError(cnnc_model_create_from_memory(&broken, weights, 2) == NULL,
              "has a malformed tensor list", "a descriptor without its input list");
  broken = *network;
  broken.argv = NULL;
  expectError(cnnc_model_create_from_memory(&broken, weights, 2) == NULL,
              "has no pipeline function", "a descriptor without a pipeline");

  /* The model is still usable after all of that. */
  check(cnnc_model_run(model, inputs, 1, outputs, 1) == 0 && matches(output),
        "a run after the misuse");
}

int main(int argc, char **argv) {
  static float output[scratch_net_c_p_ELEMENTS];
  static unsigned char scratch[scratch_net_c_SCRATCH_BYTES];
  const cnnc_network *network = scratch_net_c_cnnc_network();
  cnnc_weight weights[2];
  cnnc_model *model, *fromFile;
  pthread_t threads[4];
  struct Job jobs[4];
  const float *inputs[1];
  float *outputs[1];
  int i;

  if (argc != 2) {
    fprintf(stderr, "usage: c_api_test WEIGHTS.safetensors\n");
    return 2;
  }
  for (i = 0; i < C_OUT * C_IN * 9; ++i)
    weight[i] = (float)((i * 37) % 11 - 5) * 0.1f;
  for (i = 0; i < C_OUT; ++i)
    bias[i] = 0.05f * (float)i - 0.1f;
  for (i = 0; i < scratch_net_c_x_ELEMENTS; ++i)
    input[i] = (float)((i * 13) % 17) / 17.0f - 0.4f;
  computeExpected();

  weights[0].name = "c.weight";
  weights[0].data = weight;
  weights[0].count = C_OUT * C_IN * 9;
  weights[1].name = "c.bias";
  weights[1].data = bias;
  weights[1].count = C_OUT;

  check(network->input_count == 1 && network->output_count == 1 && network->weight_count == 2,
        "descriptor counts");
  check(strcmp(network->outputs[0].name, "p") == 0 && network->outputs[0].shape[3] == HALF,
        "descriptor output shape");
  check(scratch_net_c_SCRATCH_BYTES > 2 * 25600, "scratch bound covers the stored conv and relu");

  model = cnnc_model_create_from_memory(network, weights, 2);
  check(model != NULL, "create from memory");
  if (!model)
    return 1;
  check(runOnce(model, output) == 0 && matches(output), "run matches the C reference");

  check(writeWeights(argv[1]), "write the weights file");
  fromFile = cnnc_model_create_from_file(network, argv[1]);
  check(fromFile != NULL, "create from file");
  if (fromFile) {
    memset(output, 0, sizeof output);
    check(runOnce(fromFile, output) == 0 && matches(output), "the file's model matches");
    cnnc_model_destroy(fromFile);
  }

  /* One model, four threads at once, two workers in Halide's pool. */
  cnnc_set_num_threads(2);
  for (i = 0; i < 4; ++i) {
    jobs[i].model = model;
    jobs[i].ok = 0;
    pthread_create(&threads[i], NULL, runMany, &jobs[i]);
  }
  for (i = 0; i < 4; ++i) {
    pthread_join(threads[i], NULL);
    check(jobs[i].ok, "concurrent runs of one model match the reference");
  }

  inputs[0] = input;
  outputs[0] = output;
  memset(output, 0, sizeof output);
  check(cnnc_model_run_with_scratch(model, inputs, 1, outputs, 1, scratch, sizeof scratch) == 0 &&
            matches(output),
        "a run in a scratch buffer of SCRATCH_BYTES");
  check(cnnc_model_run_with_scratch(model, inputs, 1, outputs, 1, scratch, 1024) == -1 &&
            strstr(cnnc_last_error(), "scratch arena of 1024 bytes") != NULL,
        "a scratch buffer too small is an error");

  /* Errors are messages, never crashes. */
  check(cnnc_model_run(model, inputs, 2, outputs, 1) == -1 &&
            strstr(cnnc_last_error(), "takes 1 input, got 2") != NULL,
        "wrong input count");
  check(cnnc_model_create_from_memory(network, weights, 1) == NULL &&
            strstr(cnnc_last_error(), "missing weight 'c.bias'") != NULL,
        "a missing weight");
  weights[1].count = 3;
  check(cnnc_model_create_from_memory(network, weights, 2) == NULL &&
            strstr(cnnc_last_error(), "'c.bias'") != NULL,
        "a weight of the wrong size");
  check(cnnc_model_create_embedded(network) == NULL &&
            strstr(cnnc_last_error(), "no embedded weights") != NULL,
        "no embedded weights");
  check(cnnc_model_create_from_file(network, "/nonexistent.safetensors") == NULL &&
            strstr(cnnc_last_error(), "/nonexistent.safetensors") != NULL,
        "a missing file");
  check(cnnc_model_run(NULL, inputs, 1, outputs, 1) == -1, "a null model");
  misuse(network, model, weights);

  cnnc_model_destroy(model);
  cnnc_model_destroy(NULL);
  if (failures == 0)
    printf("c_api_test: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
