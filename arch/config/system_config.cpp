#include "system_config.hpp"

#include <stdexcept>

#include "fileio.h"

namespace primesim {

ConfigSection SystemConfig::schema()
{
    ConfigSection root;
    root.add("system", &ps_system_param_table, &system);
    return root;
}

ConfigDocument load_system_config(const std::string &path, const std::vector<std::string> &overrides,
                                  SystemConfig &cfg)
{
    return load_and_bind(path, overrides, cfg.schema());
}

std::string write_resolved_config(const std::string &dir, const ConfigSection &schema,
                                  const ConfigDocument &doc, const std::vector<std::string> &overrides)
{
    std::string header = "Resolved config written by primesim " PRIMESIM_VERSION
                         ": every parameter with its value.\nFrom:";
    for (const auto &file : doc.files)
        header += " " + file;
    for (const auto &o : overrides)
        header += " -p " + o;
    const std::string text = emit_resolved_config(schema, header, doc.sources);
    ps_error err{};
    if (ps_make_dirs(dir.c_str(), &err) != PS_OK)
        throw std::runtime_error(err.message);
    const std::string path = dir + "/config.resolved.yaml";
    if (ps_write_file_atomic(path.c_str(), text.data(), text.size(), &err) != PS_OK)
        throw std::runtime_error(err.message);
    return path;
}

} // namespace primesim
