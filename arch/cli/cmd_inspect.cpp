// primesim inspect: what a primesim file holds.
#include <cstdio>

#include "commands.hpp"
#include "container.h"

namespace primesim {

void define_inspect(Args &args)
{
    args.usage("FILE",
               "Verifies a primesim container file (workload .pwl, packed dataset) — header,\n"
               "checksums, section table — and prints its kind, versions and sections.\n"
               "A damaged, truncated, foreign or newer-version file is reported, exit 2.");
}

int run_inspect(const Args &args)
{
    if (args.positional().size() != 1)
        throw UsageError("expected exactly one FILE");
    const std::string &path = args.positional()[0];
    ps_container *c = nullptr;
    ps_error err{};
    ps_status s = ps_container_open(path.c_str(), nullptr, UINT16_MAX, &c, &err);
    if (s != PS_OK) {
        std::fprintf(stderr, "primesim inspect: %s\n", err.message);
        return ps_status_exit_code(s);
    }
    const ps_container_info info = ps_container_get_info(c);
    std::printf("%s\n  kind            %s\n  content version %u\n  container       v%u\n"
                "  file            %llu bytes\n  payload         %llu bytes (%.2fx compression)\n"
                "  sections        %u\n",
                path.c_str(), info.kind, info.content_version, info.container_version,
                (unsigned long long)info.file_bytes, (unsigned long long)info.payload_bytes,
                info.file_bytes ? (double)info.payload_bytes / (double)info.file_bytes : 0.0,
                info.section_count);
    for (uint32_t i = 0; i < info.section_count; i++)
        std::printf("    %-32s %12llu bytes\n", ps_container_section_name(c, i),
                    (unsigned long long)ps_container_section_size(c, i));
    ps_container_close(c);
    return 0;
}

} // namespace primesim
