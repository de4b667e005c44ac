// One row per way a safetensors file can be broken, each with the exact message the
// user sees: the reader must name the problem (and the tensor), never crash.
#include "TestUtil.h"
#include "cnnc/runtime/Safetensors.h"

using namespace cnnc::rt;
using namespace cnnc::rt::test;

namespace {

struct CorruptCase {
  std::string name;
  std::string bytes;
  std::string message; // after "<path>: "
};

/// A header with one tensor entry `x` whose fields are `fields`.
std::string oneTensor(const std::string &fields) { return R"({"x":{)" + fields + "}}"; }

/// The file as a whole: its length field and the JSON it frames.
std::vector<CorruptCase> headerCases() {
  return {
      {"empty_file", "", "truncated: file has 0 bytes, too few for the 8-byte header length"},
      {"four_bytes", std::string("\x10\0\0\0", 4),
       "truncated: file has 4 bytes, too few for the 8-byte header length"},
      {"length_only", littleEndian(100, 8),
       "truncated: header says 100 bytes but only 0 follow the 8-byte length"},
      {"header_beyond_file", littleEndian(1234, 8) + std::string(92, ' '),
       "truncated: header says 1234 bytes but only 92 follow the 8-byte length"},
      {"absurd_header_length", littleEndian(uint64_t(1) << 40, 8) + "{}",
       "corrupt header: header length 1099511627776 exceeds the 100000000-byte limit"},
      {"empty_header", safetensorsBytes("", 0),
       "corrupt header: parse error at line 1, column 1: syntax error while parsing value - "
       "unexpected end of input; expected '[', '{', or a literal"},
      {"bad_json", safetensorsBytes(R"({"x": {"dtype": "F32",)", 0),
       "corrupt header: parse error at line 1, column 23: syntax error while parsing object "
       "key - unexpected end of input; expected string literal"},
      {"header_not_object", safetensorsBytes("[1, 2]", 0),
       "corrupt header: expected a JSON object, found array"},
      {"duplicate_tensor",
       safetensorsBytes(R"({"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]},)"
                        R"("x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})",
                        4),
       "corrupt header: duplicate key 'x'"},
      {"entry_not_object", safetensorsBytes(R"({"x": [1]})", 0),
       "tensor 'x': entry must be an object, found array"},
  };
}

/// One tensor entry's dtype and shape.
std::vector<CorruptCase> entryCases() {
  return {
      {"missing_dtype", safetensorsBytes(oneTensor(R"("shape":[1],"data_offsets":[0,4])"), 4),
       "tensor 'x': missing 'dtype'"},
      {"dtype_not_string",
       safetensorsBytes(oneTensor(R"("dtype":4,"shape":[1],"data_offsets":[0,4])"), 4),
       "tensor 'x': 'dtype' must be a string, found number"},
      {"unknown_dtype",
       safetensorsBytes(oneTensor(R"("dtype":"F33","shape":[1],"data_offsets":[0,4])"), 4),
       "tensor 'x': unknown dtype 'F33'"},
      {"missing_shape", safetensorsBytes(oneTensor(R"("dtype":"F32","data_offsets":[0,4])"), 4),
       "tensor 'x': missing 'shape'"},
      {"shape_not_array",
       safetensorsBytes(oneTensor(R"("dtype":"F32","shape":"4","data_offsets":[0,4])"), 4),
       "tensor 'x': 'shape' must be an array, found string"},
      {"negative_dim",
       safetensorsBytes(oneTensor(R"("dtype":"F32","shape":[2,-3],"data_offsets":[0,4])"), 4),
       "tensor 'x': shape dimension 1 is -3, not a non-negative integer"},
      {"fractional_dim",
       safetensorsBytes(oneTensor(R"("dtype":"F32","shape":[1.5],"data_offsets":[0,4])"), 4),
       "tensor 'x': shape dimension 0 is 1.5, not a non-negative integer"},
      {"dim_beyond_int64",
       safetensorsBytes(
           oneTensor(R"("dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,4])"), 4),
       "tensor 'x': shape dimension 0 is 18446744073709551615, more than an int64 holds"},
      {"element_count_overflow",
       safetensorsBytes(
           oneTensor(R"("dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0])"), 0),
       "tensor 'x': element count of shape [4294967296, 4294967296] overflows int64"},
      {"byte_count_overflow",
       safetensorsBytes(
           oneTensor(R"("dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0])"), 0),
       "tensor 'x': byte size of shape [4611686018427387904] of F32 overflows int64"},
  };
}

