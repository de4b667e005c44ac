// Temp-file-and-rename writes: a crash or a full disk never leaves a half-written
// weights or output file where a later run would read it.
#include "AtomicWrite.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace cnnc::rt;

namespace {

Error systemError(const std::string &path, const char *what, int err) {
  return Error{path + ": " + what + ": " + std::strerror(err)};
}

/// Writes all of `chunk`, resuming after short writes and signals; returns 0 or errno.
int writeAll(int fd, ByteSpan chunk) {
  const char *bytes = static_cast<const char *>(chunk.data);
  size_t left = chunk.size;
  while (left > 0) {
    ssize_t written = ::write(fd, bytes, left);
    if (written < 0 && errno == EINTR)
      continue;
    if (written < 0)
      return errno;
    bytes += written;
    left -= static_cast<size_t>(written);
  }
  return 0;
}

/// mkstemp creates the file 0600. Keep the mode of the file we replace; a new file
/// gets 0644, what `open(..., 0666)` gives under the usual umask (reading the real
/// umask means changing it, which is process-global and racy).
mode_t finalMode(const std::string &path) {
  struct stat existing;
  if (::stat(path.c_str(), &existing) == 0 && S_ISREG(existing.st_mode))
    return existing.st_mode & 07777;
  return 0644;
}

/// Makes the rename itself durable. Best effort: the data is already safe in the file.
void syncParentDirectory(const std::string &path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return;
  ::fsync(fd);
  ::close(fd);
}

/// Fills the open temporary `fd` and closes it, whatever happens.
Status fillAndClose(int fd, const std::string &path, const std::vector<ByteSpan> &chunks) {
  int err = 0;
  for (const ByteSpan &chunk : chunks)
    if (!err)
      err = writeAll(fd, chunk);
  if (!err && ::fchmod(fd, finalMode(path)) != 0)
    err = errno;
  if (!err && ::fsync(fd) != 0)
    err = errno;
  // close can report a deferred write error (e.g. on NFS), so it counts as a failure.
  if (::close(fd) != 0 && !err)
    err = errno;
  if (err)
    return systemError(path, "cannot write", err);
  return ok();
}

} // namespace

Status cnnc::rt::writeFileAtomically(const std::string &path, const std::vector<ByteSpan> &chunks) {
  std::string tempPath = path + ".tmp-XXXXXX";
  // mkostemp is mkstemp plus O_CLOEXEC, so a concurrent fork+exec cannot inherit it.
  int fd = ::mkostemp(tempPath.data(), O_CLOEXEC);
  if (fd < 0)
    return systemError(path, "cannot create temporary file", errno);

  if (Status written = fillAndClose(fd, path, chunks); !written) {
    ::unlink(tempPath.c_str());
    return written;
  }
  if (::rename(tempPath.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tempPath.c_str());
    return systemError(path, "cannot replace file", err);
  }
  syncParentDirectory(path);
  return ok();
}
