// Shipped files (configs, the default workload and test digits, golden
// files, docs) as the binary finds them: from the working directory (the
// repository root), else in the data directory `cmake --install` puts
// beside the binary (<prefix>/share/primesim, found from the binary's own
// path so any install prefix works).
#pragma once

#include <string>

namespace primesim {

// The installed data directory, or "" when the binary has none (a build tree).
std::string installed_data_dir();

// path itself when it is absolute or exists from the working directory;
// else the same relative path under the installed data directory when it
// exists there; else path unchanged, so an error names what was typed.
std::string shipped_path(const std::string &path);

} // namespace primesim
