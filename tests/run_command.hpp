// Running commands from tests: a shell command or the primesim binary,
// with its exit code and its stdout and stderr together.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace testcmd {

struct Result {
    int code; // exit code; -1 when it did not exit normally
    std::string out;
};

inline Result run_command(const std::string &cmd)
{
    Result r{-1, ""};
    FILE *p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p)
        return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        r.out.append(buf, n);
    const int status = pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

// `primesim ARGS` (the binary this build made).
inline Result run_primesim(const std::string &args)
{
    return run_command(std::string(PRIMESIM_BINARY) + " " + args);
}

} // namespace testcmd
