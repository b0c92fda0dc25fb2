#include "data_dir.hpp"

#include <filesystem>
#include <system_error>

#include "subprocess.hpp"

namespace primesim {

namespace fs = std::filesystem;

std::string installed_data_dir()
{
    std::error_code ec;
    // PRIMESIM_DATADIR_REL: the data directory relative to the install's
    // bin directory ("../share/primesim"), set by arch/CMakeLists.txt.
    const fs::path dir = fs::path(self_exe()).parent_path() / PRIMESIM_DATADIR_REL;
    if (!fs::is_directory(dir / "configs", ec))
        return "";
    return fs::weakly_canonical(dir, ec).string();
}

std::string shipped_path(const std::string &path)
{
    std::error_code ec;
    if (path.empty() || fs::path(path).is_absolute() || fs::exists(path, ec))
        return path;
    const std::string dir = installed_data_dir();
    if (dir.empty())
        return path;
    const fs::path there = fs::path(dir) / path;
    return fs::exists(there, ec) ? there.string() : path;
}

} // namespace primesim
