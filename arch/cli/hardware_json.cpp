#include "hardware_json.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config.hpp"
#include "fileio.h"

namespace primesim {

using chip::ChipHardware;

const std::vector<HardwareField> kHardwareFields = {
    {"tiles", &ChipHardware::tiles},
    {"mesh_nodes", &ChipHardware::mesh_nodes},
    {"arrays", &ChipHardware::arrays},
    {"array_rows", &ChipHardware::array_rows},
    {"array_cols", &ChipHardware::array_cols},
    {"adcs", &ChipHardware::adcs},
    {"adc_bits", &ChipHardware::adc_bits},
    {"cols_per_adc", &ChipHardware::cols_per_adc},
    {"used_pairs", &ChipHardware::used_pairs},
    {"provisioned_pairs", &ChipHardware::provisioned_pairs},
};

void write_hardware_json(const ChipHardware &h, const std::string &dir)
{
    std::string text = "{\n  \"format\": \"primesim hardware 1\"";
    for (const auto &f : kHardwareFields)
        text += ",\n  \"" + std::string(f.name) + "\": " + std::to_string(h.*f.member);
    text += "\n}\n";
    ps_error err{};
    if (ps_write_file_atomic((dir + "/hardware.json").c_str(), text.data(), text.size(), &err) !=
        PS_OK)
        throw std::runtime_error(err.message);
}

bool read_hardware_json(const std::string &path, ChipHardware &out)
{
    if (!std::filesystem::exists(path))
        return false;
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    if (text.find("\"format\": \"primesim hardware 1\"") == std::string::npos)
        throw ConfigError(path + ": not a primesim hardware.json (format 1)");
    for (const auto &f : kHardwareFields) {
        const std::string key = "\"" + std::string(f.name) + "\": ";
        const size_t at = text.find(key);
        char *end = nullptr;
        const long long v = at == std::string::npos
                                ? 0
                                : std::strtoll(text.c_str() + at + key.size(), &end, 10);
        if (at == std::string::npos || end == text.c_str() + at + key.size())
            throw ConfigError(path + ": " + f.name + ": missing or not a whole number");
        out.*f.member = v;
    }
    return true;
}

} // namespace primesim
