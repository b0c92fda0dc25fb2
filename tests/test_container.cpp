// The file container: round trips, and every kind of damaged file —
// truncated at any length, any single bit flipped, wrong magic or kind,
// newer versions — refused with a clear message, never a crash.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bytes.h"
#include "common/rng.h"
#include "container.h"

namespace {

struct Encoded {
    std::vector<uint8_t> bytes;
};

Encoded encode(const std::vector<std::pair<std::string, std::vector<uint8_t>>> &sections,
               const char *kind = "TEST", uint16_t content_version = 1)
{
    ps_container_writer *w = nullptr;
    EXPECT_EQ(ps_container_writer_create(kind, content_version, &w), PS_OK);
    for (const auto &s : sections)
        EXPECT_EQ(ps_container_add(w, s.first.c_str(), s.second.data(), s.second.size(), nullptr), PS_OK);
    uint8_t *data = nullptr;
    size_t size = 0;
    EXPECT_EQ(ps_container_encode(w, 3, &data, &size, nullptr), PS_OK);
    Encoded e{std::vector<uint8_t>(data, data + size)};
    std::free(data);
    ps_container_writer_destroy(w);
    return e;
}

ps_status decode(const std::vector<uint8_t> &bytes, std::string *message = nullptr,
                 const char *kind = "TEST", uint16_t max_version = 1)
{
    ps_container *c = nullptr;
    ps_error err{};
    ps_status s = ps_container_decode(bytes.data(), bytes.size(), "f.bin", kind, max_version, &c, &err);
    if (message)
        *message = err.message;
    EXPECT_EQ(s == PS_OK, c != nullptr);
    ps_container_close(c);
    return s;
}

std::vector<uint8_t> sample_payload(size_t n, uint64_t seed)
{
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; i++)
        v[i] = (uint8_t)(i % 7 == 0 ? ps_rng_u64(seed, 0, i) : i / 13);
    return v;
}

// Rewrites a header field and its CRC, as a newer or foreign writer would.
void patch_u16(std::vector<uint8_t> &bytes, size_t offset, uint16_t value)
{
    ps_store_u16(bytes.data() + offset, value);
    ps_store_u32(bytes.data() + 44, ps_crc32(bytes.data(), 44));
}

} // namespace

TEST(Container, RoundTripsSections)
{
    const auto a = sample_payload(1000, 1), b = sample_payload(3, 2), big = sample_payload(1 << 20, 3);
    const Encoded e = encode({{"alpha", a}, {"b", b}, {"empty", {}}, {"big", big}});
    ps_container *c = nullptr;
    ASSERT_EQ(ps_container_decode(e.bytes.data(), e.bytes.size(), "x", "TEST", 1, &c, nullptr), PS_OK);
    const ps_container_info info = ps_container_get_info(c);
    EXPECT_STREQ(info.kind, "TEST");
    EXPECT_EQ(info.content_version, 1);
    EXPECT_EQ(info.container_version, PS_CONTAINER_VERSION);
    EXPECT_EQ(info.section_count, 4u);
    EXPECT_EQ(info.file_bytes, e.bytes.size());
    const std::vector<std::pair<const char *, const std::vector<uint8_t> *>> expect = {
        {"alpha", &a}, {"b", &b}, {"big", &big}};
    for (const auto &[name, want] : expect) {
        const void *data;
        size_t size;
        ASSERT_EQ(ps_container_section(c, name, &data, &size, nullptr), PS_OK) << name;
        ASSERT_EQ(size, want->size());
        EXPECT_EQ(std::memcmp(data, want->data(), size), 0) << name;
        EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 8, 0u) << name << " is 8-byte aligned";
    }
    const void *data;
    size_t size;
    EXPECT_EQ(ps_container_section(c, "empty", &data, &size, nullptr), PS_OK);
    EXPECT_EQ(size, 0u);
    ps_error err{};
    EXPECT_EQ(ps_container_section(c, "nope", &data, &size, &err), PS_ERR_NOT_FOUND);
    EXPECT_STREQ(err.message, "no section 'nope'");
    EXPECT_STREQ(ps_container_section_name(c, 1), "b");
    EXPECT_EQ(ps_container_section_size(c, 3), big.size());
    EXPECT_EQ(ps_container_section_name(c, 4), nullptr);
    ps_container_close(c);
}

