#include "config.hpp"

#include <yaml-cpp/eventhandler.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

namespace primesim {
namespace {

std::string join_path(const std::string &parent, const std::string &key)
{
    return parent.empty() ? key : parent + "." + key;
}

std::string node_kind(const YAML::Node &node)
{
    switch (node.Type()) {
    case YAML::NodeType::Map: return "a section (mapping)";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a value";
    default: return "nothing";
    }
}

std::string where(const std::string &file, const YAML::Node &node)
{
    return file + ":" + std::to_string(node.Mark().line + 1);
}

// yaml-cpp keeps one of two equal keys silently; this pass over the parse
// events finds them, so a config never means something other than it says.
class DuplicateKeyCheck : public YAML::EventHandler {
  public:
    explicit DuplicateKeyCheck(std::string file) : file_(std::move(file)) {}

    // yaml-cpp 0.7 meets a ',' outside [ ] or { } at a document's start by
    // returning the same empty document forever (and YAML::LoadFile by
    // returning an empty one): a document that does not start past the
    // last one is that.
    void OnDocumentStart(const YAML::Mark &mark) override
    {
        if (mark.pos <= last_document_pos_)
            throw ConfigError(file_ + ":" + std::to_string(mark.line + 1) + ":" +
                              std::to_string(mark.column + 1) +
                              ": YAML syntax error: unexpected text (a ',' outside [ ] or { }?)");
        last_document_pos_ = mark.pos;
        collections_.clear(); // anchors are numbered per document
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark &mark, YAML::anchor_t) override { leaf(mark, "~"); }
    // An alias of a mapping or list shares it in yaml-cpp's tree, but merging
    // and binding copy and walk it once per alias: nested ones grow
    // exponentially (a 1 kB file asked for over 7 GB), so only values may be
    // aliased.
    void OnAlias(const YAML::Mark &mark, YAML::anchor_t anchor) override
    {
        if (collections_.count(anchor))
            throw ConfigError(file_ + ":" + std::to_string(mark.line + 1) +
                              ": an alias (*name) of a mapping or a list; only single values "
                              "may be aliased in a config");
        leaf(mark, "*");
    }
    void OnScalar(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
                  const std::string &value) override
    {
        leaf(mark, value);
    }
    void OnSequenceStart(const YAML::Mark &, const std::string &, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override
    {
        collections_.insert(anchor);
        open(false);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark &, const std::string &, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override
    {
        collections_.insert(anchor);
        open(true);
    }
    void OnMapEnd() override { close(); }

  private:
    struct Frame {
        bool map;
        bool want_key = true;
        std::string path, last_key;
        std::set<std::string> keys;
    };
    void leaf(const YAML::Mark &mark, const std::string &text)
    {
        if (stack_.empty() || !stack_.back().map) return;
        Frame &f = stack_.back();
        if (!f.want_key) {
            f.want_key = true; // a value ends the entry
            return;
        }
        f.want_key = false;
        f.last_key = text;
        if (!f.keys.insert(text).second)
            throw ConfigError(file_ + ":" + std::to_string(mark.line + 1) + ": " +
                              join_path(f.path, text) + ": duplicate key");
    }
    void open(bool map)
    {
        std::string path;
        if (!stack_.empty()) {
            Frame &parent = stack_.back();
            path = parent.map ? join_path(parent.path, parent.last_key) : parent.path;
        }
        stack_.push_back(Frame{map, true, path, "", {}});
    }
    void close()
    {
        stack_.pop_back();
        if (!stack_.empty() && stack_.back().map)
            stack_.back().want_key = true;
    }
    std::string file_;
    std::vector<Frame> stack_;
    int last_document_pos_ = -1;
    std::set<YAML::anchor_t> collections_; // anchors of mappings and lists (0: none)
};

// YAML is Unicode text; yaml-cpp takes other bytes as they are but emits
// them escaped as other characters, so a resolved config would not read
// back to the same values. Throws naming the first byte that is not UTF-8.
void check_utf8(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    const std::string t((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    int line = 1;
    for (size_t i = 0; i < t.size();) {
        const unsigned char c = (unsigned char)t[i];
        // Sequence length and the smallest code point it may encode (no overlong forms).
        const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        unsigned long cp = n == 1 ? c : n == 2 ? (c & 0x1fu) : n == 3 ? (c & 0x0fu) : (c & 0x07u);
        bool ok = n > 0 && i + n <= t.size();
        for (size_t k = 1; ok && k < n; k++) {
            const unsigned char d = (unsigned char)t[i + k];
            ok = (d >> 6) == 2;
            cp = (cp << 6) | (d & 0x3fu);
        }
        static const unsigned long min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
        if (!ok || cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            char byte[8];
            std::snprintf(byte, sizeof byte, "0x%02x", c);
            throw ConfigError(path + ":" + std::to_string(line) + ": not UTF-8 text (byte " + byte +
                              ")");
        }
        line += c == '\n';
        i += n;
    }
}

YAML::Node read_yaml(const std::string &path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw ConfigError(path + ": cannot open: no such file");
    check_utf8(path);
    try {
        YAML::Node node = YAML::LoadFile(path);
        std::ifstream in(path);
        YAML::Parser parser(in);
        DuplicateKeyCheck check(path);
        while (parser.HandleNextDocument(check)) {
        }
        if (node.IsNull())
            return YAML::Node(YAML::NodeType::Map);
        if (!node.IsMap())
            throw ConfigError(path + ": the top level must be a mapping of sections, not " +
                              node_kind(node));
        return node;
    } catch (const YAML::BadFile &) {
        throw ConfigError(path + ": cannot open: " + std::strerror(errno));
    } catch (const YAML::ParserException &e) {
        throw ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                          std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
    }
}

// Records where every entry under a key came from: the key's own line.
void record_origins(ConfigDocument &doc, const YAML::Node &key, const YAML::Node &value,
                    const std::string &path, const std::string &file)
{
    doc.origin[path] = where(file, key);
    if (value.IsMap())
        for (auto it = value.begin(); it != value.end(); ++it)
            record_origins(doc, it->first, it->second, join_path(path, it->first.Scalar()), file);
}

void forget_origins_under(ConfigDocument &doc, const std::string &path)
{
    auto it = doc.origin.lower_bound(path + ".");
    while (it != doc.origin.end() && it->first.compare(0, path.size() + 1, path + ".") == 0)
        it = doc.origin.erase(it);
}

// Merges src into dst: maps key by key, everything else replaced.
void merge(ConfigDocument &doc, YAML::Node dst, const YAML::Node &src, const std::string &path,
           const std::string &file)
{
    for (auto it = src.begin(); it != src.end(); ++it) {
        if (!it->first.IsScalar())
            throw ConfigError(where(file, it->first) + ": " + (path.empty() ? "top level" : path) +
                              ": keys must be plain names");
        const std::string key = it->first.Scalar();
        const std::string child_path = join_path(path, key);
        if (path.empty() && key == "base")
            continue;
        const YAML::Node value = it->second;
        if (value.IsMap() && dst[key] && dst[key].IsMap()) {
            doc.origin[child_path] = where(file, it->first);
            merge(doc, dst[key], value, child_path, file);
        } else {
            dst[key] = YAML::Clone(value);
            forget_origins_under(doc, child_path);
            record_origins(doc, it->first, value, child_path, file);
        }
    }
}

std::vector<std::string> base_paths(const YAML::Node &root, const std::string &path)
{
    std::vector<std::string> bases;
    const YAML::Node base = root["base"];
    if (!base)
        return bases;
    const auto dir = std::filesystem::path(path).parent_path();
    auto add = [&](const YAML::Node &n) {
        if (!n.IsScalar() || n.Scalar().empty())
            throw ConfigError(where(path, n) + ": base: expected a file path or a list of them");
        bases.push_back((dir / n.Scalar()).lexically_normal().string());
    };
    if (base.IsSequence())
        for (const auto &n : base)
            add(n);
    else
        add(base);
    return bases;
}

void load_into(ConfigDocument &doc, const std::string &path, std::vector<std::string> &stack)
{
    const std::string canonical = std::filesystem::weakly_canonical(path).string();
    for (const auto &open : stack)
        if (open == canonical)
            throw ConfigError(path + ": base: files include each other in a cycle");
    stack.push_back(canonical);
    const YAML::Node root = read_yaml(path);
    for (const auto &base : base_paths(root, path)) {
        try {
            load_into(doc, base, stack);
        } catch (const ConfigError &e) {
            throw ConfigError(std::string(e.what()) + "\n  (named by base: in " + path + ")");
        }
    }
    merge(doc, doc.root, root, "", path);
    doc.files.push_back(path);
    stack.pop_back();
}

std::string origin_of(const ConfigDocument &doc, std::string path)
{
    for (;;) {
        auto it = doc.origin.find(path);
        if (it != doc.origin.end())
            return it->second;
        auto dot = path.rfind('.');
        if (dot == std::string::npos)
            return doc.files.empty() ? std::string("config") : doc.files.back();
        path.erase(dot);
    }
}

[[noreturn]] void fail(const ConfigDocument &doc, const std::string &path, const std::string &msg)
{
    throw ConfigError(origin_of(doc, path) + ": " + path + ": " + msg);
}

void set_defaults(const ConfigSection &section)
{
    if (section.table)
        ps_params_set_defaults(section.table, section.object);
    for (const auto &child : section.children)
        set_defaults(child);
}

std::string known_keys(const ConfigSection &section)
{
    std::string keys;
    auto add = [&](const std::string &k) { keys += (keys.empty() ? "" : ", ") + k; };
    for (const auto &child : section.children)
        add(child.key);
    if (section.table)
        for (size_t i = 0; i < section.table->count; i++)
            add(section.table->params[i].name);
    return keys;
}

// A parameter's value node: the scalar itself, or the `value` of a
// {value, source} mapping (whose source is recorded).
YAML::Node parameter_value(ConfigDocument &doc, const YAML::Node &node, const std::string &path)
{
    if (!node.IsMap())
        return node;
    YAML::Node value;
    bool has_value = false;
    for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string key = it->first.Scalar();
        if (key == "value") {
            value = it->second;
            has_value = true;
        } else if (key == "source") {
            if (!it->second.IsScalar() || it->second.Scalar().empty())
                fail(doc, path, "source: expected a text naming where the value comes from");
            doc.sources[path] = it->second.Scalar();
        } else {
            fail(doc, path, "unknown key '" + key + "' (a parameter is NAME: VALUE or "
                            "NAME: {value: VALUE, source: TEXT})");
        }
    }
    if (!has_value)
        fail(doc, path, "a {value, source} entry without a value");
    return value;
}

void bind_section(ConfigDocument &doc, const YAML::Node &node, const ConfigSection &section,
                  const std::string &path)
{
    if (node.IsNull())
        return;
    if (!node.IsMap())
        fail(doc, path, "expected a section of parameters, got " + node_kind(node));
    for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string key = it->first.Scalar();
        if (path.empty() && key == "base")
            continue;
        const std::string child_path = join_path(path, key);
        const YAML::Node value = it->second;
        bool bound = false;
        for (const auto &child : section.children) {
            if (child.key == key) {
                bind_section(doc, value, child, child_path);
                bound = true;
                break;
            }
        }
        if (bound)
            continue;
        const ps_param_desc *desc = section.table ? ps_param_find(section.table, key.c_str()) : nullptr;
        if (!desc) {
            const char *hint = section.table ? ps_param_suggest(section.table, key.c_str()) : nullptr;
            for (const auto &child : section.children)
                if (!hint && child.key.size() > 2 && (child.key.find(key) != std::string::npos ||
                                                      key.find(child.key) != std::string::npos))
                    hint = child.key.c_str();
            std::string msg = "unknown key";
            if (hint)
                msg += " (did you mean '" + std::string(hint) + "'?)";
            else
                msg += "; known keys here: " + known_keys(section);
            fail(doc, child_path, msg);
        }
        const YAML::Node scalar = parameter_value(doc, value, child_path);
        if (scalar.IsNull())
            fail(doc, child_path, "has no value");
        if (!scalar.IsScalar())
            fail(doc, child_path,
                 std::string("expected a ") + ps_param_type_name(desc->type) + ", got " + node_kind(scalar));
        ps_error err{};
        if (ps_param_parse(desc, scalar.Scalar().c_str(), section.object, &err) != PS_OK)
            fail(doc, child_path, err.message);
    }
}

void emit_section(YAML::Emitter &out, const ConfigSection &section, const std::string &path,
                  const std::map<std::string, std::string> &sources)
{
    out << YAML::BeginMap;
    if (section.table) {
        for (size_t i = 0; i < section.table->count; i++) {
            const ps_param_desc &d = section.table->params[i];
            char value[512];
            ps_param_format(&d, section.object, value, sizeof value);
            std::string comment = d.doc;
            if (d.unit && *d.unit)
                comment = "[" + std::string(d.unit) + "] " + comment;
            if (d.type == PS_PT_ENUM) {
                char range[256];
                ps_param_format_range(&d, range, sizeof range);
                comment += " (" + std::string(range) + ")";
            }
            out << YAML::Key << d.name << YAML::Value;
            auto source = sources.find(join_path(path, d.name));
            if (source == sources.end())
                out << value;
            else
                out << YAML::Flow << YAML::BeginMap << YAML::Key << "value" << YAML::Value << value
                    << YAML::Key << "source" << YAML::Value << source->second << YAML::EndMap;
            out << YAML::Comment(comment);
        }
    }
    for (const auto &child : section.children) {
        out << YAML::Key << child.key << YAML::Value;
        emit_section(out, child, join_path(path, child.key), sources);
    }
    out << YAML::EndMap;
}

} // namespace

YAML::Node read_yaml_file(const std::string &path) { return read_yaml(path); }

ConfigSection &ConfigSection::add(std::string child_key, const ps_param_table *child_table,
                                  void *child_object)
{
    ConfigSection child;
    child.key = std::move(child_key);
    child.table = child_table;
    child.object = child_object;
    children.push_back(std::move(child));
    return children.back();
}

ConfigDocument load_config_file(const std::string &path)
{
    ConfigDocument doc;
    doc.root = YAML::Node(YAML::NodeType::Map);
    std::vector<std::string> stack;
    load_into(doc, path, stack);
    return doc;
}

void apply_override(ConfigDocument &doc, const std::string &assignment)
{
    const std::string label = "-p " + assignment;
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        throw ConfigError(label + ": expected KEY.PATH=VALUE, e.g. -p system.seed=7");
    const std::string path = assignment.substr(0, eq);
    const std::string text = assignment.substr(eq + 1);
    std::vector<std::string> segments;
    std::stringstream ss(path);
    for (std::string seg; std::getline(ss, seg, '.');) {
        if (seg.empty())
            throw ConfigError(label + ": '" + path + "' has an empty path segment");
        segments.push_back(seg);
    }
    if (path.back() == '.')
        throw ConfigError(label + ": '" + path + "' has an empty path segment");
    YAML::Node value;
    try {
        value = YAML::Load(text);
    } catch (const YAML::ParserException &e) {
        throw ConfigError(label + ": the value is not valid YAML: " + e.msg);
    }
    if (value.IsNull())
        throw ConfigError(label + ": " + path + ": has no value");
    YAML::Node node = doc.root;
    std::string walked;
    for (size_t i = 0; i + 1 < segments.size(); i++) {
        walked = join_path(walked, segments[i]);
        YAML::Node next = node[segments[i]];
        if (!next || next.IsNull())
            node[segments[i]] = YAML::Node(YAML::NodeType::Map);
        else if (!next.IsMap())
            throw ConfigError(label + ": " + walked + " is " + node_kind(next) + ", not a section");
        node.reset(node[segments[i]]);
    }
    node[segments.back()] = value;
    forget_origins_under(doc, path);
    doc.origin[path] = label;
}

void bind_config(ConfigDocument &doc, const ConfigSection &schema)
{
    set_defaults(schema);
    bind_section(doc, doc.root, schema, schema.key);
}

std::string emit_resolved_config(const ConfigSection &schema, const std::string &header_comment,
                                 const std::map<std::string, std::string> &sources)
{
    YAML::Emitter out;
    emit_section(out, schema, schema.key, sources);
    std::string text;
    std::stringstream lines(header_comment);
    for (std::string line; std::getline(lines, line);)
        text += "# " + line + "\n";
    return text + out.c_str() + "\n";
}

ConfigDocument load_and_bind(const std::string &path, const std::vector<std::string> &overrides,
                             const ConfigSection &schema)
{
    ConfigDocument doc = load_config_file(path);
    for (const auto &assignment : overrides)
        apply_override(doc, assignment);
    bind_config(doc, schema);
    return doc;
}

} // namespace primesim
