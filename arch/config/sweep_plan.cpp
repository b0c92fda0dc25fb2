#include "sweep_plan.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "config.hpp"
#include "sweep.h"

namespace primesim {
namespace {

std::string at(const std::string &file, const YAML::Node &node)
{
    return file + ":" + std::to_string(node.Mark().line + 1) + ": ";
}

std::string number_text(double x)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.12g", x); // 0.1 * 3 prints 0.3, not 0.30000000000000004
    return buf;
}

double number(const std::string &file, const YAML::Node &node, const std::string &what)
{
    if (node && node.IsScalar()) {
        const std::string s = node.Scalar();
        char *end = nullptr;
        const double x = std::strtod(s.c_str(), &end);
        if (!s.empty() && *end == '\0' && std::isfinite(x))
            return x;
    }
    throw ConfigError(at(file, node) + what + ": expected a number");
}

// plan.txt (SweepPlan::text) keeps a setting per line and a point's values
// apart by tabs, so no value it holds may contain either.
std::string one_line(const std::string &file, const YAML::Node &node, const std::string &what)
{
    const std::string v = node.Scalar();
    if (v.find_first_of("\t\n") != std::string::npos)
        throw ConfigError(at(file, node) + what + ": expected a value on one line, without tabs");
    return v;
}

// A parameter path as -p takes it: two or more names of letters, digits and
// '_' joined by '.'.
void check_path(const std::string &file, const YAML::Node &key_node)
{
    const std::string key = key_node.Scalar();
    bool ok = key.find('.') != std::string::npos && key.front() != '.' && key.back() != '.' &&
              key.find("..") == std::string::npos;
    for (char c : key)
        ok = ok && (std::isalnum((unsigned char)c) || c == '_' || c == '.');
    if (!ok)
        throw ConfigError(at(file, key_node) + key +
                          ": expected a parameter path like adc.bits (see primesim params)");
}

// A grid holds at most a million points, and at most ten million values
// over all its keys (each a string in memory; ten million take about 1.5 GB).
constexpr size_t kMaxGridValues = 10000000;

// An axis key's values: a list of scalars, one scalar, or a range
// {from, to, step} / {from, to, count} (both ends included). values counts
// the grid's values so far.
std::vector<std::string> axis_values(const std::string &file, const std::string &key,
                                     const YAML::Node &v, size_t &values)
{
    std::vector<std::string> out;
    if (v.IsScalar()) {
        out.push_back(one_line(file, v, key));
    } else if (v.IsSequence()) {
        for (const auto &x : v) {
            if (!x.IsScalar())
                throw ConfigError(at(file, x) + key + ": values must be plain values, not " +
                                  (x.IsMap() ? "a mapping" : "a list"));
            out.push_back(one_line(file, x, key));
        }
    } else if (v.IsMap()) {
        for (const auto &kv : v) {
            const std::string k = kv.first.Scalar();
            if (k != "from" && k != "to" && k != "step" && k != "count")
                throw ConfigError(at(file, kv.first) + key + "." + k +
                                  ": unknown range key (from, to, step or count)");
        }
        if (!v["from"] || !v["to"] || (!v["step"] == !v["count"]))
            throw ConfigError(at(file, v) + key + ": a range needs from, to and one of step or count");
        const double from = number(file, v["from"], key + ".from");
        const double to = number(file, v["to"], key + ".to");
        long long n;
        double step;
        if (v["step"]) {
            step = number(file, v["step"], key + ".step");
            if (!(step > 0) || to < from)
                throw ConfigError(at(file, v["step"]) + key +
                                  ": step must be > 0 and to >= from");
            const double count = std::floor((to - from) / step + 1e-9) + 1; // inf: far too many
            if (!(count <= 1e6))
                throw ConfigError(at(file, v) + key + ": more than a million values");
            n = (long long)count;
        } else {
            const double c = number(file, v["count"], key + ".count");
            if (c < 1 || c != std::floor(c) || c > 1e6)
                throw ConfigError(at(file, v["count"]) + key + ".count: expected a whole number >= 1");
            n = (long long)c;
            step = n > 1 ? (to - from) / (double)(n - 1) : 0;
        }
        if (n > 1000000)
            throw ConfigError(at(file, v) + key + ": more than a million values");
        if (values + (size_t)n > kMaxGridValues)
            throw ConfigError(at(file, v) + key + ": the grid has more than ten million values");
        for (long long i = 0; i < n; i++)
            out.push_back(number_text(from + (double)i * step));
    } else {
        throw ConfigError(at(file, v) + key + ": expected values");
    }
    if (out.empty())
        throw ConfigError(at(file, v) + key + ": no values");
    values += out.size();
    return out;
}

struct Axis {
    std::vector<std::string> keys;
    std::vector<std::vector<std::string>> values; // per key, all of one length
};

// One grid axis: a mapping of one key, or of several zipped keys.
Axis read_axis(const std::string &file, const YAML::Node &m, size_t &values)
{
    Axis a;
    for (const auto &kv : m) {
        const std::string key = kv.first.Scalar();
        check_path(file, kv.first);
        a.keys.push_back(key);
        a.values.push_back(axis_values(file, key, kv.second, values));
        if (a.values.back().size() != a.values.front().size())
            throw ConfigError(at(file, kv.first) + key + ": " +
                              std::to_string(a.values.back().size()) +
                              " values, but the keys zipped with it (" + a.keys.front() +
                              ") have " + std::to_string(a.values.front().size()));
    }
    if (a.keys.empty())
        throw ConfigError(at(file, m) + "grid: an empty axis");
    return a;
}

std::string path_from(const std::filesystem::path &dir, const std::string &p)
{
    const std::filesystem::path q(p);
    return (q.is_absolute() ? q : (dir / q)).lexically_normal().string();
}

} // namespace

