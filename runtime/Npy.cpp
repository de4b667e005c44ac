// The .npy reader and writer. Like the safetensors reader, the reader checks every
// length in the file against the file's real size before allocating or reading.
#include "cnnc/runtime/Npy.h"

#include "AtomicWrite.h"
#include "FileDescriptor.h"
#include "NpyHeader.h"
#include "ShapeMath.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

using namespace cnnc::rt;

// Data is read straight into floats, so host and file ('<f4') byte order must agree.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the .npy reader assumes a little-endian host");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = sizeof kMagic - 1;
/// numpy itself refuses headers over 10000 bytes by default; a real shape never
/// comes close, so this only stops a garbage length from allocating memory.
constexpr uint32_t kMaxHeaderBytes = 1'000'000;

Error npyError(const std::string &path, const std::string &message) {
  return Error{path + ": " + message};
}

/// Reads exactly `size` bytes at `offset`. The sizes were checked against fstat, so
/// a short read means the file shrank under us.
Status readAt(const std::string &path, int fd, void *buffer, size_t size, off_t offset) {
  char *bytes = static_cast<char *>(buffer);
  while (size > 0) {
    ssize_t got = ::pread(fd, bytes, size, offset);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return npyError(path, std::string("cannot read: ") + std::strerror(errno));
    if (got == 0)
      return npyError(path, "truncated: the file shrank while being read");
    bytes += got;
    size -= static_cast<size_t>(got);
    offset += got;
  }
  return ok();
}

/// Where the header dict lies: after the magic, the version and the length field.
struct HeaderSpan {
  size_t offset;
  size_t bytes;
};

/// preamble ::= "\x93NUMPY" major minor length   (length: u16 for 1.0, u32 for 2.0/3.0)
Expected<HeaderSpan> readPreamble(const std::string &path, int fd, size_t fileBytes) {
  unsigned char preamble[12] = {};
  size_t have = std::min(fileBytes, sizeof preamble);
  if (Status status = readAt(path, fd, preamble, have, 0); !status)
    return status.error();
  if (std::memcmp(preamble, kMagic, std::min(have, kMagicBytes)) != 0)
    return npyError(path, "not a .npy file: bad magic bytes");
  if (have < 10)
    return npyError(path, "truncated: file has " + std::to_string(fileBytes) +
                              " bytes, too few for the .npy preamble");
  int major = preamble[6];
  int minor = preamble[7];
  if ((major < 1 || major > 3) || minor != 0)
    return npyError(path, "unsupported .npy format version " + std::to_string(major) + "." +
                              std::to_string(minor));
  if (major > 1 && have < 12)
    return npyError(path, "truncated: file has " + std::to_string(fileBytes) +
                              " bytes, too few for the .npy preamble");
  HeaderSpan span{major == 1 ? 10u : 12u, 0};
  span.bytes = preamble[8] | (preamble[9] << 8);
  if (major > 1)
    span.bytes |= static_cast<size_t>(preamble[10]) << 16 | static_cast<size_t>(preamble[11]) << 24;
  if (span.bytes > kMaxHeaderBytes)
    return npyError(path, "corrupt header: header length " + std::to_string(span.bytes) +
                              " exceeds the " + std::to_string(kMaxHeaderBytes) + "-byte limit");
  if (span.bytes > fileBytes - span.offset)
    return npyError(path, "truncated: header says " + std::to_string(span.bytes) +
                              " bytes but only " + std::to_string(fileBytes - span.offset) +
                              " follow the preamble");
  return span;
}

/// Accepts exactly what we can hand out as a Tensor without conversion.
Status checkHeader(const std::string &path, const NpyHeader &header) {
  if (header.descr != "<f4")
    return npyError(path, "unsupported dtype '" + header.descr +
                              "': only '<f4' (little-endian float32) is supported; convert with "
                              "array.astype('<f4')");
  if (header.fortranOrder)
    return npyError(path, "fortran_order arrays are not supported: save a C-ordered array "
                          "(numpy.ascontiguousarray)");
  return ok();
}

