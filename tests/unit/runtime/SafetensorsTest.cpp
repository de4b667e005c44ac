// Safetensors round trips, file layout, accessors, atomic writes and interoperability
// with files written by hand in Python (the layout PyTorch's tooling produces).
#include "cnnc/runtime/Safetensors.h"

#include "TestUtil.h"

#include <csignal>
#include <cstring>
#include <sys/resource.h>

using namespace cnnc::rt;
using namespace cnnc::rt::test;

namespace {

Tensor makeTensor(std::vector<int64_t> shape) {
  Tensor tensor = Tensor::zeros(std::move(shape));
  for (size_t i = 0; i < tensor.data.size(); ++i)
    tensor.data[i] = 0.5f * static_cast<float>(i) - 3.0f;
  return tensor;
}

/// True if no writer's temporary file is left in `dir`.
bool noTempFiles(const TempDir &dir) {
  for (const std::string &name : dir.entries())
    if (name.find(".tmp-") != std::string::npos)
      return false;
  return true;
}

class SafetensorsTest : public ::testing::Test {
protected:
  TempDir dir_;
};

TEST(TensorTest, NumelZerosAndFormatShape) {
  EXPECT_EQ(Tensor::zeros({64, 3, 3, 3}).numel(), 1728);
  EXPECT_EQ(Tensor::zeros({64, 3, 3, 3}).data.size(), 1728u);
  EXPECT_EQ(Tensor::zeros({}).numel(), 1);
  EXPECT_EQ(Tensor::zeros({4, 0}).numel(), 0);
  EXPECT_EQ(formatShape({64, 3, 3, 3}), "[64, 3, 3, 3]");
  EXPECT_EQ(formatShape({5}), "[5]");
  EXPECT_EQ(formatShape({}), "[]");
}

TEST(ExpectedTest, HoldsValueOrError) {
  Expected<int> value = 3;
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, 3);
  Expected<int> error = Error{"bad"};
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().message, "bad");
  Expected<std::string> text = std::string("abc");
  EXPECT_EQ(text->size(), 3u);
  EXPECT_TRUE(ok());
  Status failed = Error{"no"};
  EXPECT_FALSE(failed);
}

TEST_F(SafetensorsTest, RoundTrip) {
  Tensor weight = makeTensor({4, 3, 3, 3});
  Tensor bias = makeTensor({4});
  Tensor scalar = makeTensor({});
  Tensor empty = makeTensor({0, 5});
  std::string path = dir_.file("w.safetensors");
  ASSERT_TRUE(writeSafetensors(
      path,
      {{"conv1.weight", &weight}, {"conv1.bias", &bias}, {"scale", &scalar}, {"empty", &empty}}));

  Expected<SafetensorsFile> file = SafetensorsFile::open(path);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->path(), path);
  EXPECT_EQ(file->names(),
            (std::vector<std::string>{"conv1.bias", "conv1.weight", "empty", "scale"}));
  for (const auto &[name, tensor] : {std::pair{"conv1.weight", &weight},
                                     {"conv1.bias", &bias},
                                     {"scale", &scalar},
                                     {"empty", &empty}}) {
    Expected<Tensor> read = file->readF32(name);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->shape, tensor->shape) << name;
    EXPECT_EQ(read->data, tensor->data) << name;
  }
  const TensorInfo *info = file->find("conv1.weight");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->dtype, "F32");
  EXPECT_EQ(info->bytes, 108u * 4);
  EXPECT_EQ(file->find("conv2.weight"), nullptr);
  EXPECT_TRUE(noTempFiles(dir_));
}

TEST_F(SafetensorsTest, WriterLayoutIsSortedPaddedAndContiguous) {
  Tensor a = makeTensor({2});
  Tensor b = makeTensor({1, 3});
  std::string path = dir_.file("w.safetensors");
  ASSERT_TRUE(writeSafetensors(path, {{"b", &b}, {"a", &a}}));
  std::string bytes = readBytes(path);
  uint64_t headerBytes = 0;
  std::memcpy(&headerBytes, bytes.data(), 8);
  EXPECT_EQ(headerBytes % 8, 0u);
  std::string expected = R"({"a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]},)"
                         R"("b":{"data_offsets":[8,20],"dtype":"F32","shape":[1,3]}})";
  expected.append((8 - expected.size() % 8) % 8, ' ');
  EXPECT_EQ(bytes.substr(8, headerBytes), expected);
  EXPECT_EQ(bytes.size(), 8 + headerBytes + 20);
  EXPECT_EQ(bytes.substr(8 + headerBytes), floatBytes(a.data) + floatBytes(b.data));
}

