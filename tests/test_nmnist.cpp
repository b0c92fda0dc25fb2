// N-MNIST event files: hand-encoded bytes, writer -> reader round trips
// (bit-exact), each bad-input case in strict and skip modes, the packed form
// (version 2 round trip, a hand-built version 1 file still read, corrupt
// version 2 sections), and `primesim data stats|pack` exit codes. Directory
// layouts: test_nmnist_dir.cpp.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <vector>

#include "data/nmnist.h"
#include "container.h"
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
    EXPECT_EQ(ps_nmnist_packed_version(rd), 2);
    ps_nmnist_packed_close(rd);
    // Another kind of container is refused.
    EXPECT_NE(ps_nmnist_packed_open((dir + "/absent.nmnp").c_str(), &rd, &err), PS_OK);
    ps_remove_tree(dir.c_str(), nullptr);
}


// ---- packed files built by hand, as FORMAT.md describes them ----

struct Sample {
    ps_nmnist_entry e;
    std::vector<ps_event> ev;
};

struct Sections {
    // a deque: references to sections stay valid as sections are added
    std::deque<std::pair<std::string, std::vector<uint8_t>>> list;
    std::vector<uint8_t> &operator[](const std::string &name)
    {
        for (auto &s : list)
            if (s.first == name)
                return s.second;
        list.push_back({name, {}});
        return list.back().second;
    }
};

void put_le(std::vector<uint8_t> &b, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        b.push_back((uint8_t)(v >> (8 * i)));
}

// info and samples: the same in both versions.
Sections common_sections(const std::vector<Sample> &samples)
{
    Sections s;
    uint64_t total = 0;
    for (const auto &x : samples) {
        put_le(s["samples"], x.e.id, 4);
        s["samples"].push_back(x.e.label);
        s["samples"].push_back(x.e.split);
        put_le(s["samples"], 0, 2);
        put_le(s["samples"], x.ev.size(), 4);
        total += x.ev.size();
    }
    auto &info = s["info"];
    put_le(info, samples.size(), 4);
    put_le(info, total, 8);
    put_le(info, 34, 2);
    put_le(info, 34, 2);
    // keep info first, as the writers do
    std::swap(s.list[0], s.list[1]);
    return s;
}

// Version 1: the events as N-MNIST's 5-byte big-endian records.
Sections v1_sections(const std::vector<Sample> &samples)
{
    Sections s = common_sections(samples);
    auto &ev = s["events"];
    for (const auto &x : samples)
        for (const auto &e : x.ev) {
            const uint8_t b[5] = {e.x, e.y, (uint8_t)((e.p ? 0x80u : 0u) | (e.t_us >> 16)),
                                  (uint8_t)(e.t_us >> 8), (uint8_t)e.t_us};
            ev.insert(ev.end(), b, b + 5);
        }
    return s;
}

// Version 2, written independently of the library from FORMAT.md.
Sections v2_sections(const std::vector<Sample> &samples)
{
    Sections s = common_sections(samples);
    auto &lo = s["t_lo"], &hi = s["t_hi"], &xs = s["x"], &ys = s["y"], &pf = s["p_flip"];
    uint64_t k = 0;
    for (const auto &x : samples) {
        uint32_t last = 0;
        std::vector<uint8_t> last_p(34 * 34, 1);
        for (const auto &e : x.ev) {
            const uint32_t d = e.t_us - last;
            last = e.t_us;
            lo.push_back((uint8_t)d);
            uint32_t h = d >> 8;
            for (; h >= 0x80; h >>= 7)
                hi.push_back((uint8_t)(h | 0x80));
            hi.push_back((uint8_t)h);
            xs.push_back(e.x);
            ys.push_back(e.y);
            uint8_t &lp = last_p[(e.y % 34) * 34 + e.x % 34];
            if (k % 8 == 0)
                pf.push_back(0);
            if ((e.p ^ lp) & 1)
                pf.back() |= (uint8_t)(1u << (k % 8));
            lp = e.p;
            k++;
        }
    }
    return s;
}