Expected<NpyHeader> readHeader(const std::string &path, int fd, size_t fileBytes,
                               size_t &dataOffset) {
  Expected<HeaderSpan> span = readPreamble(path, fd, fileBytes);
  if (!span)
    return span.error();
  std::string text(span->bytes, '\0');
  if (Status status = readAt(path, fd, text.data(), text.size(), static_cast<off_t>(span->offset));
      !status)
    return status.error();
  Expected<NpyHeader> header = parseNpyHeader(text);
  if (!header)
    return npyError(path, "corrupt header: " + header.error().message);
  if (Status status = checkHeader(path, *header); !status)
    return status.error();
  dataOffset = span->offset + span->bytes;
  return header;
}

} // namespace

Expected<Tensor> cnnc::rt::readNpy(const std::string &path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid())
    return npyError(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat info;
  if (::fstat(fd.get(), &info) != 0)
    return npyError(path, std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(info.st_mode))
    return npyError(path, "not a regular file");
  size_t fileBytes = static_cast<size_t>(info.st_size);

  size_t dataOffset = 0;
  Expected<NpyHeader> header = readHeader(path, fd.get(), fileBytes, dataOffset);
  if (!header)
    return header.error();
  std::optional<int64_t> needed = checkedByteCount(header->shape, sizeof(float));
  std::string shape = formatShape(header->shape);
  if (!needed)
    return npyError(path, "size of shape " + shape + " overflows int64");
  size_t held = fileBytes - dataOffset;
  std::string mismatch = "shape " + shape + " of float32 needs " + std::to_string(*needed) +
                         " bytes of data but the file has " + std::to_string(held);
  if (held < static_cast<uint64_t>(*needed))
    return npyError(path, "truncated: " + mismatch);
  if (held > static_cast<uint64_t>(*needed))
    return npyError(path, mismatch + " (trailing bytes)");

  Tensor tensor;
  tensor.shape = header->shape;
  tensor.data.resize(static_cast<size_t>(*needed) / sizeof(float));
  if (Status status =
          readAt(path, fd.get(), tensor.data.data(), held, static_cast<off_t>(dataOffset));
      !status)
    return status.error();
  return tensor;
}

Status cnnc::rt::writeNpy(const std::string &path, const Tensor &tensor) {
  std::optional<int64_t> bytes = checkedByteCount(tensor.shape, sizeof(float));
  if (!bytes)
    return npyError(path, "shape " + formatShape(tensor.shape) +
                              " has a negative dimension or too many elements");
  uint64_t numel = static_cast<uint64_t>(*bytes) / sizeof(float);
  if (tensor.data.size() != numel)
    return npyError(path, "tensor has " + std::to_string(tensor.data.size()) +
                              " values but shape " + formatShape(tensor.shape) + " needs " +
                              std::to_string(numel));

  // numpy pads the header with spaces and a final newline so the data starts at a
  // multiple of 64 bytes, and uses version 2.0 only when 1.0's u16 length cannot hold it.
  std::string dict = formatNpyHeader(tensor.shape);
  auto padded = [&dict](size_t preambleBytes) {
    std::string text = dict;
    text.append((64 - (preambleBytes + dict.size() + 1) % 64) % 64, ' ');
    return text + '\n';
  };
  size_t preambleBytes = 10;
  std::string header = padded(preambleBytes);
  if (header.size() > 65535)
    header = padded(preambleBytes = 12);
  std::string preamble(kMagic, kMagicBytes);
  preamble += preambleBytes == 10 ? '\x01' : '\x02';
  preamble += '\0';
  for (size_t i = 0; i < preambleBytes - 8; ++i)
    preamble += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return writeFileAtomically(path, {{preamble.data(), preamble.size()},
                                    {header.data(), header.size()},
                                    {tensor.data.data(), tensor.data.size() * sizeof(float)}});
}
