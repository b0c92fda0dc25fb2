// N-MNIST event files: hand-encoded bytes, writer -> reader round trips
// (bit-exact), each bad-input case in strict and skip modes, the directory
// layout, the packed form, and `primesim data stats|pack` exit codes.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <vector>

#include "data/nmnist.h"
#include "data/proc.h"
#include "fileio.h"

// Global, so std::vector's comparison finds it.
inline bool operator==(const ps_event &a, const ps_event &b)
{
    return a.t_us == b.t_us && a.x == b.x && a.y == b.y && a.p == b.p;
}

namespace {

std::string make_temp_dir()
{
    std::string tmpl = "/tmp/ps_nmnist_XXXXXX";
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    return tmpl;
}

void write_bytes(const std::string &path, const std::vector<uint8_t> &b)
{
    ps_error err{};
    ASSERT_EQ(ps_write_file_atomic(path.c_str(), b.data(), b.size(), &err), PS_OK) << err.message;
}

std::vector<ps_event> events_of(const ps_event_buf &b) { return {b.ev, b.ev + b.count}; }

TEST(Nmnist, DecodesHandEncodedEvents)
{
    // x=1, y=2, ON, t=0x012345 = 74565 us; x=33, y=0, OFF, t=0x7fffff.
    const std::vector<uint8_t> bytes = {1, 2, 0x81, 0x23, 0x45, 33, 0, 0x7f, 0xff, 0xff};
    ps_event_buf b;
    ps_event_buf_init(&b);
    ps_error err{};
    ASSERT_EQ(ps_nmnist_decode(bytes.data(), bytes.size(), "hand", true, &b, nullptr, &err), PS_OK);
    ASSERT_EQ(b.count, 2u);
    EXPECT_EQ(b.ev[0].x, 1);
    EXPECT_EQ(b.ev[0].y, 2);
    EXPECT_EQ(b.ev[0].p, 1);
    EXPECT_EQ(b.ev[0].t_us, 74565u);
    EXPECT_EQ(b.ev[1].x, 33);
    EXPECT_EQ(b.ev[1].p, 0);
    EXPECT_EQ(b.ev[1].t_us, 8388607u);
    ps_bytes out;
    ps_bytes_init(&out);
    ASSERT_EQ(ps_nmnist_encode(b.ev, b.count, &out, &err), PS_OK);
    EXPECT_EQ(std::vector<uint8_t>(out.data, out.data + out.size), bytes);
    ps_bytes_free(&out);
    ps_event_buf_free(&b);
}

TEST(Nmnist, FileRoundTripIsBitExact)
{
    const std::string dir = make_temp_dir(), path = dir + "/00001.bin";
    std::vector<ps_event> ev;
    uint32_t t = 0;
    for (int i = 0; i < 1000; i++) {
        t += (uint32_t)(i * 7919 % 500);
        ev.push_back({t, (uint8_t)(i * 13 % 34), (uint8_t)(i * 29 % 34), (uint8_t)(i % 3 == 0), 0});
    }
    ps_error err{};
    ASSERT_EQ(ps_nmnist_write_file(path.c_str(), ev.data(), ev.size(), &err), PS_OK) << err.message;
    uint8_t *raw = nullptr;
    size_t size = 0;
    ASSERT_EQ(ps_read_file(path.c_str(), &raw, &size, &err), PS_OK);
    EXPECT_EQ(size, 5000u);
    ps_event_buf b;
    ps_event_buf_init(&b);
    ASSERT_EQ(ps_nmnist_read_file(path.c_str(), true, &b, nullptr, &err), PS_OK) << err.message;
    EXPECT_EQ(events_of(b), ev);
    // Writing what was read gives the same bytes.
    const std::string again = dir + "/00002.bin";
    ASSERT_EQ(ps_nmnist_write_file(again.c_str(), b.ev, b.count, &err), PS_OK);
    uint8_t *raw2 = nullptr;
    size_t size2 = 0;
    ASSERT_EQ(ps_read_file(again.c_str(), &raw2, &size2, &err), PS_OK);
    ASSERT_EQ(size2, size);
    EXPECT_EQ(std::vector<uint8_t>(raw, raw + size), std::vector<uint8_t>(raw2, raw2 + size2));
    free(raw);
    free(raw2);
    ps_event_buf_free(&b);
    ps_remove_tree(dir.c_str(), nullptr);
}

TEST(Nmnist, WriterRefusesWhatTheFormatCannotHold)
{
    ps_bytes out;
    ps_bytes_init(&out);
    ps_error err{};
    ps_event bad_x[] = {{0, 34, 0, 1, 0}};
    EXPECT_EQ(ps_nmnist_encode(bad_x, 1, &out, &err), PS_ERR_RANGE);
    ps_event big_t[] = {{1u << 23, 0, 0, 1, 0}};
    EXPECT_EQ(ps_nmnist_encode(big_t, 1, &out, &err), PS_ERR_RANGE);
    ps_event back[] = {{10, 0, 0, 1, 0}, {9, 0, 0, 1, 0}};
    EXPECT_EQ(ps_nmnist_encode(back, 2, &out, &err), PS_ERR_RANGE);
    EXPECT_NE(std::string(err.message).find("event 1"), std::string::npos) << err.message;
    ps_bytes_free(&out);
}

// Three good events with a bad one in position 1.
struct BadCase {
    const char *name;
    std::vector<uint8_t> bytes;
    ps_status strict_status;
    ps_bad_event kind;
    size_t bad_index;
    size_t kept;
};

std::vector<BadCase> bad_cases()
{
    const std::vector<uint8_t> e0 = {1, 1, 0x80, 0, 10}, e2 = {3, 3, 0x00, 0, 30};
    auto join = [](std::vector<std::vector<uint8_t>> parts) {
        std::vector<uint8_t> all;
        for (auto &p : parts)
            all.insert(all.end(), p.begin(), p.end());
        return all;
    };
    return {
        {"truncated", join({e0, {2, 2, 0x80, 0, 20}, e2, {7, 7}}), PS_ERR_TRUNCATED, PS_BAD_TRUNCATED,
         3, 3},
        {"x outside", join({e0, {34, 2, 0x80, 0, 20}, e2}), PS_ERR_FORMAT, PS_BAD_COORDINATE, 1, 2},
        {"y outside", join({e0, {2, 200, 0x80, 0, 20}, e2}), PS_ERR_FORMAT, PS_BAD_COORDINATE, 1, 2},
        {"backwards", join({e0, {2, 2, 0x80, 0, 5}, e2}), PS_ERR_FORMAT, PS_BAD_TIME_BACKWARDS, 1, 2},
    };
}

TEST(Nmnist, StrictRefusesEachBadCaseNamingFileAndEvent)
{
    for (const auto &c : bad_cases()) {
        ps_event_buf b;
        ps_event_buf_init(&b);
        ps_error err{};
        EXPECT_EQ(ps_nmnist_decode(c.bytes.data(), c.bytes.size(), "dir/7/00042.bin", true, &b,
                                   nullptr, &err),
                  c.strict_status)
            << c.name;
        const std::string msg = err.message;
        EXPECT_NE(msg.find("dir/7/00042.bin"), std::string::npos) << msg;
        EXPECT_NE(msg.find("event " + std::to_string(c.bad_index)), std::string::npos) << msg;
        ps_event_buf_free(&b);
    }
}

TEST(Nmnist, SkipModeDropsBadEventsAndCountsThem)
{
    ps_event_issues all;
    ps_event_issues_clear(&all);
    for (const auto &c : bad_cases()) {
        ps_event_buf b;
        ps_event_buf_init(&b);
        ps_event_issues is;
        ps_event_issues_clear(&is);
        ps_error err{};
        ASSERT_EQ(ps_nmnist_decode(c.bytes.data(), c.bytes.size(), "f.bin", false, &b, &is, &err),
                  PS_OK)
            << c.name;
        EXPECT_EQ(b.count, c.kept) << c.name;
        EXPECT_EQ(is.count[c.kind], 1u) << c.name;
        EXPECT_EQ(ps_event_issues_total(&is), 1u) << c.name;
        EXPECT_EQ(is.files_with_issues, 1u);
        EXPECT_NE(std::string(is.first).find("f.bin: event " + std::to_string(c.bad_index)),
                  std::string::npos)
            << is.first;
        // The good events survive unchanged: first (1,1) at 10 us, last (3,3) at 30 us.
        EXPECT_EQ(b.ev[0].t_us, 10u);
        EXPECT_EQ(b.ev[b.count - 1].x, 3);
        EXPECT_EQ(b.ev[b.count - 1].t_us, 30u);
        ps_event_issues_merge(&all, &is);
        ps_event_buf_free(&b);
    }
    EXPECT_EQ(all.count[PS_BAD_COORDINATE], 2u);
    EXPECT_EQ(all.files_with_issues, 4u);
}

TEST(Nmnist, BackwardsIsJudgedAgainstTheLastKeptEvent)
{
    // t: 10, 50 (ok), 20 (back), 40 (still behind 50: back), 60 (ok).
    const std::vector<uint8_t> bytes = {0, 0, 0, 0, 10, 0, 0, 0, 0, 50, 0, 0, 0, 0, 20,
                                        0, 0, 0, 0, 40, 0, 0, 0, 0, 60};
    ps_event_buf b;
    ps_event_buf_init(&b);
    ps_event_issues is;
    ps_event_issues_clear(&is);
    ASSERT_EQ(ps_nmnist_decode(bytes.data(), bytes.size(), "f", false, &b, &is, nullptr), PS_OK);
    ASSERT_EQ(b.count, 3u);
    EXPECT_EQ(b.ev[2].t_us, 60u);
    EXPECT_EQ(is.count[PS_BAD_TIME_BACKWARDS], 2u);
    ps_event_buf_free(&b);
}

TEST(Nmnist, ListsTheDatasetLayoutAndRefusesAMissingDirectory)
{
    const std::string root = make_temp_dir();
    ps_error err{};
    for (const char *sub : {"/Train/3", "/Test/0", "/Test/9"})
        ASSERT_EQ(ps_make_dirs((root + sub).c_str(), &err), PS_OK);
    write_bytes(root + "/Train/3/00010.bin", {});
    write_bytes(root + "/Train/3/00002.bin", {});
    write_bytes(root + "/Test/9/00001.bin", {});
    write_bytes(root + "/Test/0/00005.bin", {});
    write_bytes(root + "/Test/0/notes.txt", {1});
    ps_nmnist_entry *e = nullptr;
    size_t n = 0;
    ASSERT_EQ(ps_nmnist_list(root.c_str(), &e, &n, &err), PS_OK) << err.message;
    ASSERT_EQ(n, 4u);
    EXPECT_EQ(e[0].split, PS_SPLIT_TRAIN);
    EXPECT_EQ(e[0].label, 3);
    EXPECT_EQ(e[0].id, 2u);
    EXPECT_EQ(e[1].id, 10u);
    EXPECT_EQ(e[2].split, PS_SPLIT_TEST);
    EXPECT_EQ(e[2].label, 0);
    EXPECT_EQ(e[3].label, 9);
    char path[512];
    ps_nmnist_entry_path(root.c_str(), &e[1], path, sizeof path);
    EXPECT_EQ(std::string(path), root + "/Train/3/00010.bin");
    free(e);
    // A split directory holding the label folders directly.
    ASSERT_EQ(ps_nmnist_list((root + "/Test").c_str(), &e, &n, &err), PS_OK);
    EXPECT_EQ(n, 2u);
    EXPECT_EQ(e[0].split, PS_SPLIT_NONE);
    free(e);
    EXPECT_EQ(ps_nmnist_list((root + "/missing").c_str(), &e, &n, &err), PS_ERR_NOT_FOUND);
    EXPECT_NE(std::string(err.message).find(root + "/missing"), std::string::npos);
    ps_remove_tree(root.c_str(), nullptr);
}

TEST(Nmnist, PackedRoundTripIsBitExact)
{
    const std::string dir = make_temp_dir(), path = dir + "/set.nmnp";
    ps_nmnist_packer *pk = nullptr;
    ASSERT_EQ(ps_nmnist_packer_create(&pk), PS_OK);
    std::vector<std::vector<ps_event>> samples(3);
    ps_error err{};
    for (int s = 0; s < 3; s++) {
        for (int i = 0; i < 10 * s; i++)
            samples[s].push_back({(uint32_t)(i * 100), (uint8_t)i, (uint8_t)(33 - i), (uint8_t)(i & 1), 0});
        ps_nmnist_entry e{(uint32_t)(s + 1), (uint8_t)(s * 3), PS_SPLIT_TEST};
        ASSERT_EQ(ps_nmnist_packer_add(pk, &e, samples[s].data(), samples[s].size(), &err), PS_OK);
    }
    ASSERT_EQ(ps_nmnist_packer_write(pk, path.c_str(), &err), PS_OK) << err.message;
    ps_nmnist_packer_destroy(pk);
    ps_nmnist_packed *rd = nullptr;
    ASSERT_EQ(ps_nmnist_packed_open(path.c_str(), &rd, &err), PS_OK) << err.message;
    ASSERT_EQ(ps_nmnist_packed_count(rd), 3u);
    EXPECT_EQ(ps_nmnist_packed_total_events(rd), 30u);
    for (size_t s = 0; s < 3; s++) {
        ps_nmnist_entry e = ps_nmnist_packed_entry(rd, s);
        EXPECT_EQ(e.id, s + 1);
        EXPECT_EQ(e.label, s * 3);
        EXPECT_EQ(e.split, PS_SPLIT_TEST);
        ps_event_buf b;
        ps_event_buf_init(&b);
        ASSERT_EQ(ps_nmnist_packed_events(rd, s, true, &b, nullptr, &err), PS_OK);
        EXPECT_EQ(events_of(b), samples[s]);
        ps_event_buf_free(&b);
    }
    ps_nmnist_packed_close(rd);
    // Another kind of container is refused.
    EXPECT_NE(ps_nmnist_packed_open((dir + "/absent.nmnp").c_str(), &rd, &err), PS_OK);
    ps_remove_tree(dir.c_str(), nullptr);
}

int run(const std::string &cmd)
{
    int status = std::system((cmd + " >/dev/null 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Nmnist, CommandExitCodesOnBadInput)
{
    const std::string root = make_temp_dir(), bin = PRIMESIM_BINARY;
    ps_error err{};
    ASSERT_EQ(ps_make_dirs((root + "/Test/1").c_str(), &err), PS_OK);
    write_bytes(root + "/Test/1/00001.bin", {1, 1, 0x80, 0, 10, 3, 3, 0x80, 0, 20});
    write_bytes(root + "/Test/1/00002.bin", {1, 1, 0x80, 0, 10, 40, 3, 0x80, 0, 20, 9});
    EXPECT_EQ(run(bin + " data stats " + root), 0);
    EXPECT_EQ(run(bin + " data stats --strict " + root), 2);
    EXPECT_EQ(run(bin + " data stats " + root + "/nothing-here"), 2);
    EXPECT_EQ(run(bin + " data pack " + root + " -o " + root + "/p.nmnp"), 0);
    EXPECT_EQ(run(bin + " data stats " + root + "/p.nmnp"), 0);
    EXPECT_EQ(run(bin + " data pack --strict " + root + " -o " + root + "/q.nmnp"), 2);
    EXPECT_EQ(run(bin + " data frobnicate"), 2);
    EXPECT_EQ(run(bin + " data --help"), 0);
    // The packed file holds the 3 good events.
    ps_nmnist_packed *rd = nullptr;
    ASSERT_EQ(ps_nmnist_packed_open((root + "/p.nmnp").c_str(), &rd, &err), PS_OK) << err.message;
    EXPECT_EQ(ps_nmnist_packed_total_events(rd), 3u);
    ps_nmnist_packed_close(rd);
    ps_remove_tree(root.c_str(), nullptr);
}

} // namespace
