// primesim params: the registered parameter tables as text, Markdown or YAML.
#include <cstdio>
#include <string>

#include "commands.hpp"
#include "config/registry.hpp"

namespace primesim {
namespace {

struct Row {
    std::string name, type, def, unit, range, doc, cite;
};

Row row_of(const ps_param_desc &d)
{
    char def[256], range[256];
    ps_param_format_default(&d, def, sizeof def);
    ps_param_format_range(&d, range, sizeof range);
    return {d.name, ps_param_type_name(d.type), def, d.unit, range, d.doc, d.cite ? d.cite : ""};
}

void print_text(const ps_param_table &t)
{
    std::printf("%s: %s\n", t.name, t.doc);
    for (size_t i = 0; i < t.count; i++) {
        Row r = row_of(t.params[i]);
        std::printf("  %-22s %-6s default %-12s %-8s %-16s %s%s%s\n", r.name.c_str(), r.type.c_str(),
                    r.def.c_str(), r.unit.empty() ? "-" : r.unit.c_str(),
                    r.range.empty() ? "-" : r.range.c_str(), r.doc.c_str(),
                    r.cite.empty() ? "" : "  [source: ", r.cite.empty() ? "" : (r.cite + "]").c_str());
    }
    std::printf("\n");
}

std::string md_escape(std::string s)
{
    for (size_t pos = 0; (pos = s.find('|', pos)) != std::string::npos; pos += 2)
        s.replace(pos, 1, "\\|");
    return s;
}

void print_markdown(const ps_param_table &t)
{
    std::printf("## %s\n\n%s\n\n| parameter | type | default | unit | range | description | source |\n"
                "|---|---|---|---|---|---|---|\n",
                t.name, t.doc);
    for (size_t i = 0; i < t.count; i++) {
        Row r = row_of(t.params[i]);
        std::printf("| `%s` | %s | %s | %s | %s | %s | %s |\n", r.name.c_str(), r.type.c_str(),
                    md_escape(r.def).c_str(), r.unit.c_str(), md_escape(r.range).c_str(),
                    md_escape(r.doc).c_str(), md_escape(r.cite).c_str());
    }
    std::printf("\n");
}

void print_yaml(const ps_param_table &t)
{
    std::printf("%s:  # %s\n", t.name, t.doc);
    for (size_t i = 0; i < t.count; i++) {
        Row r = row_of(t.params[i]);
        std::string value = r.type == "string" ? "\"" + r.def + "\"" : r.def;
        std::printf("  %s: %s  # %s%s%s\n", r.name.c_str(), value.c_str(),
                    r.unit.empty() ? "" : ("[" + r.unit + "] ").c_str(), r.doc.c_str(),
                    r.range.empty() ? "" : (" " + r.range).c_str());
    }
}

} // namespace

void define_params(Args &args)
{
    args.usage("[TABLE...] [--format text|markdown|yaml]",
               "Prints every registered parameter table: each parameter's name (its YAML key),\n"
               "type, default, unit, allowed range, description and the source of its default.\n"
               "Name tables to print only those.");
    args.option("format", 'f', "FORMAT", "text (default), markdown, or yaml (a config skeleton)");
}

int run_params(const Args &args)
{
    const std::string format = args.value("format", "text");
    if (format != "text" && format != "markdown" && format != "yaml")
        throw UsageError("--format: '" + format + "' is not one of text, markdown, yaml");
    std::vector<const ps_param_table *> chosen;
    for (const auto &name : args.positional()) {
        const ps_param_table *t = find_param_table(name.c_str());
        if (!t) {
            std::string known;
            for (const ps_param_table *const *p = param_tables; *p; p++)
                known += std::string(known.empty() ? "" : ", ") + (*p)->name;
            throw UsageError("no parameter table '" + name + "'; tables: " + known);
        }
        chosen.push_back(t);
    }
    if (chosen.empty())
        for (const ps_param_table *const *p = param_tables; *p; p++)
            chosen.push_back(*p);
    for (const ps_param_table *t : chosen) {
        if (format == "markdown")
            print_markdown(*t);
        else if (format == "yaml")
            print_yaml(*t);
        else
            print_text(*t);
    }
    return 0;
}

} // namespace primesim
