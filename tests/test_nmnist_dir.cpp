// N-MNIST dataset directories as the dataset's zips, Tonic and SpikingJelly
// leave them: hand-made trees whose files hold hand-encoded events (.bin
// records and .npz archives of hand-built .npy arrays, stored and
// deflated), listed and read back; files are opened by the name they were
// listed with; bad archives are refused naming the file.
#include <gtest/gtest.h>
#include <zip.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/memory.h"
#include "data/nmnist_dir.h"
#include "data/npz.h"
#include "data/proc.h"
#include "fileio.h"

namespace {

struct Ev {
    uint32_t t;
    uint8_t x, y, p;
};

std::string make_temp_dir()
{
    std::string tmpl = "/tmp/ps_nmnist_dir_XXXXXX";
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    return tmpl;
}

void write_file(const std::string &path, const std::vector<uint8_t> &b)
{
    ps_error err{};
    const std::string dir = path.substr(0, path.find_last_of('/'));
    ASSERT_EQ(ps_make_dirs(dir.c_str(), &err), PS_OK) << err.message;
    ASSERT_EQ(ps_write_file_atomic(path.c_str(), b.data(), b.size(), &err), PS_OK) << err.message;
}

// The dataset's 5-byte records: x, y, p << 7 | t >> 16, t >> 8, t.
std::vector<uint8_t> bin_of(const std::vector<Ev> &ev)
{
    std::vector<uint8_t> b;
    for (const Ev &e : ev)
        b.insert(b.end(), {e.x, e.y, (uint8_t)(e.p << 7 | e.t >> 16), (uint8_t)(e.t >> 8),
                           (uint8_t)e.t});
    return b;
}

// An .npy version 1.0 image of a 1-D array, from the format's description:
// magic, version, little-endian header length, the dict padded with spaces
// to a multiple of 64 bytes and ended by '\n', then the data.
std::vector<uint8_t> npy(const char *descr, const std::vector<uint64_t> &v)
{
    const size_t item = (size_t)(descr[2] - '0'); // descr: byte order, kind, item size
    const bool big = descr[0] == '>';
    std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" +
                       std::to_string(v.size()) + ",), }";
    while ((10 + dict.size() + 1) % 64)
        dict += ' ';
    dict += '\n';
    std::string head = "\x93NUMPY";
    head += {'\x01', '\x00', (char)dict.size(), (char)(dict.size() >> 8)};
    head += dict;
    std::vector<uint8_t> b(head.begin(), head.end());
    for (uint64_t x : v)
        for (size_t k = 0; k < item; k++)
            b.push_back((uint8_t)(x >> (8 * (big ? item - 1 - k : k))));
    return b;
}

// A zip of the members (libzip), stored or deflated as np.savez and
// np.savez_compressed write them.
void write_npz(const std::string &path, const std::vector<std::pair<std::string, std::vector<uint8_t>>> &m,
               bool deflate)
{
    ps_error err{};
    const std::string dir = path.substr(0, path.find_last_of('/'));
    ASSERT_EQ(ps_make_dirs(dir.c_str(), &err), PS_OK);
    int zerr = 0;
    zip_t *z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    ASSERT_NE(z, nullptr);
    for (const auto &[name, bytes] : m) {
        zip_source_t *s = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
        ASSERT_NE(s, nullptr);
        const zip_int64_t i = zip_file_add(z, name.c_str(), s, ZIP_FL_OVERWRITE);
        ASSERT_GE(i, 0);
        ASSERT_EQ(zip_set_file_compression(z, (zip_uint64_t)i, deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0), 0);
    }
    ASSERT_EQ(zip_close(z), 0); // writes the members: their buffers must live until here
}

void write_event_npz(const std::string &path, const std::vector<Ev> &ev, bool deflate,
                     const char *descr = "<u4")
{
    std::vector<uint64_t> x, y, t, p;
    for (const Ev &e : ev)
        x.push_back(e.x), y.push_back(e.y), t.push_back(e.t), p.push_back(e.p);
    write_npz(path, {{"t.npy", npy(descr, t)}, {"x.npy", npy(descr, x)}, {"y.npy", npy(descr, y)},
                     {"p.npy", npy(descr, p)}},
              deflate);
}

std::vector<Ev> read_sample(const ps_nmnist_dir *d, size_t i, bool strict = true)
{
    ps_event_buf b;
    ps_event_buf_init(&b);
    ps_error err{};
    EXPECT_EQ(ps_nmnist_dir_events(d, i, strict, &b, nullptr, &err), PS_OK) << err.message;
    std::vector<Ev> out;
    for (size_t k = 0; k < b.count; k++)
        out.push_back({b.ev[k].t_us, b.ev[k].x, b.ev[k].y, b.ev[k].p});
    ps_event_buf_free(&b);
    return out;
}

void expect_events(const std::vector<Ev> &got, const std::vector<Ev> &want)
{
    ASSERT_EQ(got.size(), want.size());
    for (size_t k = 0; k < got.size(); k++) {
        EXPECT_EQ(got[k].t, want[k].t) << k;
        EXPECT_EQ(got[k].x, want[k].x) << k;
        EXPECT_EQ(got[k].y, want[k].y) << k;
        EXPECT_EQ(got[k].p, want[k].p) << k;
    }
}

const std::vector<Ev> kA = {{10, 1, 2, 1}, {300000, 33, 0, 0}};
const std::vector<Ev> kB = {{0, 0, 33, 0}, {7, 16, 17, 1}, {8388607, 5, 6, 1}};

TEST(NmnistDir, OpensTheFilesItListedWhateverTheirNames)
{
    const std::string root = make_temp_dir();
    write_file(root + "/Train/0/1.bin", bin_of(kA));       // no zero padding
    write_file(root + "/Train/0/00002.bin", bin_of(kB));
    write_file(root + "/Train/0/saccade_x.bin", bin_of(kB)); // no number at all
    write_file(root + "/Train/0/notes.txt", {1, 2, 3});     // not a sample
    write_file(root + "/Test/7/10.bin", bin_of(kA));
    ps_nmnist_dir *d = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_nmnist_dir_open(root.c_str(), &d, &err), PS_OK) << err.message;
    ASSERT_EQ(ps_nmnist_dir_count(d), 4u);
    // split, label, number in the name (0 for none), name
    EXPECT_EQ(std::string(ps_nmnist_dir_file(d, 0)), root + "/Train/0/saccade_x.bin");
    EXPECT_EQ(std::string(ps_nmnist_dir_file(d, 1)), root + "/Train/0/1.bin");
    EXPECT_EQ(std::string(ps_nmnist_dir_file(d, 2)), root + "/Train/0/00002.bin");
    EXPECT_EQ(ps_nmnist_dir_entry(d, 1).id, 1u);
    EXPECT_EQ(ps_nmnist_dir_entry(d, 2).id, 2u);
    EXPECT_EQ(ps_nmnist_dir_entry(d, 3).split, PS_SPLIT_TEST);
    EXPECT_EQ(ps_nmnist_dir_entry(d, 3).label, 7);
    expect_events(read_sample(d, 1), kA);
    expect_events(read_sample(d, 2), kB);
    ps_nmnist_dir_close(d);
    // A split folder given directly: its label folders, split "none".
    ASSERT_EQ(ps_nmnist_dir_open((root + "/Test").c_str(), &d, &err), PS_OK);
    ASSERT_EQ(ps_nmnist_dir_count(d), 1u);
    EXPECT_EQ(ps_nmnist_dir_entry(d, 0).split, PS_SPLIT_NONE);
    ps_nmnist_dir_close(d);
    EXPECT_EQ(ps_nmnist_dir_open((root + "/missing").c_str(), &d, &err), PS_ERR_NOT_FOUND);
    EXPECT_NE(std::string(err.message).find(root + "/missing"), std::string::npos);
    write_file(root + "/empty/readme.txt", {1});
    EXPECT_EQ(ps_nmnist_dir_open((root + "/empty").c_str(), &d, &err), PS_ERR_NOT_FOUND);
    EXPECT_NE(std::string(err.message).find("events_np"), std::string::npos) << err.message;
    ps_remove_tree(root.c_str(), nullptr);
}

