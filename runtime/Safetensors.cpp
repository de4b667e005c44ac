// The safetensors reader and writer. The reader trusts nothing in the file: every
// length, offset and dimension is checked before it is used, so a truncated or
// malicious file produces an Error naming the file and the tensor, never a crash.
#include "cnnc/runtime/Safetensors.h"

#include "AtomicWrite.h"
#include "FileDescriptor.h"
#include "ShapeMath.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sys/mman.h>
#include <sys/stat.h>
#include <tuple>

using namespace cnnc::rt;
using nlohmann::json;

// The data is copied out with memcpy, so host and file byte order must agree.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the safetensors reader assumes a little-endian host");

namespace {

/// Larger headers are rejected before any allocation, as the Python library does, so
/// a garbage length cannot make us allocate gigabytes.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

/// Bytes per element, or 0 for a dtype we do not know (the sub-byte F4/F6 included).
int64_t dtypeSize(const std::string &dtype) {
  static const std::pair<const char *, int64_t> kSizes[] = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"F8_E8M0", 1},
      {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},     {"U32", 4},
      {"F32", 4},  {"I64", 8}, {"U64", 8}, {"F64", 8},     {"C64", 8}};
  for (const auto &[name, size] : kSizes)
    if (dtype == name)
      return size;
  return 0;
}

Error fileError(const std::string &path, const std::string &message) {
  return Error{path + ": " + message};
}

Error tensorError(const std::string &path, const std::string &name, const std::string &message) {
  return Error{path + ": tensor '" + name + "': " + message};
}

/// A JSON value as it appears in the file, cut short so a huge value cannot flood
/// the message.
std::string quoteJson(const json &value) {
  std::string text = value.dump();
  if (text.size() > 40)
    text = text.substr(0, 37) + "...";
  return text;
}