std::vector<uint8_t> container_bytes(const Sections &s, uint16_t version)
{
    ps_container_writer *w = nullptr;
    EXPECT_EQ(ps_container_writer_create("NMNP", version, &w), PS_OK);
    ps_error err{};
    for (const auto &sec : s.list)
        EXPECT_EQ(ps_container_add(w, sec.first.c_str(), sec.second.data(), sec.second.size(), &err),
                  PS_OK);
    uint8_t *data = nullptr;
    size_t size = 0;
    EXPECT_EQ(ps_container_encode(w, 0, &data, &size, &err), PS_OK) << err.message;
    ps_container_writer_destroy(w);
    std::vector<uint8_t> out(data, data + size);
    free(data);
    return out;
}

// A mix that exercises every column: equal timestamps, deltas needing 0..3
// varint bytes, the largest timestamp, pixels firing repeatedly with both
// polarities, an empty sample, more than 8 events (several p_flip bytes).
std::vector<Sample> mixed_samples()
{
    std::vector<Sample> s(4);
    s[0].e = {7, 3, PS_SPLIT_TEST};
    s[1].e = {8, 0, PS_SPLIT_TRAIN};
    s[2].e = {9, 9, PS_SPLIT_NONE};
    s[3].e = {10, 5, PS_SPLIT_TEST};
    const uint32_t ts[] = {0, 0, 5, 255, 256, 300, 40000, 40000, 1u << 22, PS_EVENT_MAX_T_US - 1,
                           PS_EVENT_MAX_T_US, PS_EVENT_MAX_T_US};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
        s[0].ev.push_back({ts[i], (uint8_t)(i % 2 ? 33 : 0), (uint8_t)(i % 3 ? 33 : 5),
                           (uint8_t)(i % 5 == 1), 0});
    uint32_t t = 17;
    for (int i = 0; i < 500; i++) {
        t += (uint32_t)(i * 7919 % 977) * (i % 50 == 0 ? 300u : 1u);
        s[1].ev.push_back({t, (uint8_t)(i * 13 % 34), (uint8_t)(i % 7), (uint8_t)(i * i % 3 == 1), 0});
    }
    s[3].ev.push_back({PS_EVENT_MAX_T_US, 33, 33, 0, 0});
    return s;
}

void expect_reads(const std::vector<uint8_t> &bytes, const std::vector<Sample> &want,
                  uint16_t version)
{
    ps_nmnist_packed *rd = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_nmnist_packed_decode(bytes.data(), bytes.size(), "mem.nmnp", &rd, &err), PS_OK)
        << err.message;
    EXPECT_EQ(ps_nmnist_packed_version(rd), version);
    ASSERT_EQ(ps_nmnist_packed_count(rd), want.size());
    for (size_t i = 0; i < want.size(); i++) {
        const ps_nmnist_entry e = ps_nmnist_packed_entry(rd, i);
        EXPECT_EQ(e.id, want[i].e.id);
        EXPECT_EQ(e.label, want[i].e.label);
        EXPECT_EQ(e.split, want[i].e.split);
        ps_event_buf b;
        ps_event_buf_init(&b);
        ASSERT_EQ(ps_nmnist_packed_events(rd, i, true, &b, nullptr, &err), PS_OK) << err.message;
        EXPECT_EQ(events_of(b), want[i].ev) << "sample " << i;
        ps_event_buf_free(&b);
    }
    ps_nmnist_packed_close(rd);
}

std::vector<uint8_t> file_bytes(const std::string &path)
{
    uint8_t *raw = nullptr;
    size_t size = 0;
    ps_error err{};
    EXPECT_EQ(ps_read_file(path.c_str(), &raw, &size, &err), PS_OK) << err.message;
    std::vector<uint8_t> v(raw, raw + size);
    free(raw);
    return v;
}