TEST(NmnistDir, ReadsTonicsSaveToFolder)
{
    // tonic.datasets.NMNIST(save_to=ROOT): ROOT/NMNIST/Train|Test/<digit>/*.bin
    const std::string root = make_temp_dir();
    write_file(root + "/NMNIST/Train/4/00003.bin", bin_of(kB));
    write_file(root + "/NMNIST/Test/9/00001.bin", bin_of(kA));
    write_file(root + "/NMNIST/train.zip", {'P', 'K'});
    ps_nmnist_dir *d = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_nmnist_dir_open(root.c_str(), &d, &err), PS_OK) << err.message;
    ASSERT_EQ(ps_nmnist_dir_count(d), 2u);
    EXPECT_EQ(std::string(ps_nmnist_dir_base(d, PS_SPLIT_TRAIN)), root + "/NMNIST/Train");
    EXPECT_EQ(ps_nmnist_dir_entry(d, 0).label, 4);
    EXPECT_EQ(ps_nmnist_dir_entry(d, 1).label, 9);
    expect_events(read_sample(d, 0), kB);
    expect_events(read_sample(d, 1), kA);
    ps_nmnist_dir_close(d);
    ps_remove_tree(root.c_str(), nullptr);
}

TEST(NmnistDir, ReadsSpikingJellysExtractedAndEventsNpLayouts)
{
    // SpikingJelly's NMNIST(root=ROOT): download/Train.zip, extract/Train|Test/<digit>/*.bin,
    // events_np/train|test/<digit>/*.npz (np.savez_compressed by default).
    const std::string root = make_temp_dir();
    write_event_npz(root + "/events_np/train/2/00004.npz", kA, true);
    write_event_npz(root + "/events_np/train/2/00011.npz", kB, false);
    write_event_npz(root + "/events_np/test/5/00001.npz", kB, true, ">i8");
    ps_nmnist_dir *d = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_nmnist_dir_open(root.c_str(), &d, &err), PS_OK) << err.message;
    ASSERT_EQ(ps_nmnist_dir_count(d), 3u);
    EXPECT_EQ(std::string(ps_nmnist_dir_base(d, PS_SPLIT_TEST)), root + "/events_np/test");
    EXPECT_EQ(ps_nmnist_dir_entry(d, 0).id, 4u);
    EXPECT_EQ(ps_nmnist_dir_entry(d, 0).label, 2);
    EXPECT_EQ(ps_nmnist_dir_entry(d, 2).split, PS_SPLIT_TEST);
    expect_events(read_sample(d, 0), kA); // deflated
    expect_events(read_sample(d, 1), kB); // stored
    expect_events(read_sample(d, 2), kB); // big-endian int64
    ps_nmnist_dir_close(d);
    // With the extracted .bin tree beside it, that one (the original files) is read.
    write_file(root + "/extract/Train/2/00004.bin", bin_of(kB));
    ASSERT_EQ(ps_nmnist_dir_open(root.c_str(), &d, &err), PS_OK) << err.message;
    ASSERT_EQ(ps_nmnist_dir_count(d), 1u);
    expect_events(read_sample(d, 0), kB);
    ps_nmnist_dir_close(d);
    // events_np itself as the root
    ASSERT_EQ(ps_nmnist_dir_open((root + "/events_np").c_str(), &d, &err), PS_OK) << err.message;
    EXPECT_EQ(ps_nmnist_dir_count(d), 3u);
    ps_nmnist_dir_close(d);
    ps_remove_tree(root.c_str(), nullptr);
}