TEST(Container, ZeroSectionsIsValid)
{
    EXPECT_EQ(decode(encode({}).bytes), PS_OK);
}

TEST(Container, WriterRefusesBadNames)
{
    ps_container_writer *w = nullptr;
    ASSERT_EQ(ps_container_writer_create("TEST", 1, &w), PS_OK);
    uint8_t x = 1;
    EXPECT_EQ(ps_container_add(w, "", &x, 1, nullptr), PS_ERR_INVALID_ARG);
    EXPECT_EQ(ps_container_add(w, std::string(32, 'n').c_str(), &x, 1, nullptr), PS_ERR_INVALID_ARG);
    EXPECT_EQ(ps_container_add(w, std::string(31, 'n').c_str(), &x, 1, nullptr), PS_OK);
    ps_error err{};
    EXPECT_EQ(ps_container_add(w, "a", &x, 1, nullptr), PS_OK);
    EXPECT_EQ(ps_container_add(w, "a", &x, 1, &err), PS_ERR_INVALID_ARG);
    EXPECT_STREQ(err.message, "section 'a' added twice");
    ps_container_writer_destroy(w);
    EXPECT_EQ(ps_container_writer_create("TOOLONG", 1, &w), PS_ERR_INVALID_ARG);
    ps_container_writer_destroy(nullptr);
}

TEST(Container, EveryTruncationIsRefused)
{
    const Encoded e = encode({{"weights", sample_payload(2000, 4)}, {"meta", sample_payload(40, 5)}});
    for (size_t len = 0; len < e.bytes.size(); len++) {
        std::vector<uint8_t> cut(e.bytes.begin(), e.bytes.begin() + len);
        std::string msg;
        const ps_status s = decode(cut, &msg);
        EXPECT_EQ(s, PS_ERR_TRUNCATED) << "length " << len << ": " << msg;
        EXPECT_NE(msg.find("f.bin: truncated"), std::string::npos) << msg;
    }
}

TEST(Container, EverySingleBitFlipIsRefused)
{
    const Encoded e = encode({{"weights", sample_payload(300, 6)}, {"meta", sample_payload(20, 7)}});
    for (size_t byte = 0; byte < e.bytes.size(); byte++) {
        for (int bit = 0; bit < 8; bit++) {
            std::vector<uint8_t> bad = e.bytes;
            bad[byte] ^= (uint8_t)(1u << bit);
            std::string msg;
            const ps_status s = decode(bad, &msg);
            EXPECT_NE(s, PS_OK) << "flip at byte " << byte << " bit " << bit;
            EXPECT_FALSE(msg.empty());
        }
    }
}

TEST(Container, TrailingBytesAreRefused)
{
    Encoded e = encode({{"a", sample_payload(10, 8)}});
    e.bytes.push_back(0);
    std::string msg;
    EXPECT_EQ(decode(e.bytes, &msg), PS_ERR_FORMAT);
    EXPECT_EQ(msg, "f.bin: corrupt: 1 unexpected bytes after the frame");
}

TEST(Container, ForeignFilesAreRefused)
{
    std::string msg;
    std::vector<uint8_t> text(100, 'x');
    EXPECT_EQ(decode(text, &msg), PS_ERR_FOREIGN);
    EXPECT_EQ(msg, "f.bin: not a primesim file (no 'PSIM' magic)");
    Encoded e = encode({{"a", sample_payload(10, 9)}}, "NMNP");
    EXPECT_EQ(decode(e.bytes, &msg, "PWL_"), PS_ERR_FOREIGN);
    EXPECT_EQ(msg, "f.bin: holds 'NMNP' content, expected 'PWL_'");
    EXPECT_EQ(decode(e.bytes, &msg, nullptr), PS_OK); // any kind accepted
    EXPECT_EQ(decode({}, &msg), PS_ERR_TRUNCATED);
}

