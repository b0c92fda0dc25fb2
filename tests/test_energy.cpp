// Energy/timing tables: every constant of configs/energy/*.yaml is given in
// the file (or its base) with a source, and the helpers combine constants
// as documented.
#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"
#include "energy.h"

namespace {

const std::string kDir = std::string(PRIMESIM_SOURCE_DIR) + "/configs/energy/";

// Every parameter of table under section key has a non-empty source.
void expect_all_sourced(const primesim::ConfigDocument &doc, const std::string &key,
                        const ps_param_table *table, const std::string &file)
{
    for (size_t i = 0; i < table->count; i++) {
        const std::string path = key + "." + table->params[i].name;
        auto it = doc.sources.find(path);
        ASSERT_NE(it, doc.sources.end()) << file << ": " << path << " has no source";
        EXPECT_FALSE(it->second.empty()) << file << ": " << path << " has an empty source";
    }
}

// Values in the file equal the table defaults (which cite the same sources).
void expect_defaults(const ps_param_table *table, const void *obj)
{
    for (size_t i = 0; i < table->count; i++) {
        const ps_param_desc &d = table->params[i];
        char got[64], def[64];
        ps_param_format(&d, obj, got, sizeof got);
        ps_param_format_default(&d, def, sizeof def);
        EXPECT_STREQ(got, def) << table->name << "." << d.name;
    }
}

} // namespace

TEST(Energy, ParamTablesAreWellFormed)
{
    ps_error err{};
    EXPECT_EQ(ps_param_table_check(&ps_energy_hybrid_param_table, &err), PS_OK) << err.message;
    EXPECT_EQ(ps_param_table_check(&ps_energy_digital_param_table, &err), PS_OK) << err.message;
}

TEST(Energy, DigitalYamlEveryConstantSourced)
{
    ps_energy_digital_params dig;
    primesim::ConfigSection schema;
    schema.add("energy_digital", &ps_energy_digital_param_table, &dig);
    const std::string file = kDir + "digital_45nm.yaml";
    const auto doc = primesim::load_and_bind(file, {}, schema);
    expect_all_sourced(doc, "energy_digital", &ps_energy_digital_param_table, file);
    expect_defaults(&ps_energy_digital_param_table, &dig);
}

TEST(Energy, Prime40nmYamlEveryConstantSourced)
{
    ps_energy_hybrid_params hyb;
    ps_energy_digital_params dig;
    primesim::ConfigSection schema;
    schema.add("energy_hybrid", &ps_energy_hybrid_param_table, &hyb);
    schema.add("energy_digital", &ps_energy_digital_param_table, &dig);
    const std::string file = kDir + "prime_40nm.yaml";
    const auto doc = primesim::load_and_bind(file, {}, schema);
    expect_all_sourced(doc, "energy_hybrid", &ps_energy_hybrid_param_table, file);
    expect_all_sourced(doc, "energy_digital", &ps_energy_digital_param_table, file);
    expect_defaults(&ps_energy_hybrid_param_table, &hyb);
    expect_defaults(&ps_energy_digital_param_table, &dig);
}

TEST(Energy, HorowitzDefaults)
{
    ps_energy_digital_params p;
    ps_params_set_defaults(&ps_energy_digital_param_table, &p);
    double e = 0;
    // fp32 MAC = 3.7 pJ multiply + 0.9 pJ add = 4.6 pJ (the SNN literature's E_MAC).
    ASSERT_EQ(ps_energy_mac_pj(&p, PS_DTYPE_FP32, &e), PS_OK);
    EXPECT_DOUBLE_EQ(e, 4.6);
    ASSERT_EQ(ps_energy_add_pj(&p, PS_DTYPE_FP32, &e), PS_OK);
    EXPECT_DOUBLE_EQ(e, 0.9);
    ASSERT_EQ(ps_energy_mac_pj(&p, PS_DTYPE_INT8, &e), PS_OK);
    EXPECT_DOUBLE_EQ(e, 0.2 + 0.03);
    EXPECT_EQ(ps_energy_add_pj(&p, static_cast<ps_energy_dtype>(9), &e), PS_ERR_INVALID_ARG);
}

TEST(Energy, SramWeightRead)
{
    ps_energy_digital_params p;
    ps_params_set_defaults(&ps_energy_digital_param_table, &p);
    double e = 0;
    // 8-bit weight from a 32 KB SRAM: 20 pJ per 64 bits * 8 / 64 = 2.5 pJ.
    ASSERT_EQ(ps_energy_sram_weight_read_pj(&p, 32 * 1024, 8, &e), PS_OK);
    EXPECT_DOUBLE_EQ(e, 2.5);
    // 4 KB rounds up to the 8 KB figure: 10 * 8 / 64 = 1.25 pJ.
    ASSERT_EQ(ps_energy_sram_weight_read_pj(&p, 4 * 1024, 8, &e), PS_OK);
    EXPECT_DOUBLE_EQ(e, 1.25);
    // 42,840 8-bit weights (PRIME's N-MNIST net) = 42 KB -> 1 MB figure: 100 * 8 / 64.
    ASSERT_EQ(ps_energy_sram_weight_read_pj(&p, 42840, 8, &e), PS_OK);
    EXPECT_DOUBLE_EQ(e, 12.5);
    EXPECT_EQ(ps_energy_sram_weight_read_pj(&p, 2u << 20, 8, &e), PS_ERR_RANGE);
    EXPECT_EQ(ps_energy_sram_weight_read_pj(&p, 1024, 0, &e), PS_ERR_INVALID_ARG);
}

TEST(Energy, NocFlitHop)
{
    // Noxim 32-bit flit: buffer 0.76 + crossbar 0.22 + 32 bits * 1 mm * 0.049 = 2.548 pJ.
    EXPECT_NEAR(ps_energy_noc_flit_hop_pj(0.76, 0.22, 0.049, 32, 1.0), 2.548, 1e-12);
}