std::string formatOffsets(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

/// A read-only private mapping of a whole file, not yet owned by a SafetensorsFile.
struct RawMapping {
  const uint8_t *base;
  size_t size;
};

Expected<RawMapping> mapFile(const std::string &path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid())
    return fileError(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat info;
  if (::fstat(fd.get(), &info) != 0)
    return fileError(path, std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(info.st_mode))
    return fileError(path, "not a regular file");
  size_t size = static_cast<size_t>(info.st_size);
  if (size < 8)
    return fileError(path, "truncated: file has " + std::to_string(size) +
                               " bytes, too few for the 8-byte header length");
  // The mapping outlives the descriptor, which is closed on return.
  void *base = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (base == MAP_FAILED)
    return fileError(path, std::string("cannot map: ") + std::strerror(errno));
  return RawMapping{static_cast<const uint8_t *>(base), size};
}

/// nlohmann keeps the last of duplicate keys silently; a header naming a tensor twice
/// is ambiguous, so the parse callback records the first duplicate key instead.
class DuplicateKeyFinder {
public:
  bool operator()(int /*depth*/, json::parse_event_t event, json &parsed) {
    if (event == json::parse_event_t::object_start)
      keys_.emplace_back();
    else if (event == json::parse_event_t::object_end && !keys_.empty())
      keys_.pop_back();
    else if (event == json::parse_event_t::key && !keys_.empty() &&
             !keys_.back().insert(parsed.get<std::string>()).second && !duplicate_)
      duplicate_ = parsed.get<std::string>();
    return true;
  }
  /// The first key repeated within one object, if any.
  const std::optional<std::string> &duplicate() const { return duplicate_; }

private:
  std::vector<std::set<std::string>> keys_;
  std::optional<std::string> duplicate_;
};

Expected<json> parseJson(const std::string &path, const char *begin, const char *end) {
  DuplicateKeyFinder finder;
  json header;
  try {
    // The parser copies its callback, so the lambda refers to `finder` instead of being it.
    header = json::parse(begin, end, [&finder](int depth, json::parse_event_t event, json &parsed) {
      return finder(depth, event, parsed);
    });
  } catch (const json::exception &e) {
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix: it means nothing to users.
    std::string message = e.what();
    size_t bracket = message.find("] ");
    if (message.rfind("[json.exception.", 0) == 0 && bracket != std::string::npos)
      message = message.substr(bracket + 2);
    return fileError(path, "corrupt header: " + message);
  }
  if (finder.duplicate())
    return fileError(path, "corrupt header: duplicate key '" + *finder.duplicate() + "'");
  return header;
}

Status checkMetadata(const std::string &path, const json &metadata) {
  if (!metadata.is_object())
    return fileError(path, std::string("corrupt header: __metadata__ must be an object of "
                                       "strings, found ") +
                               metadata.type_name());
  for (const auto &[key, value] : metadata.items())
    if (!value.is_string())
      return fileError(path, "corrupt header: __metadata__ entry '" + key +
                                 "' must be a string, found " + value.type_name());
  return ok();
}

/// A validated entry: its TensorInfo minus the data pointer, and its byte range
/// within the data section.
struct Entry {
  TensorInfo info;
  uint64_t begin = 0;
  uint64_t end = 0;
};

/// A field every tensor entry must have.
Expected<const json *> requireField(const std::string &path, const std::string &name,
                                    const json &entry, const char *field) {
  auto it = entry.find(field);
  if (it == entry.end())
    return tensorError(path, name, std::string("missing '") + field + "'");
  return &*it;
}

/// dtype ::= one of the names dtypeSize knows
Status parseDtype(const std::string &path, const std::string &name, const json &entry,
                  std::string &dtype) {
  Expected<const json *> field = requireField(path, name, entry, "dtype");
  if (!field)
    return field.error();
  const json *value = *field;
  if (!value->is_string())
    return tensorError(path, name,
                       std::string("'dtype' must be a string, found ") + value->type_name());
  dtype = value->get<std::string>();
  if (dtypeSize(dtype) == 0)
    return tensorError(path, name, "unknown dtype '" + dtype + "'");
  return ok();
}

/// shape ::= '[' (non-negative integer (',' non-negative integer)*)? ']'
Status parseShape(const std::string &path, const std::string &name, const json &entry,
                  std::vector<int64_t> &shape) {
  Expected<const json *> field = requireField(path, name, entry, "shape");
  if (!field)
    return field.error();
  const json *value = *field;
  if (!value->is_array())
    return tensorError(path, name,
                       std::string("'shape' must be an array, found ") + value->type_name());
  for (size_t i = 0; i < value->size(); ++i) {
    const json &dim = (*value)[i];
    // nlohmann stores non-negative integers as unsigned, negative ones as signed.
    if (!dim.is_number_unsigned())
      return tensorError(path, name,
                         "shape dimension " + std::to_string(i) + " is " + quoteJson(dim) +
                             ", not a non-negative integer");
    uint64_t extent = dim.get<uint64_t>();
    if (extent > static_cast<uint64_t>(INT64_MAX))
      return tensorError(path, name,
                         "shape dimension " + std::to_string(i) + " is " + quoteJson(dim) +
                             ", more than an int64 holds");
    shape.push_back(static_cast<int64_t>(extent));
  }
  return ok();
}

/// data_offsets ::= '[' begin ',' end ']'   (non-negative integers)
Status parseOffsets(const std::string &path, const std::string &name, const json &entry,
                    Entry &parsed) {
  Expected<const json *> field = requireField(path, name, entry, "data_offsets");
  if (!field)
    return field.error();
  const json *value = *field;
  if (!value->is_array() || value->size() != 2 || !(*value)[0].is_number_unsigned() ||
      !(*value)[1].is_number_unsigned())
    return tensorError(path, name,
                       "'data_offsets' must be two non-negative integers [begin, end], found " +
                           quoteJson(*value));
  parsed.begin = (*value)[0].get<uint64_t>();
  parsed.end = (*value)[1].get<uint64_t>();
  return ok();
}

/// Checks that the entry's byte range lies in the data section and holds exactly its
/// shape's worth of elements.
Status checkExtent(const std::string &path, const std::string &name, const Entry &parsed,
                   uint64_t dataBytes) {
  std::string offsets = formatOffsets(parsed.begin, parsed.end);
  if (parsed.begin > parsed.end)
    return tensorError(path, name, "data_offsets " + offsets + " are reversed: begin is after end");
  if (parsed.end > dataBytes)
    return tensorError(path, name,
                       "data_offsets " + offsets + " end beyond the " + std::to_string(dataBytes) +
                           "-byte data section");
  const std::vector<int64_t> &shape = parsed.info.shape;
  std::optional<int64_t> count = checkedByteCount(shape, /*elementBytes=*/1);
  if (!count)
    return tensorError(path, name,
                       "element count of shape " + formatShape(shape) + " overflows int64");
  std::optional<int64_t> needed = checkedMul(*count, dtypeSize(parsed.info.dtype));
  if (!needed)
    return tensorError(path, name,
                       "byte size of shape " + formatShape(shape) + " of " + parsed.info.dtype +
                           " overflows int64");
  uint64_t held = parsed.end - parsed.begin;
  if (held != static_cast<uint64_t>(*needed))
    return tensorError(path, name,
                       "data_offsets " + offsets + " hold " + std::to_string(held) +
                           " bytes but shape " + formatShape(shape) + " of " + parsed.info.dtype +
                           " needs " + std::to_string(*needed));
  return ok();
}

Expected<Entry> parseEntry(const std::string &path, const std::string &name, const json &entry,
                           uint64_t dataBytes) {
  if (!entry.is_object())
    return tensorError(path, name,
                       std::string("entry must be an object, found ") + entry.type_name());
  Entry parsed;
  if (Status status = parseDtype(path, name, entry, parsed.info.dtype); !status)
    return status.error();
  if (Status status = parseShape(path, name, entry, parsed.info.shape); !status)
    return status.error();
  if (Status status = parseOffsets(path, name, entry, parsed); !status)
    return status.error();
  if (Status status = checkExtent(path, name, parsed, dataBytes); !status)
    return status.error();
  parsed.info.bytes = static_cast<size_t>(parsed.end - parsed.begin);
  return parsed;
}

/// Two tensors sharing bytes would alias each other's data. Empty tensors own no bytes
/// and overlap nothing.
Status checkNoOverlap(const std::string &path, const std::map<std::string, Entry> &entries) {
  std::vector<std::pair<const std::string *, const Entry *>> byOffset;
  for (const auto &[name, entry] : entries)
    if (entry.begin != entry.end)
      byOffset.emplace_back(&name, &entry);
  std::sort(byOffset.begin(), byOffset.end(), [](const auto &a, const auto &b) {
    return std::tie(a.second->begin, *a.first) < std::tie(b.second->begin, *b.first);
  });
  for (size_t i = 1; i < byOffset.size(); ++i) {
    const auto &[prevName, prev] = byOffset[i - 1];
    const auto &[name, entry] = byOffset[i];
    if (prev->end > entry->begin)
      return fileError(path, "tensors '" + *prevName + "' and '" + *name +
                                 "' overlap: data_offsets " +
                                 formatOffsets(prev->begin, prev->end) + " and " +
                                 formatOffsets(entry->begin, entry->end));
  }
  return ok();
}

/// The 8-byte little-endian header length, checked against the file.
Expected<uint64_t> readHeaderLength(const std::string &path, const RawMapping &file) {
  uint64_t headerBytes = 0;
  std::memcpy(&headerBytes, file.base, sizeof headerBytes);
  if (headerBytes > kMaxHeaderBytes)
    return fileError(path, "corrupt header: header length " + std::to_string(headerBytes) +
                               " exceeds the " + std::to_string(kMaxHeaderBytes) + "-byte limit");
  if (headerBytes > file.size - 8)
    return fileError(path, "truncated: header says " + std::to_string(headerBytes) +
                               " bytes but only " + std::to_string(file.size - 8) +
                               " follow the 8-byte length");
  return headerBytes;
}

/// Validates the whole header and resolves each tensor's data pointer.
Expected<std::map<std::string, TensorInfo>> parseTensors(const std::string &path,
                                                         const RawMapping &file) {
  Expected<uint64_t> headerBytes = readHeaderLength(path, file);
  if (!headerBytes)
    return headerBytes.error();
  const char *text = reinterpret_cast<const char *>(file.base + 8);
  Expected<json> header = parseJson(path, text, text + *headerBytes);
  if (!header)
    return header.error();
  if (!header->is_object())
    return fileError(path, std::string("corrupt header: expected a JSON object, found ") +
                               header->type_name());

  const uint8_t *data = file.base + 8 + *headerBytes;
  uint64_t dataBytes = file.size - 8 - *headerBytes;
  std::map<std::string, Entry> entries;
  for (const auto &[name, value] : header->items()) {
    if (name == "__metadata__") {
      if (Status status = checkMetadata(path, value); !status)
        return status.error();
      continue;
    }
    Expected<Entry> entry = parseEntry(path, name, value, dataBytes);
    if (!entry)
      return entry.error();
    entries.emplace(name, std::move(*entry));
  }
  if (Status status = checkNoOverlap(path, entries); !status)
    return status.error();

  std::map<std::string, TensorInfo> tensors;
  for (auto &[name, entry] : entries) {
    entry.info.data = data + entry.begin;
    tensors.emplace(name, std::move(entry.info));
  }
  return tensors;
}

} // namespace

