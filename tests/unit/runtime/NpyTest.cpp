// .npy round trips, byte-for-byte agreement with numpy.save, files from every format
// version, and one row per way a .npy file can be broken.
#include "cnnc/runtime/Npy.h"

#include "TestUtil.h"

using namespace cnnc::rt;
using namespace cnnc::rt::test;

namespace {

const std::string kF4x6 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

class NpyTest : public ::testing::Test {
protected:
  TempDir dir_;
};

TEST_F(NpyTest, RoundTripsShapes) {
  const std::vector<std::vector<int64_t>> shapes = {{2, 3}, {5}, {}, {0, 4}, {1, 3, 2, 2}};
  for (const auto &shape : shapes) {
    Tensor tensor = Tensor::zeros(shape);
    for (size_t i = 0; i < tensor.data.size(); ++i)
      tensor.data[i] = static_cast<float>(i) - 1.25f;
    std::string path = dir_.file("t.npy");
    ASSERT_TRUE(writeNpy(path, tensor));
    Expected<Tensor> read = readNpy(path);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->shape, shape) << formatShape(shape);
    EXPECT_EQ(read->data, tensor.data) << formatShape(shape);
  }
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"t.npy"});
}

TEST_F(NpyTest, WritesTheBytesNumpyWrites) {
  Tensor tensor{{2, 3}, {1, 2, 3, 4, 5, 6}};
  std::string path = dir_.file("t.npy");
  ASSERT_TRUE(writeNpy(path, tensor));
  EXPECT_EQ(readBytes(path), npyBytes(kF4x6, floatBytes(tensor.data)));
  Tensor vector{{5}, {1, 2, 3, 4, 5}};
  ASSERT_TRUE(writeNpy(path, vector));
  EXPECT_EQ(readBytes(path), npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }",
                                      floatBytes(vector.data)));
}

TEST_F(NpyTest, ReadsVersions2And3) {
  std::vector<float> values = {1, 2, 3, 4, 5, 6};
  for (int major : {2, 3}) {
    std::string path = dir_.file("v.npy");
    writeBytes(path, npyBytes(kF4x6, floatBytes(values), major));
    Expected<Tensor> read = readNpy(path);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->data, values);
  }
}

TEST_F(NpyTest, AcceptsHeaderVariantsNumpyHasWritten) {
  // Python 2 numpy wrote longs with an 'L' suffix; other writers reorder keys or use
  // double quotes; the trailing comma is optional.
  std::string path = dir_.file("v.npy");
  writeBytes(path, npyBytes(R"({"shape": (2L, 3L), "fortran_order": False, "descr": "<f4"})",
                            floatBytes({1, 2, 3, 4, 5, 6})));
  Expected<Tensor> read = readNpy(path);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->shape, (std::vector<int64_t>{2, 3}));
}

TEST_F(NpyTest, WriteErrorsLeaveNothing) {
  Tensor bad{{2, 3}, {1, 2}};
  std::string path = dir_.file("t.npy");
  Status status = writeNpy(path, bad);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, path + ": tensor has 2 values but shape [2, 3] needs 6");
  std::string nested = dir_.file("missing/t.npy");
  status = writeNpy(nested, Tensor{{1}, {1}});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message,
            nested + ": cannot create temporary file: No such file or directory");
  EXPECT_TRUE(dir_.entries().empty());
}