TEST(NmnistDir, BadNpzFilesAreRefusedNamingFileAndArray)
{
    const std::string root = make_temp_dir();
    const std::string f = root + "/s.npz";
    ps_event_buf b;
    ps_event_buf_init(&b);
    ps_error err{};
    auto refused = [&](const std::string &piece) {
        err = {};
        ps_event_buf_clear(&b);
        EXPECT_NE(ps_nmnist_read_npz(f.c_str(), true, &b, nullptr, &err), PS_OK) << piece;
        EXPECT_NE(std::string(err.message).find(f), std::string::npos) << err.message;
        EXPECT_NE(std::string(err.message).find(piece), std::string::npos) << err.message;
    };
    write_file(f, {'n', 'o', 't', ' ', 'z', 'i', 'p'});
    refused("not a readable .npz");
    const std::vector<uint8_t> x = npy("<u2", {1, 2});
    write_npz(f, {{"x.npy", x}, {"y.npy", x}, {"t.npy", x}}, false);
    refused("p.npy: no such array");
    write_npz(f, {{"x.npy", x}, {"y.npy", x}, {"t.npy", x}, {"p.npy", npy("<u2", {1})}}, false);
    refused("arrays of 2 (x) and 1 (p) events");
    write_npz(f, {{"x.npy", x}, {"y.npy", x}, {"t.npy", x}, {"p.npy", npy("<u2", {1, 2})}}, false);
    refused("event 1: polarity 2");
    std::vector<uint8_t> fl = npy("<u4", {1, 2});
    fl[10 + 12] = 'f'; // "{'descr': '<f4'"
    write_npz(f, {{"x.npy", fl}, {"y.npy", x}, {"t.npy", x}, {"p.npy", x}}, false);
    refused("x.npy: only integer arrays");
    std::vector<uint8_t> cut = npy("<u4", {1, 2});
    cut.pop_back();
    write_npz(f, {{"x.npy", cut}, {"y.npy", x}, {"t.npy", x}, {"p.npy", x}}, false);
    refused("needs 8 data bytes, the array has 7");
    // t above the format's 23 bits; a coordinate outside 34x34 is decode's (strict: refused)
    write_npz(f, {{"x.npy", x}, {"y.npy", x}, {"t.npy", npy("<u4", {1, 1u << 23})},
                  {"p.npy", npy("<u1", {0, 1})}},
              false);
    refused("event 1: timestamp 8388608 us");
    write_npz(f, {{"x.npy", npy("<u1", {3, 34})}, {"y.npy", x}, {"t.npy", x},
                  {"p.npy", npy("<u1", {0, 1})}},
              false);
    refused("event 1");
    err = {};
    ps_event_issues is;
    ps_event_issues_clear(&is);
    ps_event_buf_clear(&b);
    ASSERT_EQ(ps_nmnist_read_npz(f.c_str(), false, &b, &is, &err), PS_OK) << err.message;
    EXPECT_EQ(b.count, 1u); // the bad one skipped and counted
    EXPECT_EQ(is.count[PS_BAD_COORDINATE], 1u);
    // A member declaring more than the memory budget is refused before it is read.
    write_npz(f, {{"x.npy", npy("<u4", std::vector<uint64_t>(1000, 1))}, {"y.npy", x},
                  {"t.npy", x}, {"p.npy", x}},
              true);
    ps_memory_set_limit_bytes(1000);
    refused("x.npy: its declared 4128 bytes would allocate about");
    ps_memory_set_limit_bytes(0);
    ps_event_buf_free(&b);
    ps_remove_tree(root.c_str(), nullptr);
}

} // namespace
