// fork + execve with the environment built before forking: cnnc bench has Halide's
// worker threads alive by then, and after fork() in a threaded process the child may
// only make async-signal-safe calls until it execs.
#include "compiler/bench/Subprocess.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace cnnc::bench {

namespace {

/// The current environment with `overrides` replacing or adding variables.
std::vector<std::string> mergedEnvironment(const std::map<std::string, std::string> &overrides) {
  std::vector<std::string> merged;
  for (char **entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::string name = text.substr(0, text.find('='));
    if (overrides.count(name) == 0)
      merged.push_back(text);
  }
  for (const auto &[name, value] : overrides)
    merged.push_back(name + "=" + value);
  return merged;
}

std::vector<char *> pointers(std::vector<std::string> &strings) {
  std::vector<char *> result;
  for (std::string &text : strings)
    result.push_back(text.data());
  result.push_back(nullptr);
  return result;
}

/// The last `count` non-empty lines of the file at `path`, joined with "; ".
std::string lastLines(const std::string &path, size_t count) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      lines.push_back(line);
  std::string text;
  for (size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i)
    text += (text.empty() ? "" : "; ") + lines[i];
  return text;
}

} // namespace

rt::Status runSubprocess(const SubprocessRequest &request) {
  std::vector<std::string> arguments = request.argv;
  std::vector<std::string> environment = mergedEnvironment(request.environment);
  std::vector<char *> argv = pointers(arguments), envp = pointers(environment);
  const int out =
      ::open(request.stdoutPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err =
      ::open(request.stderrPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0 || err < 0) {
    const std::string reason = std::strerror(errno);
    if (out >= 0)
      ::close(out);
    if (err >= 0)
      ::close(err);
    return rt::Error{"cannot create the output files of " + request.argv[0] + ": " + reason};
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127); // exec failed; the parent reports it
  }
  ::close(out);
  ::close(err);
  if (child < 0)
    return rt::Error{"cannot start " + request.argv[0] + ": " + std::strerror(errno)};
  int status = 0;
  while (::waitpid(child, &status, 0) < 0)
    if (errno != EINTR)
      return rt::Error{"waiting for " + request.argv[0] + ": " + std::strerror(errno)};
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return rt::ok();
  std::ostringstream message;
  message << request.argv[0];
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    message << " could not be run (exit status 127)";
  else if (WIFEXITED(status))
    message << " failed (exit status " << WEXITSTATUS(status) << ")";
  else
    message << " was killed by signal " << WTERMSIG(status);
  const std::string detail = lastLines(request.stderrPath, 2);
  if (!detail.empty())
    message << ": " << detail;
  return rt::Error{message.str()};
}

std::string executableDirectory() {
  char path[4096];
  const ssize_t length = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (length <= 0)
    return "";
  const std::string full(path, size_t(length));
  const size_t slash = full.rfind('/');
  return slash == std::string::npos ? "" : full.substr(0, slash);
}

} // namespace cnnc::bench
