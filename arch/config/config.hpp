// YAML config loading: files composed with `base:`, command-line overrides
// (`-p tiles.adc.bits=6`), and binding into the C parameter structs through
// their descriptor tables. This is the only place that uses yaml-cpp.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/params.h"

namespace primesim {

// A bad config: the message names the file (and line) and the full key path.
// The command line turns it into exit code 2.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// One node of a config schema: a key bound to a C parameter struct through
// its table, and/or a group of child sections. The path of a section
// ("tiles.adc") names the config node, the SystemC object and the stats key.
struct ConfigSection {
    std::string key;
    const ps_param_table *table = nullptr; // null for a pure group
    void *object = nullptr;
    std::vector<ConfigSection> children;

    ConfigSection &add(std::string child_key, const ps_param_table *child_table, void *child_object);
};

// A composed YAML document and where each leaf came from ("file:line" or
// "-p a.b=c"), for messages.
struct ConfigDocument {
    YAML::Node root{YAML::NodeType::Map}; // empty, so overrides apply without a file
    std::map<std::string, std::string> origin;
    std::vector<std::string> files; // every file read, base first
    // Sources given with values, `name: {value: 1.56, source: "ISAAC, Table I"}`,
    // by parameter path; filled by bind_config.
    std::map<std::string, std::string> sources;
};

// One YAML file whose top level is a mapping; duplicate keys and syntax
// errors throw ConfigError naming the file and line. No `base:` handling.
YAML::Node read_yaml_file(const std::string &path);

// Reads path; a top-level `base:` (a path or a list of paths, relative to
// the file that names them) is loaded first and this file's keys are merged
// over it, maps key by key, everything else replaced.
ConfigDocument load_config_file(const std::string &path);

// Applies one "a.b.c=value" override; value is parsed as YAML.
void apply_override(ConfigDocument &doc, const std::string &assignment);

// Fills every struct in the schema with defaults, then binds doc into it.
// A parameter is written `name: VALUE` or `name: {value: VALUE, source: TEXT}`.
// An unknown key, a wrong type or an out-of-range value throws ConfigError
// naming the origin and full path.
void bind_config(ConfigDocument &doc, const ConfigSection &schema);

// The resolved config: every parameter of the schema with its value (and
// its source where sources has one), as YAML that load_config_file reads
// back to the same values.
std::string emit_resolved_config(const ConfigSection &schema, const std::string &header_comment,
                                 const std::map<std::string, std::string> &sources = {});

// load_config_file + overrides + bind_config in one call.
ConfigDocument load_and_bind(const std::string &path, const std::vector<std::string> &overrides,
                             const ConfigSection &schema);

} // namespace primesim