TEST(Container, NewerVersionsAreRefused)
{
    Encoded e = encode({{"a", sample_payload(10, 10)}}, "TEST", 3);
    std::string msg;
    EXPECT_EQ(decode(e.bytes, &msg, "TEST", 2), PS_ERR_VERSION);
    EXPECT_EQ(msg, "f.bin: 'TEST' format version 3 is newer than this build reads (2); update primesim");
    EXPECT_EQ(decode(e.bytes, &msg, "TEST", 3), PS_OK);
    patch_u16(e.bytes, 8, PS_CONTAINER_VERSION + 1);
    EXPECT_EQ(decode(e.bytes, &msg, "TEST", 3), PS_ERR_VERSION);
    EXPECT_NE(msg.find("container format version 2 is newer"), std::string::npos) << msg;
}

TEST(Container, FilesAreWrittenAtomicallyAndReadBack)
{
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("primesim_container_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string path = (dir / "w.pwl").string();
    ps_container_writer *w = nullptr;
    ASSERT_EQ(ps_container_writer_create("TEST", 1, &w), PS_OK);
    const auto a = sample_payload(5000, 11);
    ASSERT_EQ(ps_container_add(w, "a", a.data(), a.size(), nullptr), PS_OK);
    ASSERT_EQ(ps_container_write(w, path.c_str(), 0, nullptr), PS_OK);
    ps_container_writer_destroy(w);
    int files = 0;
    for (const auto &entry : fs::directory_iterator(dir))
        files += entry.is_regular_file();
    EXPECT_EQ(files, 1) << "no temporary file left behind";
    ps_container *c = nullptr;
    ASSERT_EQ(ps_container_open(path.c_str(), "TEST", 1, &c, nullptr), PS_OK);
    ps_container_close(c);
    ps_error err{};
    EXPECT_EQ(ps_container_open((dir / "missing.pwl").string().c_str(), "TEST", 1, &c, &err), PS_ERR_NOT_FOUND);
    EXPECT_NE(std::string(err.message).find("missing.pwl: cannot open"), std::string::npos);
    // A write into a directory that does not exist fails and leaves nothing.
    ASSERT_EQ(ps_container_writer_create("TEST", 1, &w), PS_OK);
    EXPECT_EQ(ps_container_write(w, (dir / "no/such/dir.pwl").string().c_str(), 0, &err), PS_ERR_IO);
    ps_container_writer_destroy(w);
    fs::remove_all(dir);
}

TEST(Bytes, WriterAndReaderAgreeAndBoundsHold)
{
    ps_bytes b;
    ps_bytes_init(&b);
    ps_bytes_put_u8(&b, 0xab);
    ps_bytes_put_u16(&b, 0x1234);
    ps_bytes_put_u32(&b, 0xdeadbeef);
    ps_bytes_put_u64(&b, 0x0123456789abcdefull);
    ps_bytes_put_f32(&b, 1.5f);
    ps_bytes_put_f64(&b, -2.25);
    ps_bytes_put_str(&b, "hi");
    ASSERT_EQ(b.status, PS_OK);
    // Little-endian on disk: the u16 0x1234 is stored 34 12.
    EXPECT_EQ(b.data[1], 0x34);
    EXPECT_EQ(b.data[2], 0x12);
    EXPECT_EQ(b.size, 1u + 2 + 4 + 8 + 4 + 8 + 4 + 2);
    ps_reader r = ps_reader_of(b.data, b.size);
    EXPECT_EQ(ps_reader_u8(&r), 0xab);
    EXPECT_EQ(ps_reader_u16(&r), 0x1234);
    EXPECT_EQ(ps_reader_u32(&r), 0xdeadbeefu);
    EXPECT_EQ(ps_reader_u64(&r), 0x0123456789abcdefull);
    EXPECT_EQ(ps_reader_f32(&r), 1.5f);
    EXPECT_EQ(ps_reader_f64(&r), -2.25);
    char s[8];
    ps_reader_str(&r, s, sizeof s);
    EXPECT_STREQ(s, "hi");
    EXPECT_FALSE(r.overrun);
    EXPECT_EQ(ps_reader_u32(&r), 0u);
    EXPECT_TRUE(r.overrun);
    ps_bytes_pad(&b, 8);
    EXPECT_EQ(b.size % 8, 0u);
    ps_bytes_free(&b);
}

// CRC-32 check value of "123456789" (the standard CRC catalogue entry).
TEST(Bytes, Crc32CheckValue) { EXPECT_EQ(ps_crc32("123456789", 9), 0xCBF43926u); }