TEST_F(SafetensorsTest, EmptyFileListRoundTrips) {
  std::string path = dir_.file("none.safetensors");
  ASSERT_TRUE(writeSafetensors(path, {}));
  Expected<SafetensorsFile> file = SafetensorsFile::open(path);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_TRUE(file->names().empty());
}

TEST_F(SafetensorsTest, MetadataIsSkipped) {
  std::string path = dir_.file("m.safetensors");
  writeBytes(path, safetensorsBytes(R"({"__metadata__":{"format":"pt"},)"
                                    R"("x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                    4));
  Expected<SafetensorsFile> file = SafetensorsFile::open(path);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->names(), std::vector<std::string>{"x"});
}

TEST_F(SafetensorsTest, MovedFileKeepsItsData) {
  Tensor a = makeTensor({3});
  std::string path = dir_.file("w.safetensors");
  ASSERT_TRUE(writeSafetensors(path, {{"a", &a}}));
  Expected<SafetensorsFile> opened = SafetensorsFile::open(path);
  ASSERT_TRUE(opened);
  SafetensorsFile moved = std::move(*opened);
  SafetensorsFile assigned = std::move(moved);
  Expected<Tensor> read = assigned.readF32("a");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->data, a.data);
}

TEST_F(SafetensorsTest, ReadF32Errors) {
  std::string path = dir_.file("w.safetensors");
  writeBytes(path,
             safetensorsBytes(R"({"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", 4));
  Expected<SafetensorsFile> file = SafetensorsFile::open(path);
  ASSERT_TRUE(file) << file.error().message;
  Expected<Tensor> wrongType = file->readF32("x");
  ASSERT_FALSE(wrongType);
  EXPECT_EQ(wrongType.error().message, path + ": tensor 'x': expected dtype F32, found F16");
  Expected<Tensor> absent = file->readF32("y");
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().message, path + ": no tensor 'y'");
}

TEST_F(SafetensorsTest, OpenErrorsNameTheFile) {
  std::string missing = dir_.file("missing.safetensors");
  Expected<SafetensorsFile> file = SafetensorsFile::open(missing);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().message, missing + ": cannot open: No such file or directory");
  Expected<SafetensorsFile> directory = SafetensorsFile::open(dir_.path());
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().message, dir_.path() + ": not a regular file");
}

TEST_F(SafetensorsTest, WriterRejectsInconsistentTensors) {
  std::string path = dir_.file("w.safetensors");
  Tensor bad = makeTensor({2, 3});
  bad.data.pop_back();
  Status status = writeSafetensors(path, {{"bad", &bad}});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, path + ": tensor 'bad': has 5 values but shape [2, 3] needs 6");

  Tensor good = makeTensor({1});
  status = writeSafetensors(path, {{"a", &good}, {"a", &good}});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, path + ": tensor 'a': given twice");
  status = writeSafetensors(path, {{"__metadata__", &good}});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, path + ": '__metadata__' is reserved and cannot name a tensor");
  status = writeSafetensors(path, {{"bad\xff", &good}});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, path + ": tensor names must be valid UTF-8");
  EXPECT_TRUE(dir_.entries().empty());
}

TEST_F(SafetensorsTest, WriteIntoMissingDirectoryLeavesNothing) {
  std::string path = dir_.file("no/such/dir/w.safetensors");
  Tensor a = makeTensor({1});
  Status status = writeSafetensors(path, {{"a", &a}});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message,
            path + ": cannot create temporary file: No such file or directory");
  EXPECT_TRUE(dir_.entries().empty());
}

TEST_F(SafetensorsTest, FailedRenameLeavesTargetAndNoTempFile) {
  // The target is a directory: everything succeeds until the rename.
  std::string path = dir_.file("target");
  std::filesystem::create_directory(path);
  Tensor a = makeTensor({1});
  Status status = writeSafetensors(path, {{"a", &a}});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, path + ": cannot replace file: Is a directory");
  EXPECT_TRUE(std::filesystem::is_directory(path));
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"target"});
}

