// A small command-line parser for the subcommands: declared options with
// help text, repeatable values (-p a=b -p c=d), positionals, and --help.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace primesim {

// Bad usage: the command line prints it with a pointer to --help, exit 2.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class Args {
  public:
    explicit Args(std::string command);

    // The synopsis after "primesim COMMAND" and a paragraph on what it does.
    void usage(std::string synopsis, std::string description);

    // A flag when value_name is empty, else an option taking a value.
    void option(const std::string &long_name, char short_name, const std::string &value_name,
                const std::string &help);
    // Values of these options (and the positionals when positionals is true)
    // name files a user may give relative to the repository root, like
    // configs/systems/prime_40nm.yaml: parse() resolves each with
    // shipped_path (data_dir.hpp), so an installed binary finds them too.
    void shipped(std::vector<std::string> options, bool positionals = false);
    // Free text appended to --help (examples, outputs).
    void epilog(const std::string &text) { epilog_ = text; }

    void parse(int argc, char **argv); // argv[0] is the subcommand
    bool help_requested() const { return help_; }
    std::string help_text() const;

    bool has(const std::string &long_name) const;
    std::string value(const std::string &long_name, const std::string &fallback = "") const;
    const std::vector<std::string> &values(const std::string &long_name) const;
    const std::vector<std::string> &positional() const { return positional_; }
    // The value as an integer in [lo, hi]; UsageError naming the option otherwise.
    long long integer(const std::string &long_name, long long fallback, long long lo, long long hi) const;
    const std::string &command() const { return command_; }

  private:
    struct Option {
        std::string long_name;
        char short_name;
        std::string value_name;
        std::string help;
    };
    const Option *find_long(const std::string &name) const;
    const Option *find_short(char c) const;

    std::string command_, synopsis_, description_, epilog_;
    std::vector<Option> options_;
    std::map<std::string, std::vector<std::string>> values_;
    std::vector<std::string> positional_;
    std::vector<std::string> shipped_options_;
    bool shipped_positionals_ = false;
    bool help_ = false;
};

// --max-memory SIZE (sim, sweep, check, train, data, inspect): declares the option; main
// applies it (ps_memory_set_limit_bytes) before the command runs.
void max_memory_option(Args &args);
void apply_max_memory(const Args &args); // UsageError for a malformed size

// --shard i/N (sim, sweep): UsageError unless 0 <= i < N.
void parse_shard(const std::string &value, long long &i, long long &n);

} // namespace primesim
