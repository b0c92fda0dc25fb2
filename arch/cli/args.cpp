#include "args.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "common/memory.h"
#include "data_dir.hpp"

namespace primesim {

Args::Args(std::string command) : command_(std::move(command))
{
    option("help", 'h', "", "show this help and exit");
}

void Args::usage(std::string synopsis, std::string description)
{
    synopsis_ = std::move(synopsis);
    description_ = std::move(description);
}

void Args::option(const std::string &long_name, char short_name, const std::string &value_name,
                  const std::string &help)
{
    options_.push_back({long_name, short_name, value_name, help});
}

const Args::Option *Args::find_long(const std::string &name) const
{
    for (const auto &o : options_)
        if (o.long_name == name)
            return &o;
    return nullptr;
}

const Args::Option *Args::find_short(char c) const
{
    for (const auto &o : options_)
        if (c && o.short_name == c)
            return &o;
    return nullptr;
}

void Args::parse(int argc, char **argv)
{
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        std::string arg = argv[i];
        if (options_done || arg.size() < 2 || arg[0] != '-') {
            positional_.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        const Option *opt = nullptr;
        std::string inline_value;
        bool has_inline = false;
        if (arg.compare(0, 2, "--") == 0) {
            std::string name = arg.substr(2);
            auto eq = name.find('=');
            if (eq != std::string::npos) {
                inline_value = name.substr(eq + 1);
                has_inline = true;
                name.erase(eq);
            }
            opt = find_long(name);
            if (!opt)
                throw UsageError("unknown option '--" + name + "'");
        } else {
            opt = find_short(arg[1]);
            if (!opt)
                throw UsageError("unknown option '" + arg.substr(0, 2) + "'");
            if (arg.size() > 2) {
                inline_value = arg.substr(2);
                has_inline = true;
            }
        }
        if (opt->value_name.empty()) {
            if (has_inline)
                throw UsageError("option '--" + opt->long_name + "' takes no value");
            if (opt->long_name == "help")
                help_ = true;
            values_[opt->long_name].push_back("");
            continue;
        }
        if (!has_inline) {
            if (i + 1 >= argc)
                throw UsageError("option '--" + opt->long_name + "' needs a value (" +
                                 opt->value_name + ")");
            inline_value = argv[++i];
        }
        values_[opt->long_name].push_back(inline_value);
    }
    for (const auto &name : shipped_options_) {
        auto it = values_.find(name);
        if (it != values_.end())
            for (auto &v : it->second)
                v = shipped_path(v);
    }
    if (shipped_positionals_)
        for (auto &v : positional_)
            v = shipped_path(v);
}

void Args::shipped(std::vector<std::string> options, bool positionals)
{
    shipped_options_ = std::move(options);
    shipped_positionals_ = positionals;
}

bool Args::has(const std::string &long_name) const { return values_.count(long_name) != 0; }

std::string Args::value(const std::string &long_name, const std::string &fallback) const
{
    auto it = values_.find(long_name);
    return it == values_.end() ? fallback : it->second.back();
}

const std::vector<std::string> &Args::values(const std::string &long_name) const
{
    static const std::vector<std::string> none;
    auto it = values_.find(long_name);
    return it == values_.end() ? none : it->second;
}

long long Args::integer(const std::string &long_name, long long fallback, long long lo,
                        long long hi) const
{
    if (!has(long_name))
        return fallback;
    const std::string text = value(long_name);
    char *end = nullptr;
    errno = 0;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE)
        throw UsageError("--" + long_name + ": '" + text + "' is not an integer");
    if (v < lo || v > hi)
        throw UsageError("--" + long_name + ": " + text + " is outside [" + std::to_string(lo) +
                         ", " + std::to_string(hi) + "]");
    return v;
}

std::string Args::help_text() const
{
    std::string text = "usage: primesim " + command_ + " " + synopsis_ + "\n\n" + description_ + "\n";
    text += "\noptions:\n";
    for (const auto &o : options_) {
        std::string left = "  ";
        left += o.short_name ? std::string("-") + o.short_name + ", " : "    ";
        left += "--" + o.long_name;
        if (!o.value_name.empty())
            left += " " + o.value_name;
        if (left.size() < 28)
            left.resize(28, ' ');
        else
            left += "\n" + std::string(28, ' ');
        text += left + o.help + "\n";
    }
    if (!epilog_.empty())
        text += "\n" + epilog_ + (epilog_.back() == '\n' ? "" : "\n");
    return text;
}

void parse_shard(const std::string &value, long long &i, long long &n)
{
    if (std::sscanf(value.c_str(), "%lld/%lld", &i, &n) != 2 || n < 1 || i < 0 || i >= n)
        throw UsageError("--shard expects i/N with 0 <= i < N, got '" + value + "'");
}

} // namespace primesim

namespace primesim {

void max_memory_option(Args &args)
{
    args.option("max-memory", 0, "SIZE",
                "memory a run may use, e.g. 48G (default half of physical memory); a config or "
                "file needing more is refused up front with its estimate");
}

void apply_max_memory(const Args &args)
{
    if (!args.has("max-memory"))
        return;
    uint64_t bytes = 0;
    if (!ps_memory_parse_size(args.value("max-memory").c_str(), &bytes))
        throw UsageError("--max-memory expects a size such as 512M, 48G or 1.5T, got '" +
                         args.value("max-memory") + "'");
    ps_memory_set_limit_bytes(bytes);
}

} // namespace primesim