/// Where the data lies, and the metadata.
std::vector<CorruptCase> layoutCases() {
  return {
      {"missing_offsets", safetensorsBytes(oneTensor(R"("dtype":"F32","shape":[1])"), 4),
       "tensor 'x': missing 'data_offsets'"},
      {"offsets_wrong_arity",
       safetensorsBytes(oneTensor(R"("dtype":"F32","shape":[1],"data_offsets":[4])"), 4),
       "tensor 'x': 'data_offsets' must be two non-negative integers [begin, end], found [4]"},
      {"negative_offset",
       safetensorsBytes(oneTensor(R"("dtype":"F32","shape":[1],"data_offsets":[-4,0])"), 4),
       "tensor 'x': 'data_offsets' must be two non-negative integers [begin, end], found [-4,0]"},
      {"reversed_offsets",
       safetensorsBytes(oneTensor(R"("dtype":"F32","shape":[1],"data_offsets":[8,4])"), 8),
       "tensor 'x': data_offsets [8, 4] are reversed: begin is after end"},
      {"offsets_beyond_data",
       safetensorsBytes(oneTensor(R"("dtype":"F32","shape":[2],"data_offsets":[4,12])"), 8),
       "tensor 'x': data_offsets [4, 12] end beyond the 8-byte data section"},
      {"offsets_size_mismatch",
       safetensorsBytes(R"({"conv1.weight":{"dtype":"F32","shape":[64,3,3,3],)"
                        R"("data_offsets":[0,100]}})",
                        100),
       "tensor 'conv1.weight': data_offsets [0, 100] hold 100 bytes but shape [64, 3, 3, 3] "
       "of F32 needs 6912"},
      {"overlapping",
       safetensorsBytes(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                        R"("b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
                        24),
       "tensors 'a' and 'b' overlap: data_offsets [0, 16] and [8, 24]"},
      {"metadata_not_object", safetensorsBytes(R"({"__metadata__":["a"]})", 0),
       "corrupt header: __metadata__ must be an object of strings, found array"},
      {"metadata_value_not_string", safetensorsBytes(R"({"__metadata__":{"epoch":3}})", 0),
       "corrupt header: __metadata__ entry 'epoch' must be a string, found number"},
  };
}

std::vector<CorruptCase> corruptCases() {
  std::vector<CorruptCase> cases;
  for (const auto &group : {headerCases(), entryCases(), layoutCases()})
    cases.insert(cases.end(), group.begin(), group.end());
  return cases;
}

void PrintTo(const CorruptCase &row, std::ostream *out) { *out << row.name; }

class SafetensorsCorruptTest : public ::testing::TestWithParam<CorruptCase> {};

TEST_P(SafetensorsCorruptTest, ReportsExactError) {
  TempDir dir;
  std::string path = dir.file("w.safetensors");
  writeBytes(path, GetParam().bytes);
  Expected<SafetensorsFile> file = SafetensorsFile::open(path);
  ASSERT_FALSE(file) << "opened a corrupt file";
  EXPECT_EQ(file.error().message, path + ": " + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Safetensors, SafetensorsCorruptTest, ::testing::ValuesIn(corruptCases()),
                         [](const ::testing::TestParamInfo<CorruptCase> &row) {
                           return row.param.name;
                         });

TEST(SafetensorsEmptyTensorTest, EmptyTensorsDoNotOverlap) {
  // Zero-byte tensors own no bytes, so sharing an offset with another tensor is fine.
  TempDir dir;
  std::string path = dir.file("w.safetensors");
  writeBytes(path, safetensorsBytes(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                    R"("e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]}})",
                                    16));
  Expected<SafetensorsFile> file = SafetensorsFile::open(path);
  ASSERT_TRUE(file) << file.error().message;
  Expected<Tensor> empty = file->readF32("e");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->shape, (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(empty->data.empty());
}

} // namespace