std::vector<std::string> SweepPlan::overrides(const SweepPoint &p) const
{
    std::vector<std::string> out = fixed;
    for (size_t k = 0; k < params.size(); k++)
        if (!p.values[k].empty())
            out.push_back(params[k] + "=" + p.values[k]);
    return out;
}

std::string SweepPlan::text() const
{
    char objectives[128];
    ps_sweep_objectives_text(pareto, objectives, sizeof objectives);
    std::string t = "# primesim sweep plan 1\nname: " + name + "\nsystem: " + system +
                    "\nworkload: " + workload + "\ndata: " + data +
                    "\nsamples: " + (samples < 0 ? std::string("all") : std::to_string(samples)) +
                    "\nthreshold: " + (threshold.empty() ? "(workload)" : threshold) +
                    "\nmodel: " + (golden ? "golden" : "chip") + "\npareto: " + objectives + "\n";
    for (const auto &f : fixed)
        t += "fixed: " + f + "\n";
    t += "params:";
    for (const auto &p : params)
        t += "\t" + p;
    t += "\n";
    for (const auto &p : points) { // the point's own settings; tabs: values may hold spaces
        t += p.id;
        for (size_t k = 0; k < params.size(); k++)
            if (!p.values[k].empty())
                t += "\t" + params[k] + "=" + p.values[k];
        t += "\n";
    }
    return t;
}

std::string sweep_plan_identity(const std::string &text)
{
    std::istringstream in(text);
    std::string line, out;
    while (std::getline(in, line))
        if (line.rfind("pareto: ", 0) != 0)
            out += line + "\n";
    return out;
}

SweepPlan parse_sweep_plan_text(const std::string &text, const std::string &path)
{
    SweepPlan plan;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    auto bad = [&](const std::string &why) {
        return ConfigError(path + ":" + std::to_string(n) + ": " + why);
    };
    auto split = [](const std::string &l) {
        std::vector<std::string> f;
        std::istringstream ss(l);
        std::string x;
        while (std::getline(ss, x, '\t'))
            f.push_back(x);
        return f;
    };
    std::map<std::string, size_t> column;
    while (std::getline(in, line)) {
        n++;
        if (n == 1) {
            if (line != "# primesim sweep plan 1")
                throw bad("not a primesim sweep plan");
            continue;
        }
        const size_t colon = line.find(": ");
        const std::string key = colon == std::string::npos ? "" : line.substr(0, colon);
        const std::string value = colon == std::string::npos ? "" : line.substr(colon + 2);
        if (key == "name") plan.name = value;
        else if (key == "system") plan.system = value;
        else if (key == "workload") plan.workload = value;
        else if (key == "data") plan.data = value;
        else if (key == "samples") plan.samples = value == "all" ? -1 : std::atoll(value.c_str());
        else if (key == "threshold") plan.threshold = value == "(workload)" ? "" : value;
        else if (key == "model") plan.golden = value == "golden";
        else if (key == "fixed") plan.fixed.push_back(value);
        else if (key == "pareto") {
            std::istringstream ss(value);
            std::string o;
            while (std::getline(ss, o, ',')) {
                o.erase(0, o.find_first_not_of(' '));
                const unsigned bit = ps_sweep_objective_of(o.c_str());
                if (!bit)
                    throw bad("unknown Pareto objective '" + o + "'");
                plan.pareto |= bit;
            }
        } else if (line.rfind("params:", 0) == 0) {
            std::vector<std::string> f = split(line);
            plan.params.assign(f.begin() + 1, f.end());
            for (size_t k = 0; k < plan.params.size(); k++)
                column[plan.params[k]] = k;
        } else if (!line.empty() && line[0] == 'p') {
            std::vector<std::string> f = split(line);
            SweepPoint p;
            p.id = f[0];
            p.values.assign(plan.params.size(), "");
            for (size_t k = 1; k < f.size(); k++) {
                const size_t eq = f[k].find('=');
                auto it = column.find(f[k].substr(0, eq));
                if (eq == std::string::npos || it == column.end())
                    throw bad("point " + p.id + ": '" + f[k] + "' is not a swept path=value");
                p.values[it->second] = f[k].substr(eq + 1);
            }
            plan.points.push_back(std::move(p));
        } else {
            throw bad("unexpected line '" + line + "'");
        }
    }
    if (plan.points.empty())
        throw ConfigError(path + ": no points");
    return plan;
}

