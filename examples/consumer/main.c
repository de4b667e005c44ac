/* The consumer example from C: the fused library through cnnc/cnnc.h, its weights
 * compiled in, run from a caller-supplied scratch buffer. */
#include "tiny_fused_cnnc.h"

#include <stdio.h>

static float image[tiny_fused_image_ELEMENTS];
static float probs[tiny_fused_probs_ELEMENTS];
static unsigned char scratch[tiny_fused_SCRATCH_BYTES];

int main(void) {
  cnnc_model *model = cnnc_model_create_embedded(tiny_fused_cnnc_network());
  const float *inputs[1];
  float *outputs[1];
  float sum = 0;
  int i;
  if (!model) {
    fprintf(stderr, "%s\n", cnnc_last_error());
    return 1;
  }
  for (i = 0; i < tiny_fused_image_ELEMENTS; ++i)
    image[i] = (float)(i % 7) * 0.25f;
  inputs[0] = image;
  outputs[0] = probs;
  if (cnnc_model_run_with_scratch(model, inputs, 1, outputs, 1, scratch, sizeof scratch) != 0) {
    fprintf(stderr, "%s\n", cnnc_last_error());
    cnnc_model_destroy(model);
    return 1;
  }
  for (i = 0; i < tiny_fused_probs_ELEMENTS; ++i)
    sum += probs[i];
  printf("C: %s ran, probabilities sum to %.4f\n", cnnc_model_network(model)->name, sum);
  cnnc_model_destroy(model);
  return sum > 0.999f && sum < 1.001f ? 0 : 1;
}