TEST_F(SafetensorsTest, FailedWriteDoesNotClobberExistingFile) {
  std::string path = dir_.file("w.safetensors");
  writeBytes(path, "previous contents");
  Tensor big = makeTensor({1 << 16});
  // A file size limit makes write() fail with EFBIG part-way through, like a full disk.
  // SIGXFSZ would kill the process first, so it is ignored for the duration.
  struct rlimit saved;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct rlimit limited = saved;
  limited.rlim_cur = 4096;
  auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  Status status = writeSafetensors(path, {{"big", &big}});
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previousHandler);

  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, path + ": cannot write: File too large");
  EXPECT_EQ(readBytes(path), "previous contents");
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"w.safetensors"});
}

TEST_F(SafetensorsTest, OverwritesExistingFileAndKeepsItsMode) {
  std::string path = dir_.file("w.safetensors");
  writeBytes(path, "old");
  std::filesystem::permissions(path, std::filesystem::perms(0640));
  Tensor a = makeTensor({2});
  ASSERT_TRUE(writeSafetensors(path, {{"a", &a}}));
  EXPECT_EQ(std::filesystem::status(path).permissions(), std::filesystem::perms(0640));
  Expected<SafetensorsFile> file = SafetensorsFile::open(path);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->names(), std::vector<std::string>{"a"});
  EXPECT_TRUE(noTempFiles(dir_));
}

// Python writes a file by hand with struct + json, in the Python library's layout
// (including an I64 counter and __metadata__), and reads ours back with the same rules.
constexpr const char *kInteropScript = R"PY(
import json, struct, sys
import numpy as np

def write(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        array = tensors[name]
        dtype = {np.float32: "F32", np.int64: "I64"}[array.dtype.type]
        blob = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))

def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0, n
    header = json.loads(data[8:8 + n])
    body, out, end = data[8 + n:], {}, 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        begin, stop = info["data_offsets"]
        assert begin == end, (name, begin, end)
        assert info["dtype"] == "F32"
        out[name] = np.frombuffer(body[begin:stop], dtype="<f4").reshape(info["shape"])
        end = stop
    assert end == len(body)
    return out

mode, path = sys.argv[1], sys.argv[2]
weight = (np.arange(2 * 3 * 3 * 3, dtype=np.float32) * 0.25 - 1).reshape(2, 3, 3, 3)
bias = np.array([1.5, -2.0], dtype=np.float32)
if mode == "write":
    write(path, {"conv1.weight": weight, "conv1.bias": bias,
                 "bn1.num_batches_tracked": np.array(7, dtype=np.int64)}, {"format": "pt"})
else:
    got = read(path)
    assert sorted(got) == ["conv1.bias", "conv1.weight"], sorted(got)
    assert np.array_equal(got["conv1.weight"], weight)
    assert np.array_equal(got["conv1.bias"], bias)
)PY";

std::vector<float> pythonWeight() {
  std::vector<float> values(54);
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<float>(i) * 0.25f - 1.0f;
  return values;
}

TEST_F(SafetensorsTest, ReadsFileWrittenByPython) {
  if (!havePythonWithNumpy())
    GTEST_SKIP() << kPython << " with numpy is not available";
  std::string path = dir_.file("py.safetensors");
  ASSERT_TRUE(runPython(dir_, kInteropScript, "write " + path));
  Expected<SafetensorsFile> file = SafetensorsFile::open(path);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->names(),
            (std::vector<std::string>{"bn1.num_batches_tracked", "conv1.bias", "conv1.weight"}));
  EXPECT_EQ(file->find("bn1.num_batches_tracked")->dtype, "I64");
  Expected<Tensor> weight = file->readF32("conv1.weight");
  ASSERT_TRUE(weight) << weight.error().message;
  EXPECT_EQ(weight->shape, (std::vector<int64_t>{2, 3, 3, 3}));
  EXPECT_EQ(weight->data, pythonWeight());
}

TEST_F(SafetensorsTest, PythonReadsOurFile) {
  if (!havePythonWithNumpy())
    GTEST_SKIP() << kPython << " with numpy is not available";
  Tensor weight{{2, 3, 3, 3}, pythonWeight()};
  Tensor bias{{2}, {1.5f, -2.0f}};
  std::string path = dir_.file("ours.safetensors");
  ASSERT_TRUE(writeSafetensors(path, {{"conv1.weight", &weight}, {"conv1.bias", &bias}}));
  EXPECT_TRUE(runPython(dir_, kInteropScript, "read " + path));
}

} // namespace
