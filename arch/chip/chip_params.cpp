#include "chip_params.hpp"

#include <cstddef>

static const ps_param_desc chip_params[] = {
    PS_PARAM_BOOL(ps_chip_params, ideal_adc, false,
                  "columns pass unquantised; conversions are still timed and counted", NULL),
    PS_PARAM_BOOL(ps_chip_params, early_stop, true,
                  "end a sample when the early-stop rule fires (else run all T steps)", NULL),
    PS_PARAM_INT(ps_chip_params, psum_bits, 24, 1, 64, "bits",
                 "one partial sum or output membrane value in a packet", NULL),
    PS_PARAM_INT(ps_chip_params, io_node, 0, 0, 1 << 20, "",
                 "mesh node of the input streamer and the early-stop controller", NULL),
};

extern "C" const ps_param_table ps_chip_param_table = PS_PARAM_TABLE(
    "chip", "chip assembly: conversion ideality, early stop, packet formats, I/O node",
    ps_chip_params, chip_params);
