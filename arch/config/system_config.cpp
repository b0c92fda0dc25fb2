#include "system_config.hpp"

#include <stdexcept>

#include "fileio.h"

namespace primesim {

ConfigSection SystemConfig::schema()
{
    ConfigSection root;
    root.add("system", &ps_system_param_table, &system);
    root.add("device", &ps_device_param_table, &device);
    root.add("crossbar", &ps_crossbar_param_table, &crossbar);
    root.add("dac", &ps_dac_param_table, &dac);
    root.add("adc", &ps_adc_param_table, &adc);
    root.add("lif", &ps_lif_param_table, &lif);
    root.add("early_stop", &ps_early_stop_param_table, &early_stop);
    root.add("noc", &ps_noc_param_table, &noc);
    root.add("mapper", &ps_mapper_param_table, &mapper);
    root.add("chip", &ps_chip_param_table, &chip);
    root.add("energy_hybrid", &ps_energy_hybrid_param_table, &energy_hybrid);
    root.add("energy_digital", &ps_energy_digital_param_table, &energy_digital);
    root.add("baseline", &ps_baseline_param_table, &baseline);
    return root;
}

ConfigDocument load_system_config(const std::string &path, const std::vector<std::string> &overrides,
                                  SystemConfig &cfg)
{
    ConfigDocument doc = load_and_bind(path, overrides, cfg.schema());
    finish_system_config(doc, cfg);
    return doc;
}

void finish_system_config(const ConfigDocument &doc, SystemConfig &cfg)
{
    if (!doc.origin.count("baseline.clock_mhz")) // the hybrid chip's digital clock
        cfg.baseline.clock_mhz = cfg.system.clock_mhz;
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
