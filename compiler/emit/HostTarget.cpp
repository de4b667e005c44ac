#include "compiler/emit/HostTarget.h"

#include <cstdlib>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace cnnc::emit {

bool cpuHasAvxVnni() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx))
    return false;
  return (eax & (1u << 4)) != 0;
#else
  return false;
#endif
}

Halide::Target withoutMissingHostFeatures(Halide::Target target) {
  if (target.arch == Halide::Target::X86 &&
      target.has_feature(Halide::Target::AVX512_SapphireRapids) && !cpuHasAvxVnni())
    target = target.without_feature(Halide::Target::AVX512_SapphireRapids)
                 .with_feature(Halide::Target::AVX512_Cannonlake);
  return target;
}

Halide::Target hostTarget() { return withoutMissingHostFeatures(Halide::get_host_target()); }

Halide::Target jitTarget() {
  const char *text = std::getenv("HL_JIT_TARGET");
  if (text == nullptr || *text == '\0')
    return hostTarget();
  const Halide::Target target = Halide::get_jit_target_from_environment();
  return std::string(text).rfind("host", 0) == 0 ? withoutMissingHostFeatures(target) : target;
}

} // namespace cnnc::emit
