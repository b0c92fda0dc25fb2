// OUT/hardware.json: the silicon a run's mapping uses (the area proxy of
// sweeps, compared exactly by check). One writer and one reader, so the
// layout lives in one place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chip/chip.hpp"

namespace primesim {

struct HardwareField {
    const char *name;
    int64_t chip::ChipHardware::*member;
};
// In file order.
extern const std::vector<HardwareField> kHardwareFields;

// Writes dir/hardware.json atomically.
void write_hardware_json(const chip::ChipHardware &h, const std::string &dir);

// Reads path into out. False when the file does not exist (golden runs
// write none); ConfigError naming the file and key when it is malformed.
bool read_hardware_json(const std::string &path, chip::ChipHardware &out);

} // namespace primesim
