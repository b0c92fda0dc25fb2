// Chip-assembly parameters that belong to no single model: conversion
// ideality, early stop on/off, packet formats, where the I/O port sits.
#pragma once

#include <cstdint>

#include "common/params.h"

extern "C" {

typedef struct ps_chip_params {
    bool ideal_adc;           // columns pass unquantised (conversions still timed and counted)
    bool early_stop;          // end a sample when the early-stop rule fires
    int64_t psum_bits;        // bits of one partial sum or membrane value in a packet
    int64_t io_node;          // mesh node of the input streamer and early-stop controller
} ps_chip_params;

extern const ps_param_table ps_chip_param_table;
}