TEST(Nmnist, PackerWritesVersion2ColumnsBitExact)
{
    const auto samples = mixed_samples();
    const std::string dir = make_temp_dir(), a = dir + "/a.nmnp", b = dir + "/b.nmnp";
    ps_error err{};
    // Through both entry points: events, and events in the file encoding.
    for (const std::string &path : {a, b}) {
        ps_nmnist_packer *pk = nullptr;
        ASSERT_EQ(ps_nmnist_packer_create(&pk), PS_OK);
        for (const auto &s : samples) {
            if (path == a) {
                ASSERT_EQ(ps_nmnist_packer_add(pk, &s.e, s.ev.data(), s.ev.size(), &err), PS_OK)
                    << err.message;
            } else {
                ps_bytes enc;
                ps_bytes_init(&enc);
                ASSERT_EQ(ps_nmnist_encode(s.ev.data(), s.ev.size(), &enc, &err), PS_OK);
                ASSERT_EQ(ps_nmnist_packer_add_encoded(pk, &s.e, enc.data, enc.size, &err), PS_OK)
                    << err.message;
                ps_bytes_free(&enc);
            }
        }
        ASSERT_EQ(ps_nmnist_packer_write(pk, path.c_str(), &err), PS_OK) << err.message;
        ps_nmnist_packer_destroy(pk);
    }
    const auto fa = file_bytes(a);
    EXPECT_EQ(fa, file_bytes(b));
    expect_reads(fa, samples, 2);
    // The sections are exactly the layout FORMAT.md gives (an independent
    // encoder, same bytes, same container).
    EXPECT_EQ(fa, container_bytes(v2_sections(samples), 2));
    ps_remove_tree(dir.c_str(), nullptr);
}

TEST(Nmnist, PackerRefusesBadEventsNamingTheSample)
{
    ps_nmnist_packer *pk = nullptr;
    ASSERT_EQ(ps_nmnist_packer_create(&pk), PS_OK);
    ps_error err{};
    ps_nmnist_entry e{42, 1, PS_SPLIT_TEST};
    ps_event back[] = {{10, 0, 0, 1, 0}, {9, 0, 0, 1, 0}};
    EXPECT_EQ(ps_nmnist_packer_add(pk, &e, back, 2, &err), PS_ERR_RANGE);
    EXPECT_NE(std::string(err.message).find("sample 42"), std::string::npos) << err.message;
    const uint8_t outside[] = {1, 1, 0x80, 0, 10, 34, 1, 0x80, 0, 20};
    EXPECT_NE(ps_nmnist_packer_add_encoded(pk, &e, outside, sizeof outside, &err), PS_OK);
    EXPECT_NE(std::string(err.message).find("sample 42: event 1"), std::string::npos)
        << err.message;
    ps_nmnist_packer_destroy(pk);
}

TEST(Nmnist, Version1FilesAreStillRead)
{
    const auto samples = mixed_samples();
    expect_reads(container_bytes(v1_sections(samples), 1), samples, 1);
    // Version 1 keeps its per-event checks: a bad event is refused in strict
    // mode and skipped in the default mode.
    std::vector<Sample> bad = {samples[1]};
    bad[0].ev[3].x = 40;
    const auto bytes = container_bytes(v1_sections(bad), 1);
    ps_nmnist_packed *rd = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_nmnist_packed_decode(bytes.data(), bytes.size(), "old.nmnp", &rd, &err), PS_OK);
    ps_event_buf b;
    ps_event_buf_init(&b);
    EXPECT_EQ(ps_nmnist_packed_events(rd, 0, true, &b, nullptr, &err), PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("old.nmnp[0]: event 3"), std::string::npos)
        << err.message;
    ps_event_buf_clear(&b);
    ps_event_issues is;
    ps_event_issues_clear(&is);
    ASSERT_EQ(ps_nmnist_packed_events(rd, 0, false, &b, &is, &err), PS_OK);
    EXPECT_EQ(b.count, bad[0].ev.size() - 1);
    EXPECT_EQ(is.count[PS_BAD_COORDINATE], 1u);
    ps_event_buf_free(&b);
    ps_nmnist_packed_close(rd);
    // A version 3 file is refused as newer.
    const auto v3 = container_bytes(v2_sections(samples), 3);
    EXPECT_EQ(ps_nmnist_packed_decode(v3.data(), v3.size(), "new.nmnp", &rd, &err),
              PS_ERR_VERSION);
}