TEST_F(NpyTest, InteroperatesWithNumpy) {
  if (!havePythonWithNumpy())
    GTEST_SKIP() << kPython << " with numpy is not available";
  std::string fromNumpy = dir_.file("numpy.npy");
  std::string fromUs = dir_.file("ours.npy");
  ASSERT_TRUE(writeNpy(fromUs, Tensor{{3, 1}, {0.5f, -1, 2}}));
  const char *script = R"PY(
import sys
import numpy as np
ours, theirs = sys.argv[1], sys.argv[2]
assert np.array_equal(np.load(ours), np.array([[0.5], [-1], [2]], dtype=np.float32))
np.save(theirs, np.arange(12, dtype=np.float32).reshape(1, 3, 4))
)PY";
  ASSERT_TRUE(runPython(dir_, script, fromUs + " " + fromNumpy));
  Expected<Tensor> read = readNpy(fromNumpy);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->shape, (std::vector<int64_t>{1, 3, 4}));
  EXPECT_EQ(read->data, (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
}

struct CorruptNpy {
  std::string name;
  std::string bytes;
  std::string message; // after "<path>: "
};

std::string header(const std::string &descr, const std::string &fortran, const std::string &shape) {
  return "{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

std::vector<CorruptNpy> corruptNpyCases() {
  std::string six = floatBytes({1, 2, 3, 4, 5, 6});
  return {
      {"bad_magic", "PK\x03\x04 this is a zip file", "not a .npy file: bad magic bytes"},
      {"truncated_preamble", std::string("\x93NUMPY\x01", 7),
       "truncated: file has 7 bytes, too few for the .npy preamble"},
      {"unsupported_version", std::string("\x93NUMPY\x04\x00\x10\x00", 10) + "{}",
       "unsupported .npy format version 4.0"},
      {"header_beyond_file", std::string("\x93NUMPY\x01\x00\x00\x01", 10) + "{",
       "truncated: header says 256 bytes but only 1 follow the preamble"},
      {"fortran_order", npyBytes(header("'<f4'", "True", "(2, 3)"), six),
       "fortran_order arrays are not supported: save a C-ordered array "
       "(numpy.ascontiguousarray)"},
      {"wrong_dtype", npyBytes(header("'<f8'", "False", "(3,)"), six),
       "unsupported dtype '<f8': only '<f4' (little-endian float32) is supported; "
       "convert with array.astype('<f4')"},
      {"big_endian", npyBytes(header("'>f4'", "False", "(6,)"), six),
       "unsupported dtype '>f4': only '<f4' (little-endian float32) is supported; "
       "convert with array.astype('<f4')"},
      {"truncated_data", npyBytes(kF4x6, six.substr(0, 20)),
       "truncated: shape [2, 3] of float32 needs 24 bytes of data but the file has 20"},
      {"trailing_data", npyBytes(kF4x6, six + "xxxx"),
       "shape [2, 3] of float32 needs 24 bytes of data but the file has 28 (trailing bytes)"},
      {"negative_dim", npyBytes(header("'<f4'", "False", "(2, -3)"), six),
       "corrupt header: expected a non-negative integer dimension at character 55, found '-'"},
      {"int_not_tuple", npyBytes(header("'<f4'", "False", "(6)"), six),
       "corrupt header: expected ',' after the only dimension (a 1-d shape is written (n,)) at "
       "character 53, found ')'"},
      {"dim_overflow", npyBytes(header("'<f4'", "False", "(99999999999999999999,)"), six),
       "corrupt header: dimension at character 52 is more than an int64 holds"},
      {"size_overflow", npyBytes(header("'<f4'", "False", "(4294967296, 4294967296)"), six),
       "size of shape [4294967296, 4294967296] overflows int64"},
      {"missing_key", npyBytes("{'descr': '<f4', 'shape': (6,)}", six),
       "corrupt header: missing key 'fortran_order'"},
      {"unknown_key", npyBytes("{'descr': '<f4', 'order': 'C'}", six),
       "corrupt header: unexpected key 'order' at character 18"},
      {"duplicate_key", npyBytes("{'descr': '<f4', 'descr': '<f4'}", six),
       "corrupt header: duplicate key 'descr' at character 18"},
      {"not_a_dict", npyBytes("(2, 3)", six),
       "corrupt header: expected '{' at character 1, found '('"},
      {"unterminated_dict", npyBytes("{'descr': '<f4'", six),
       "corrupt header: expected ',' or '}' at character 55, found the end of the header"},
      {"structured_dtype", npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False}", six),
       "corrupt header: expected a dtype string at character 11, found '['"},
  };
}

void PrintTo(const CorruptNpy &row, std::ostream *out) { *out << row.name; }

class NpyCorruptTest : public ::testing::TestWithParam<CorruptNpy> {};

TEST_P(NpyCorruptTest, ReportsExactError) {
  TempDir dir;
  std::string path = dir.file("x.npy");
  writeBytes(path, GetParam().bytes);
  Expected<Tensor> tensor = readNpy(path);
  ASSERT_FALSE(tensor) << "read a corrupt file";
  EXPECT_EQ(tensor.error().message, path + ": " + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Npy, NpyCorruptTest, ::testing::ValuesIn(corruptNpyCases()),
                         [](const ::testing::TestParamInfo<CorruptNpy> &row) {
                           return row.param.name;
                         });

TEST(NpyOpenTest, MissingFile) {
  TempDir dir;
  std::string path = dir.file("none.npy");
  Expected<Tensor> tensor = readNpy(path);
  ASSERT_FALSE(tensor);
  EXPECT_EQ(tensor.error().message, path + ": cannot open: No such file or directory");
}

} // namespace
