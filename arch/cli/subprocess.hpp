// Child processes of primesim: sim --jobs shards, sweep points, check runs.
// Each child is this same executable with other arguments.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace primesim {

// Path of the running primesim executable.
std::string self_exe();

// Starts `primesim args...` (the running binary, even if its file has been
// replaced since). A non-empty log_path receives the child's
// stdout and stderr (created or truncated); empty keeps the parent's.
// Throws std::runtime_error when the process cannot be started.
// The child gets kParentEnv = the parent's pid in its environment.
pid_t spawn_self(const std::vector<std::string> &args, const std::string &log_path = "");

// Names the pid of the primesim that started this one.
inline constexpr const char *kParentEnv = "PRIMESIM_PARENT_PID";

// In a child of spawn_self: asks the kernel to SIGKILL this process when its
// parent dies (however it dies, SIGKILL included), so no orphan writes into
// a killed run's output; exits at once if the parent is already gone.
void die_with_parent();

// Waits for pid. Returns its exit code, or 128 + signal when it was killed.
int wait_child(pid_t pid);

// Waits for any child; its exit code (as wait_child) in *code. Returns -1
// when a signal interrupted the wait, so a caller can look at its flags.
pid_t wait_any(int *code);

} // namespace primesim