SweepPlan load_sweep_plan(const std::string &file)
{
    const YAML::Node root = read_yaml_file(file);
    const std::filesystem::path dir = std::filesystem::path(file).parent_path();
    for (const auto &kv : root) {
        const std::string k = kv.first.Scalar();
        if (k != "sweep" && k != "grid" && k != "points")
            throw ConfigError(at(file, kv.first) + k + ": unknown key (sweep, grid or points)");
    }
    SweepPlan plan;
    const YAML::Node s = root["sweep"];
    if (!s || !s.IsMap())
        throw ConfigError(file + ": sweep: missing (a mapping with system, workload, data)");
    for (const auto &kv : s) {
        const std::string k = kv.first.Scalar();
        static const std::set<std::string> known = {"name",      "system", "workload",
                                                    "data",      "samples", "threshold",
                                                    "golden",    "params", "pareto"};
        if (!known.count(k))
            throw ConfigError(at(file, kv.first) + "sweep." + k +
                              ": unknown key (name, system, workload, data, samples, threshold, "
                              "golden, params, pareto)");
        if (k != "params" && k != "pareto" && !kv.second.IsScalar())
            throw ConfigError(at(file, kv.second) + "sweep." + k + ": expected a value");
    }
    for (const char *k : {"system", "workload", "data"})
        if (!s[k])
            throw ConfigError(at(file, s) + "sweep." + k + ": missing");
    for (const auto &kv : s)
        if (kv.second.IsScalar())
            one_line(file, kv.second, "sweep." + kv.first.Scalar());
    plan.name = s["name"] ? s["name"].Scalar()
                          : std::filesystem::path(file).stem().string();
    plan.system = path_from(dir, s["system"].Scalar());
    plan.workload = path_from(dir, s["workload"].Scalar());
    plan.data = path_from(dir, s["data"].Scalar());
    if (s["samples"]) {
        const double n = number(file, s["samples"], "sweep.samples");
        if (n < 1 || n != std::floor(n) || n > 0x1p40) // the bound `primesim sim --samples` has
            throw ConfigError(at(file, s["samples"]) +
                              "sweep.samples: expected a whole number from 1 to 2^40");
        plan.samples = (long long)n;
    }
    if (s["threshold"]) {
        const double t = number(file, s["threshold"], "sweep.threshold");
        if (t < 0 || t > 1)
            throw ConfigError(at(file, s["threshold"]) + "sweep.threshold: expected a number in [0, 1]");
        plan.threshold = s["threshold"].Scalar();
    }
    if (s["golden"]) {
        const std::string g = s["golden"].Scalar();
        if (g != "true" && g != "false")
            throw ConfigError(at(file, s["golden"]) + "sweep.golden: expected true or false");
        plan.golden = g == "true";
    }
    plan.pareto = PS_SWEEP_DEFAULT_OBJECTIVES;
    if (const YAML::Node p = s["pareto"]) {
        if (!p.IsSequence() || p.size() == 0)
            throw ConfigError(at(file, p) + "sweep.pareto: expected a list of objectives");
        plan.pareto = 0;
        for (const auto &o : p) {
            const unsigned bit = o.IsScalar() ? ps_sweep_objective_of(o.Scalar().c_str()) : 0;
            if (!bit)
                throw ConfigError(at(file, o) + "sweep.pareto: unknown objective (energy, latency, "
                                  "accuracy, adcs, arrays, tiles)");
            plan.pareto |= bit;
        }
    }
    if (const YAML::Node p = s["params"]) {
        if (!p.IsMap())
            throw ConfigError(at(file, p) + "sweep.params: expected a mapping of path: value");
        for (const auto &kv : p) {
            if (!kv.second.IsScalar())
                throw ConfigError(at(file, kv.second) + "sweep.params." + kv.first.Scalar() +
                                  ": expected a value");
            check_path(file, kv.first);
            plan.fixed.push_back(kv.first.Scalar() + "=" +
                                 one_line(file, kv.second, "sweep.params." + kv.first.Scalar()));
        }
    }

    // Columns: keys in order of first appearance.
    std::map<std::string, size_t> column;
    auto col = [&](const std::string &key) {
        auto it = column.find(key);
        if (it != column.end())
            return it->second;
        column[key] = plan.params.size();
        plan.params.push_back(key);
        return plan.params.size() - 1;
    };
    std::vector<std::vector<std::pair<size_t, std::string>>> settings; // per point
    if (const YAML::Node g = root["grid"]) {
        std::vector<Axis> axes;
        size_t values = 0;
        if (g.IsMap()) { // every key its own axis
            for (const auto &kv : g) {
                YAML::Node one(YAML::NodeType::Map);
                one[kv.first] = kv.second;
                Axis a = read_axis(file, one, values);
                axes.push_back(a);
            }
        } else if (g.IsSequence()) {
            for (const auto &m : g) {
                if (!m.IsMap())
                    throw ConfigError(at(file, m) + "grid: each axis is a mapping path: values");
                axes.push_back(read_axis(file, m, values));
            }
        } else {
            throw ConfigError(at(file, g) + "grid: expected a list of axes or a mapping");
        }
        std::set<std::string> seen;
        for (const auto &a : axes)
            for (const auto &k : a.keys) {
                if (!seen.insert(k).second)
                    throw ConfigError(at(file, g) + "grid: " + k + " appears on two axes");
                col(k);
            }
        // Cartesian product, the first axis varying slowest.
        size_t total = 1;
        for (const auto &a : axes) {
            total *= a.values[0].size();
            if (total > 1000000)
                throw ConfigError(at(file, g) + "grid: more than a million points");
        }
        if (total * seen.size() > kMaxGridValues) // one setting per key and point
            throw ConfigError(at(file, g) + "grid: more than ten million settings (points x keys)");
        for (size_t i = 0; i < total; i++) {
            std::vector<std::pair<size_t, std::string>> set;
            size_t rest = i;
            std::vector<size_t> idx(axes.size());
            for (size_t a = axes.size(); a-- > 0;) {
                idx[a] = rest % axes[a].values[0].size();
                rest /= axes[a].values[0].size();
            }
            for (size_t a = 0; a < axes.size(); a++)
                for (size_t k = 0; k < axes[a].keys.size(); k++)
                    set.emplace_back(column[axes[a].keys[k]], axes[a].values[k][idx[a]]);
            settings.push_back(set);
        }
    }
    if (const YAML::Node pts = root["points"]) {
        if (!pts.IsSequence())
            throw ConfigError(at(file, pts) + "points: expected a list of mappings path: value");
        for (const auto &m : pts) {
            if (!m.IsMap())
                throw ConfigError(at(file, m) + "points: each point is a mapping path: value");
            std::vector<std::pair<size_t, std::string>> set;
            for (const auto &kv : m) {
                const std::string key = kv.first.Scalar();
                check_path(file, kv.first);
                if (!kv.second.IsScalar())
                    throw ConfigError(at(file, kv.second) + key + ": expected one value");
                set.emplace_back(col(key), one_line(file, kv.second, key));
            }
            settings.push_back(set);
        }
    }
    if (settings.empty())
        throw ConfigError(file + ": no points: give a grid or a list of points");

    const size_t width = std::max<size_t>(3, std::to_string(settings.size() - 1).size());
    std::map<std::vector<std::string>, std::string> ids;
    for (size_t i = 0; i < settings.size(); i++) {
        SweepPoint p;
        char id[32];
        std::snprintf(id, sizeof id, "p%0*zu", (int)width, i);
        p.id = id;
        p.values.assign(plan.params.size(), "");
        for (const auto &[c, v] : settings[i])
            p.values[c] = v;
        auto [it, fresh] = ids.emplace(p.values, p.id);
        if (!fresh)
            throw ConfigError(file + ": points " + it->second + " and " + p.id +
                              " set the same values");
        plan.points.push_back(std::move(p));
    }
    return plan;
}

} // namespace primesim