// Opening must fail with PS_ERR_FORMAT and a message holding every piece.
void expect_refused(const Sections &s, const std::vector<std::string> &pieces)
{
    const auto bytes = container_bytes(s, 2);
    ps_nmnist_packed *rd = nullptr;
    ps_error err{};
    EXPECT_EQ(ps_nmnist_packed_decode(bytes.data(), bytes.size(), "bad.nmnp", &rd, &err),
              PS_ERR_FORMAT);
    EXPECT_EQ(rd, nullptr);
    for (const auto &p : pieces)
        EXPECT_NE(std::string(err.message).find(p), std::string::npos)
            << "want \"" << p << "\" in: " << err.message;
}

TEST(Nmnist, CorruptVersion2SectionsAreRefusedNamingFileSampleAndEvent)
{
    const auto samples = mixed_samples(); // 12 + 500 + 0 + 1 events
    const Sections good = v2_sections(samples);
    for (const char *col : {"t_lo", "x", "y", "p_flip"}) {
        Sections s = good;
        s[col].pop_back();
        expect_refused(s, {"bad.nmnp", std::string("section ") + col, "513 events"});
        s = good;
        s[col].push_back(0);
        expect_refused(s, {"bad.nmnp", std::string("section ") + col});
    }
    {
        Sections s = good; // a missing column
        s.list.erase(s.list.begin() + 4);
        const auto bytes = container_bytes(s, 2);
        ps_nmnist_packed *rd = nullptr;
        ps_error err{};
        EXPECT_NE(ps_nmnist_packed_decode(bytes.data(), bytes.size(), "bad.nmnp", &rd, &err), PS_OK);
        EXPECT_NE(std::string(err.message).find("bad.nmnp"), std::string::npos) << err.message;
    }
    {
        Sections s = good; // t_hi one byte long
        s["t_hi"].push_back(0);
        expect_refused(s, {"bad.nmnp", "section t_hi has"});
    }
    {
        Sections s = good; // t_hi short: the last sample's event runs off the end
        s["t_hi"].pop_back();
        expect_refused(s, {"bad.nmnp", "sample 3: event 0", "t_hi ends"});
    }
    {
        Sections s = good; // a delta of four varint bytes in sample 1, event 0
        const size_t at = v2_sections({samples[0]})["t_hi"].size();
        s["t_hi"][at] = 0x80;
        s["t_hi"].insert(s["t_hi"].begin() + (long)at + 1, {0x80, 0x80, 0x01});
        expect_refused(s, {"bad.nmnp", "sample 1: event 0", "more than 3 bytes"});
    }
    {
        // Sample 0's event 10 (2^23 - 1 us, 1 us after event 9) gets a delta
        // of 2: its timestamp no longer fits 23 bits.
        Sections s = good;
        ASSERT_EQ(s["t_lo"][10], 1);
        s["t_lo"][10] = 2;
        expect_refused(s, {"bad.nmnp", "sample 0: event 10", "timestamp 8388608 us overflows 23 bits"});
    }
    {
        Sections s = good; // unused p_flip bits set
        s["p_flip"].back() |= 0x80;
        expect_refused(s, {"bad.nmnp", "p_flip", "not zero"});
    }
    {
        // Coordinates outside 34x34 in sample 1, events 2 (x) and 5 (y): the
        // file opens; strict reading refuses naming the file, sample and
        // event, the default skips and counts.
        Sections s = good;
        s["x"][12 + 2] = 34;
        s["y"][12 + 5] = 255;
        const auto bytes = container_bytes(s, 2);
        ps_nmnist_packed *rd = nullptr;
        ps_error err{};
        ASSERT_EQ(ps_nmnist_packed_decode(bytes.data(), bytes.size(), "bad.nmnp", &rd, &err), PS_OK)
            << err.message;
        ps_event_buf b;
        ps_event_buf_init(&b);
        EXPECT_EQ(ps_nmnist_packed_events(rd, 1, true, &b, nullptr, &err), PS_ERR_FORMAT);
        EXPECT_NE(std::string(err.message).find("bad.nmnp[1]: event 2: coordinate (x 34"),
                  std::string::npos)
            << err.message;
        ps_event_buf_clear(&b);
        ps_event_issues is;
        ps_event_issues_clear(&is);
        ASSERT_EQ(ps_nmnist_packed_events(rd, 1, false, &b, &is, &err), PS_OK);
        EXPECT_EQ(b.count, 498u);
        EXPECT_EQ(is.count[PS_BAD_COORDINATE], 2u);
        EXPECT_NE(std::string(is.first).find("bad.nmnp[1]: event 2"), std::string::npos) << is.first;
        // The others keep their times and places (a polarity at the damaged
        // events' true pixels may follow the damage: it is coded against the
        // pixel's previous event).
        std::vector<ps_event> want = samples[1].ev;
        want.erase(want.begin() + 5);
        want.erase(want.begin() + 2);
        ASSERT_EQ(b.count, want.size());
        for (size_t k = 0; k < want.size(); k++) {
            EXPECT_EQ(b.ev[k].t_us, want[k].t_us);
            EXPECT_EQ(b.ev[k].x, want[k].x);
            EXPECT_EQ(b.ev[k].y, want[k].y);
        }
        ps_event_buf_clear(&b);
        ASSERT_EQ(ps_nmnist_packed_events(rd, 0, true, &b, nullptr, &err), PS_OK);
        EXPECT_EQ(events_of(b), samples[0].ev);
        ps_event_buf_free(&b);
        ps_nmnist_packed_close(rd);
    }
}

