#include "subprocess.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
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
    // The child dies with us (die_with_parent): a killed sweep or sim
    // --jobs leaves no process writing into its output.
    std::vector<std::string> env_strings;
    for (char **e = environ; *e; e++)
        if (std::strncmp(*e, kParentEnv, std::strlen(kParentEnv)) != 0 ||
            (*e)[std::strlen(kParentEnv)] != '=')
            env_strings.push_back(*e);
    env_strings.push_back(std::string(kParentEnv) + "=" + std::to_string(getpid()));
    std::vector<char *> envp;
    for (auto &s : env_strings)
        envp.push_back(s.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    // /proc/self/exe, not the path: a rebuild replacing the file while a
    // sweep runs must not change (or break) the binary of its later points.
    const int rc = posix_spawn(&pid, "/proc/self/exe", &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        throw std::runtime_error("cannot start " + exe + ": " + std::strerror(rc));
    return pid;
}

void die_with_parent()
{
    const char *v = std::getenv(kParentEnv);
    if (!v)
        return;
    const pid_t parent = (pid_t)std::atol(v);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) // it died before the line above
        _exit(137);
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
