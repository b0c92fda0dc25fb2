#include "check_golden.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "config/config.hpp"
#include "hardware_json.hpp"

namespace primesim {
namespace check {

namespace {

const char *kMagic = "# primesim check golden 1";

// The compared columns: every column of samples.csv, and of timesteps.csv
// the decisions, the hybrid chip's timing, energy and load, and the digital
// baselines' totals (their components follow from the same counters).
const std::vector<std::string> kSampleColumns = {
    "index", "label", "prediction", "timesteps", "cycles", "latency_ns", "energy_pj",
    "crossbar_pj", "dac_pj", "adc_pj", "accumulate_pj", "lif_pj", "early_stop_pj", "noc_pj",
    "buffer_pj", "spikes", "synaptic_ops", "noc_flits"};
const std::vector<std::string> kTimestepColumns = {
    "sample", "t", "prediction", "stop", "confidence", "cycles", "latency_ns", "hy_crossbar_pj",
    "hy_dac_pj", "hy_adc_pj", "hy_accumulate_pj", "hy_lif_pj", "hy_buffer_pj", "hy_noc_pj",
    "hy_early_stop_pj", "hy_leakage_pj", "hy_total_pj", "synaptic_ops", "crossbar_reads",
    "analogue_cycles", "active_rows", "adc_conversions", "accumulates", "neuron_updates",
    "noc_flits", "spikes", "ev_total_pj", "ev_cycles", "dn_total_pj", "dn_cycles"};

struct SectionDef {
    const char *name;
    size_t n_keys;
};
const SectionDef kSections[] = {{"hardware", 0}, {"samples", 1}, {"timesteps", 2}};

bool ends_with(const std::string &s, const std::string &tail)
{
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool within_tolerance(const std::string &stat)
{
    return ends_with(stat, "_pj") || ends_with(stat, "_ns") || stat == "confidence";
}

std::vector<std::string> split(const std::string &line, char sep = ',')
{
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string item;
    while (std::getline(ss, item, sep))
        out.push_back(item);
    if (!line.empty() && line.back() == sep)
        out.emplace_back();
    return out;
}

bool parse_number(const std::string &s, double &x)
{
    char *end = nullptr;
    x = std::strtod(s.c_str(), &end);
    return !s.empty() && *end == '\0';
}

std::vector<std::string> read_lines(const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error(path + ": cannot read (did the sim write it?)");
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line))
        lines.push_back(line);
    return lines;
}

// The wanted columns of a CSV the sim wrote ('#' lines are its meta).
Section read_csv(const std::string &path, const SectionDef &def,
                 const std::vector<std::string> &wanted)
{
    const std::vector<std::string> lines = read_lines(path);
    size_t i = 0;
    while (i < lines.size() && (lines[i].empty() || lines[i][0] == '#'))
        i++;
    if (i == lines.size())
        throw std::runtime_error(path + ": no header line");
    const std::vector<std::string> header = split(lines[i]);
    std::vector<size_t> pick;
    for (const auto &w : wanted) {
        auto it = std::find(header.begin(), header.end(), w);
        if (it == header.end())
            throw std::runtime_error(path + ": no column '" + w + "' (primesim check compares it)");
        pick.push_back((size_t)(it - header.begin()));
    }
    Section s{def.name, def.n_keys, wanted, {}};
    for (i++; i < lines.size(); i++) {
        if (lines[i].empty())
            continue;
        const std::vector<std::string> f = split(lines[i]);
        if (f.size() != header.size())
            throw std::runtime_error(path + ":" + std::to_string(i + 1) + ": " +
                                     std::to_string(f.size()) + " fields, the header has " +
                                     std::to_string(header.size()));
        std::vector<std::string> row;
        for (size_t p : pick)
            row.push_back(f[p]);
        s.rows.push_back(std::move(row));
    }
    return s;
}

// The numbers of hardware.json.
Section read_hardware(const std::string &path)
{
    Section s{"hardware", 0, {}, {{}}};
    chip::ChipHardware h;
    if (!read_hardware_json(path, h))
        throw std::runtime_error(path + ": missing");
    for (const auto &f : kHardwareFields) {
        s.columns.push_back(f.name);
        s.rows[0].push_back(std::to_string(h.*f.member));
    }
    return s;
}

std::string join(const std::vector<std::string> &v)
{
    std::string out;
    for (size_t i = 0; i < v.size(); i++)
        out += (i ? "," : "") + v[i];
    return out;
}

std::string describe(const RunSettings &s)
{
    std::string out = "--workload " + s.workload + " --data " + s.data + " --samples " +
                      std::to_string(s.samples);
    for (const auto &p : s.params)
        out += " -p " + p;
    return out;
}

std::string row_key(const Section &s, const std::vector<std::string> &row)
{
    std::string k;
    for (size_t i = 0; i < s.n_keys; i++)
        k += row[i] + "/";
    return k;
}

// "sample 3 (total)", "sample 3, t 2", "hardware".
std::string row_name(const Section &s, const std::vector<std::string> &row)
{
    if (s.n_keys == 0)
        return "hardware";
    if (s.n_keys == 1)
        return "sample " + row[0] + " (total)";
    return "sample " + row[0] + ", t " + row[1];
}

std::string where(const Section &s, const std::vector<std::string> &row, const std::string &stat)
{
    if (s.n_keys == 0)
        return "hardware " + stat;
    if (s.n_keys == 1)
        return stat + " of sample " + row[0] + " (total)";
    return stat + " at sample " + row[0] + ", t " + row[1];
}

// "(diff +16, relative +2.35e-04)"
std::string delta(double golden, double now)
{
    char buf[128];
    const double d = now - golden;
    char abs_text[48], rel_text[48];
    if (d == std::floor(d) && std::fabs(d) < 1e15)
        std::snprintf(abs_text, sizeof abs_text, "%+.0f", d);
    else
        std::snprintf(abs_text, sizeof abs_text, "%+.3g", d);
    if (golden != 0)
        std::snprintf(rel_text, sizeof rel_text, "%+.3g", d / std::fabs(golden));
    else
        std::snprintf(rel_text, sizeof rel_text, "n/a");
    std::snprintf(buf, sizeof buf, "(diff %s, relative %s)", abs_text, rel_text);
    return buf;
}

bool same(const std::string &stat, double golden, double now)
{
    if (std::isnan(golden) || std::isnan(now))
        return std::isnan(golden) && std::isnan(now);
    if (!within_tolerance(stat))
        return golden == now;
    const double d = std::fabs(now - golden);
    return d <= kAbsTolerance || d <= kRelTolerance * std::max(std::fabs(golden), std::fabs(now));
}

void compare_section(const Section &g, const Section &n, const std::string &name,
                     std::vector<std::string> &out)
{
    std::vector<std::pair<size_t, size_t>> cols; // golden index, new index
    for (size_t c = g.n_keys; c < g.columns.size(); c++) {
        auto it = std::find(n.columns.begin(), n.columns.end(), g.columns[c]);
        if (it == n.columns.end())
            out.push_back(name + ": " + g.name + " stat " + g.columns[c] +
                          " only in the golden file");
        else
            cols.emplace_back(c, (size_t)(it - n.columns.begin()));
    }
    for (size_t c = n.n_keys; c < n.columns.size(); c++)
        if (std::find(g.columns.begin(), g.columns.end(), n.columns[c]) == g.columns.end())
            out.push_back(name + ": " + n.name + " stat " + n.columns[c] + " only in the new run");
    std::map<std::string, size_t> now_rows;
    for (size_t r = 0; r < n.rows.size(); r++)
        now_rows.emplace(row_key(n, n.rows[r]), r);
    std::map<std::string, bool> seen;
    for (const auto &grow : g.rows) {
        const std::string key = row_key(g, grow);
        seen[key] = true;
        auto it = now_rows.find(key);
        if (it == now_rows.end()) {
            out.push_back(name + ": " + row_name(g, grow) + ": only in the golden file");
            continue;
        }
        const auto &nrow = n.rows[it->second];
        for (const auto &[gc, nc] : cols) {
            double gv = 0, nv = 0;
            parse_number(grow[gc], gv);
            if (!parse_number(nrow[nc], nv) || !same(g.columns[gc], gv, nv))
                out.push_back(name + ": " + where(g, grow, g.columns[gc]) + ": golden " + grow[gc] +
                              ", new " + nrow[nc] + " " + delta(gv, nv));
        }
    }
    for (const auto &nrow : n.rows)
        if (!seen.count(row_key(n, nrow)))
            out.push_back(name + ": " + row_name(n, nrow) + ": only in the new run");
}

} // namespace

Golden read_sim_output(const std::string &dir, const RunSettings &settings)
{
    Golden g;
    g.settings = settings;
    g.sections.push_back(read_hardware(dir + "/hardware.json"));
    g.sections.push_back(read_csv(dir + "/samples.csv", kSections[1], kSampleColumns));
    g.sections.push_back(read_csv(dir + "/timesteps.csv", kSections[2], kTimestepColumns));
    return g;
}

std::string format_golden(const Golden &g)
{
    std::string out = std::string(kMagic) + "\n";
    out += "# config: " + g.settings.config + "\n";
    out += "# workload: " + g.settings.workload + "\n";
    out += "# data: " + g.settings.data + "\n";
    out += "# samples: " + std::to_string(g.settings.samples) + "\n";
    for (const auto &p : g.settings.params)
        out += "# param: " + p + "\n";
    char tol[256];
    std::snprintf(tol, sizeof tol,
                  "# Integer stats must match exactly; columns ending in _pj or _ns and confidence "
                  "within a relative %g.\n",
                  kRelTolerance);
    out += tol;
    out += "# Written by primesim check --update; see README.md beside this file.\n";
    for (const auto &s : g.sections) {
        out += "\n[" + s.name + "]\n" + join(s.columns) + "\n";
        for (const auto &r : s.rows)
            out += join(r) + "\n";
    }
    return out;
}

Golden parse_golden(const std::string &text, const std::string &path)
{
    Golden g;
    std::stringstream in(text);
    std::string line;
    size_t lineno = 0;
    bool samples_given = false;
    Section *cur = nullptr;
    auto fail = [&](const std::string &what) {
        throw ConfigError(path + ":" + std::to_string(lineno) + ": " + what);
    };
    while (std::getline(in, line)) {
        lineno++;
        if (lineno == 1) {
            if (line != kMagic)
                fail("not a primesim check golden file (expected '" + std::string(kMagic) + "')");
            continue;
        }
        if (line.empty())
            continue;
        if (line[0] == '#') {
            const size_t colon = line.find(": ");
            const std::string key = colon == std::string::npos ? "" : line.substr(2, colon - 2);
            const std::string value = colon == std::string::npos ? "" : line.substr(colon + 2);
            if (key == "config")
                g.settings.config = value;
            else if (key == "workload")
                g.settings.workload = value;
            else if (key == "data")
                g.settings.data = value;
            else if (key == "param")
                g.settings.params.push_back(value);
            else if (key == "samples") {
                char *end = nullptr;
                g.settings.samples = std::strtoll(value.c_str(), &end, 10);
                if (value.empty() || *end || g.settings.samples < 1)
                    fail("samples: '" + value + "' is not a positive integer");
                samples_given = true;
            }
            continue;
        }
        if (line.front() == '[' && line.back() == ']') {
            const std::string name = line.substr(1, line.size() - 2);
            const SectionDef *def = nullptr;
            for (const auto &d : kSections)
                if (name == d.name)
                    def = &d;
            if (!def)
                fail("unknown section [" + name + "] (expected hardware, samples, timesteps)");
            for (const auto &s : g.sections)
                if (s.name == name)
                    fail("section [" + name + "] given twice");
            g.sections.push_back(Section{def->name, def->n_keys, {}, {}});
            cur = &g.sections.back();
            continue;
        }
        if (!cur)
            fail("a line before the first [section]");
        std::vector<std::string> f = split(line);
        if (cur->columns.empty()) {
            if (f.size() < cur->n_keys)
                fail("[" + cur->name + "] header: fewer than " + std::to_string(cur->n_keys) +
                     " key columns");
            cur->columns = std::move(f);
            continue;
        }
        if (f.size() != cur->columns.size())
            fail(std::to_string(f.size()) + " fields, the [" + cur->name + "] header has " +
                 std::to_string(cur->columns.size()));
        for (size_t i = 0; i < f.size(); i++) {
            double x;
            if (!parse_number(f[i], x))
                fail(cur->columns[i] + ": '" + f[i] + "' is not a number");
        }
        cur->rows.push_back(std::move(f));
    }
    if (lineno == 0)
        fail("empty file");
    if (!samples_given)
        fail("no '# samples: N' line");
    for (const auto &d : kSections)
        if (std::none_of(g.sections.begin(), g.sections.end(),
                         [&](const Section &s) { return s.name == d.name; }))
            fail("no [" + std::string(d.name) + "] section");
    return g;
}

std::string settings_mismatch(const RunSettings &golden, const RunSettings &now)
{
    if (golden.workload == now.workload && golden.data == now.data &&
        golden.samples == now.samples && golden.params == now.params)
        return "";
    return "the golden file was made with " + describe(golden) + ", this run uses " +
           describe(now) + ": check with the golden's settings, or regenerate it with --update";
}

std::vector<std::string> compare(const Golden &golden, const Golden &now, const std::string &name)
{
    const std::string mismatch = settings_mismatch(golden.settings, now.settings);
    if (!mismatch.empty())
        return {name + ": " + mismatch};
    std::vector<std::string> out;
    for (const auto &gs : golden.sections)
        for (const auto &ns : now.sections)
            if (gs.name == ns.name)
                compare_section(gs, ns, name, out);
    return out;
}

size_t count_rows(const Golden &g, const std::string &section)
{
    for (const auto &s : g.sections)
        if (s.name == section)
            return s.rows.size();
    return 0;
}

} // namespace check
} // namespace primesim