void SafetensorsFile::Unmapper::operator()(const uint8_t *base) const {
  ::munmap(const_cast<uint8_t *>(base), size);
}

Expected<SafetensorsFile> SafetensorsFile::open(const std::string &path) {
  Expected<RawMapping> raw = mapFile(path);
  if (!raw)
    return raw.error();
  Mapping mapping(raw->base, Unmapper{raw->size});
  Expected<std::map<std::string, TensorInfo>> tensors = parseTensors(path, *raw);
  if (!tensors)
    return tensors.error();
  return SafetensorsFile(path, std::move(mapping), std::move(*tensors));
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> names;
  names.reserve(tensors_.size());
  for (const auto &entry : tensors_)
    names.push_back(entry.first);
  return names;
}

const TensorInfo *SafetensorsFile::find(const std::string &name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

Expected<Tensor> SafetensorsFile::readF32(const std::string &name) const {
  const TensorInfo *info = find(name);
  if (!info)
    return fileError(path_, "no tensor '" + name + "'");
  if (info->dtype != "F32")
    return tensorError(path_, name, "expected dtype F32, found " + info->dtype);
  Tensor tensor;
  tensor.shape = info->shape;
  tensor.data.resize(info->bytes / sizeof(float));
  // memcpy, not a cast: the data need not be 4-byte aligned within the file.
  if (info->bytes != 0)
    std::memcpy(tensor.data.data(), info->data, info->bytes);
  return tensor;
}