TEST(Nmnist, Version2SurvivesAnyChangedByteInItsSections)
{
    // Every byte of every section set to a few values: opening and reading
    // in both modes either works or fails with a message, never crashes.
    std::vector<Sample> samples = mixed_samples();
    samples[1].ev.resize(20);
    const Sections good = v2_sections(samples);
    size_t refused = 0, cases = 0;
    for (size_t si = 0; si < good.list.size(); si++)
        for (size_t at = 0; at < good.list[si].second.size(); at++)
            for (uint8_t v : {0x00, 0x01, 0x22, 0x7f, 0x80, 0xff}) {
                Sections s = good;
                s.list[si].second[at] = v;
                const auto bytes = container_bytes(s, 2);
                ps_nmnist_packed *rd = nullptr;
                ps_error err{};
                cases++;
                if (ps_nmnist_packed_decode(bytes.data(), bytes.size(), "f.nmnp", &rd, &err) != PS_OK) {
                    EXPECT_NE(std::string(err.message).find("f.nmnp"), std::string::npos);
                    refused++;
                    continue;
                }
                for (size_t i = 0; i < ps_nmnist_packed_count(rd); i++)
                    for (bool strict : {true, false}) {
                        ps_event_buf b;
                        ps_event_buf_init(&b);
                        ps_event_issues is;
                        ps_event_issues_clear(&is);
                        if (ps_nmnist_packed_events(rd, i, strict, &b, &is, &err) == PS_OK)
                            for (size_t k = 0; k < b.count; k++) {
                                EXPECT_LT(b.ev[k].x, 34);
                                EXPECT_LT(b.ev[k].y, 34);
                                EXPECT_LE(b.ev[k].t_us, PS_EVENT_MAX_T_US);
                                if (k) {
                                    EXPECT_GE(b.ev[k].t_us, b.ev[k - 1].t_us);
                                }
                            }
                        ps_event_buf_free(&b);
                    }
                ps_nmnist_packed_close(rd);
            }
    EXPECT_GT(refused, 0u);
    EXPECT_GT(cases, refused);
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
