#include "subprocess.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

extern char **environ;

namespace primesim {

std::string self_exe() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

pid_t spawn_self(const std::vector<std::string> &args, const std::string &log_path)
{
    const std::string exe = self_exe();
    std::vector<std::string> a = args;
    a.insert(a.begin(), exe);
    std::vector<char *> argv;
    for (auto &s : a)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (!log_path.empty()) {
        posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
    }
    pid_t pid = 0;
    // /proc/self/exe, not the path: a rebuild replacing the file while a
    // sweep runs must not change (or break) the binary of its later points.
    const int rc = posix_spawn(&pid, "/proc/self/exe", &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        throw std::runtime_error("cannot start " + exe + ": " + std::strerror(rc));
    return pid;
}

namespace {

int exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 128;
}

} // namespace

int wait_child(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 128;
    return exit_code(status);
}

pid_t wait_any(int *code)
{
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid > 0)
        *code = exit_code(status);
    return pid;
}

} // namespace primesim
