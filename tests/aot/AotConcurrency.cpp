// Concurrency: one compiled model run from several threads at once, then several
// models at once, every result compared bit for bit with the same model's
// single-threaded result (not merely within tolerance: a race that perturbs a value
// in the last bit must fail). Half of the threads run with a ScratchArena of their
// own, so the runtime's Halide hooks (process-wide, shared by every run) are
// exercised concurrently too. Built and run under ThreadSanitizer by the `tsan`
// preset (ctest -R aot_concurrency); the Halide-generated pipelines are not
// instrumented, the runtime and this file are.
#include "AotTestUtil.h"
#include "awkward_names.hpp"
#include "conv_pool_fused.hpp"
#include "conv_pool_unfused.hpp"
#include "residual.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>

namespace cnnc::aottest {

namespace {

/// One model, its inputs, and what it computes on them single-threaded.
struct Job {
  std::string name;
  const rt::Model *model = nullptr;
  size_t scratchBytes = 0;
  Buffers buffers;                  // inputs, zeroed outputs
  std::vector<rt::Tensor> expected; // the single-threaded outputs
};

rt::Status runJob(const Job &job, Buffers &buffers, rt::ScratchArena *arena) {
  std::vector<const float *> inputs;
  for (const rt::Tensor &input : buffers.inputs)
    inputs.push_back(input.data.data());
  std::vector<float *> outputs;
  for (rt::Tensor &output : buffers.outputs)
    outputs.push_back(output.data.data());
  return job.model->runDense(inputs.data(), inputs.size(), outputs.data(), outputs.size(), arena);
}

/// "" when every output equals the single-threaded one bit for bit.
std::string compareExactly(const Job &job, const Buffers &buffers) {
  for (size_t i = 0; i < job.expected.size(); ++i) {
    const std::vector<float> &got = buffers.outputs[i].data, &want = job.expected[i].data;
    if (got.size() != want.size() ||
        std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) != 0)
      return job.name + ": output " + std::to_string(i) + " differs from the single-threaded run";
  }
  return "";
}

/// Runs each job in `threadJobs` (one entry per thread) `runs` times; the first
/// failure of each thread, or "".
std::vector<std::string> runThreads(const std::vector<const Job *> &threadJobs, int runs) {
  std::vector<std::string> errors(threadJobs.size());
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < threadJobs.size(); ++t)
    threads.emplace_back([&, t] {
      const Job &job = *threadJobs[t];
      // Odd threads bring their own arena of the size the header promises suffices.
      std::vector<unsigned char> memory(t % 2 ? std::max<size_t>(job.scratchBytes, 1) : 0);
      std::unique_ptr<rt::ScratchArena> arena;
      if (t % 2)
        arena = std::make_unique<rt::ScratchArena>(memory.data(), memory.size());
      // Start together, so that the runs really overlap.
      ++ready;
      while (ready.load() < static_cast<int>(threadJobs.size()))
        std::this_thread::yield();
      for (int i = 0; i < runs && errors[t].empty(); ++i) {
        Buffers buffers = job.buffers;
        rt::Status status = runJob(job, buffers, arena.get());
        errors[t] = status ? compareExactly(job, buffers) : job.name + ": " + status.error().message;
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  return errors;
}

template <class Net>
void addJob(const std::string &dir, const char *set, const Net &net, std::vector<Job> &jobs,
            Checker &checker) {
  auto reference = loadReference(dir, set, Net::signature());
  checker.expect(bool(reference), std::string("load data of ") + Net::signature().name,
                 reference ? "" : reference.error().message);
  if (!reference)
    return;
  Job job;
  job.name = Net::signature().name;
  job.model = &net.model();
  job.scratchBytes = static_cast<size_t>(Net::kScratchBytes);
  job.buffers = reference->buffers;
  Buffers single = job.buffers;
  rt::Status status = runJob(job, single, nullptr);
  checker.expect(bool(status), job.name + ": single-threaded run",
                 status ? "" : status.error().message);
  if (!status)
    return;
  // The single-threaded run itself is right (SPEC tolerance against the reference).
  std::string wrong = compareOutputs(Net::signature(), single, reference->expected);
  checker.expect(wrong.empty(), job.name + ": single-threaded result", wrong);
  job.expected = single.outputs;
  jobs.push_back(std::move(job));
}

template <class Net> std::unique_ptr<Net> bind(const std::string &dir, const char *set,
                                               Checker &checker) {
  auto net = Net::fromFile(dataPath(dir, set, "weights"));
  checker.expect(bool(net), std::string("bind ") + Net::signature().name,
                 net ? "" : net.error().message);
  return net ? std::make_unique<Net>(std::move(*net)) : nullptr;
}

void expectNoErrors(const std::vector<std::string> &errors, const std::string &what,
                    Checker &checker) {
  for (size_t t = 0; t < errors.size(); ++t)
    checker.expect(errors[t].empty(), what + ", thread " + std::to_string(t), errors[t]);
}

} // namespace

void checkConcurrency(const std::string &dir, Checker &checker) {
  auto fused = bind<nets::conv_pool_fused>(dir, "conv_pool", checker);
  auto unfused = bind<nets::conv_pool_unfused>(dir, "conv_pool", checker);
  auto residual = bind<nets::residual>(dir, "residual", checker);
  auto awkward = bind<nets::awkward_names>(dir, "awkward_names", checker);
  if (!fused || !unfused || !residual || !awkward)
    return;
  std::vector<Job> jobs;
  jobs.reserve(4);
  addJob(dir, "conv_pool", *fused, jobs, checker);
  addJob(dir, "conv_pool", *unfused, jobs, checker);
  addJob(dir, "residual", *residual, jobs, checker);
  addJob(dir, "awkward_names", *awkward, jobs, checker);
  if (jobs.size() != 4)
    return;
  // One model (two inputs, two outputs), six threads at once.
  expectNoErrors(runThreads(std::vector<const Job *>(6, &jobs[2]), 200), "one model", checker);
  // Every model at once, two threads each.
  std::vector<const Job *> mixed;
  for (const Job &job : jobs)
    mixed.insert(mixed.end(), {&job, &job});
  expectNoErrors(runThreads(mixed, 100), "several models", checker);
}

} // namespace cnnc::aottest
