// IDX files: round trips in memory and on disk (plain and .gz), the
// standard file-name variants, and every corrupt-header case.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "data/idx.h"
#include "data/proc.h"
#include "fileio.h"

namespace {

std::string make_temp_dir()
{
    std::string tmpl = "/tmp/ps_idx_XXXXXX";
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    return tmpl;
}

TEST(Idx, EncodesTheHeaderByHand)
{
    uint8_t data[6] = {1, 2, 3, 4, 5, 6};
    ps_idx_array a{2, {2, 3}, data, 6};
    ps_bytes b;
    ps_bytes_init(&b);
    ASSERT_EQ(ps_idx_encode(&a, &b), PS_OK);
    const std::vector<uint8_t> expect = {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6};
    EXPECT_EQ(std::vector<uint8_t>(b.data, b.data + b.size), expect);
    ps_idx_array back;
    ASSERT_EQ(ps_idx_decode(b.data, b.size, "mem", &back, nullptr), PS_OK);
    EXPECT_EQ(back.ndim, 2u);
    EXPECT_EQ(back.dims[0], 2u);
    EXPECT_EQ(back.dims[1], 3u);
    EXPECT_EQ(std::vector<uint8_t>(back.data, back.data + back.size),
              std::vector<uint8_t>(data, data + 6));
    ps_idx_free(&back);
    ps_bytes_free(&b);
}

TEST(Idx, RefusesCorruptHeaders)
{
    struct Case {
        std::vector<uint8_t> bytes;
        ps_status status;
        const char *words;
    };
    const std::vector<Case> cases = {
        {{0, 0, 8}, PS_ERR_TRUNCATED, "too short"},
        {{1, 0, 8, 1, 0, 0, 0, 1, 7}, PS_ERR_FORMAT, "magic"},
        {{0, 0, 0x0d, 1, 0, 0, 0, 1, 7}, PS_ERR_FORMAT, "data type"},
        {{0, 0, 8, 0}, PS_ERR_FORMAT, "0 dimensions"},
        {{0, 0, 8, 9}, PS_ERR_FORMAT, "9 dimensions"},
        {{0, 0, 8, 2, 0, 0, 0}, PS_ERR_TRUNCATED, "inside the IDX header"},
        {{0, 0, 8, 1, 0, 0, 0, 3, 7, 7}, PS_ERR_TRUNCATED, "promises 3"},
        {{0, 0, 8, 1, 0, 0, 0, 1, 7, 7}, PS_ERR_FORMAT, "1 bytes after"},
        {{0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
         PS_ERR_FORMAT, "overflow"}, // (2^32 - 1)^3 bytes exceeds 64 bits
        {{0, 0, 8, 2, 0, 1, 0, 0, 0, 1, 0, 0}, PS_ERR_TRUNCATED, "promises 4294967296"},
    };
    for (const auto &c : cases) {
        ps_idx_array a;
        ps_error err{};
        EXPECT_EQ(ps_idx_decode(c.bytes.data(), c.bytes.size(), "x/train-images", &a, &err),
                  c.status)
            << c.words;
        EXPECT_NE(std::string(err.message).find("x/train-images"), std::string::npos) << err.message;
        EXPECT_NE(std::string(err.message).find(c.words), std::string::npos) << err.message;
        EXPECT_EQ(a.data, nullptr);
    }
}

ps_image_set tiny_set(size_t n)
{
    ps_image_set s{};
    s.count = n;
    s.rows = 28;
    s.cols = 28;
    s.images = static_cast<uint8_t *>(std::malloc(n * 784));
    s.labels = static_cast<uint8_t *>(std::malloc(n));
    for (size_t i = 0; i < n * 784; i++)
        s.images[i] = (uint8_t)(i * 31 + 7);
    for (size_t i = 0; i < n; i++)
        s.labels[i] = (uint8_t)(i % 10);
    return s;
}

TEST(Idx, ImageSetRoundTripOnDiskIncludingGzip)
{
    const std::string dir = make_temp_dir();
    ps_image_set s = tiny_set(12);
    ps_error err{};
    ASSERT_EQ(ps_image_set_save(dir.c_str(), "t10k", &s, &err), PS_OK) << err.message;
    ASSERT_EQ(ps_image_set_save(dir.c_str(), "train", &s, &err), PS_OK) << err.message;
    // The header of the file written: count 12, 28 x 28.
    uint8_t *raw = nullptr;
    size_t size = 0;
    ASSERT_EQ(ps_read_file((dir + "/t10k-images-idx3-ubyte").c_str(), &raw, &size, &err), PS_OK);
    ASSERT_EQ(size, 16u + 12 * 784);
    EXPECT_EQ(raw[3], 3);
    EXPECT_EQ(raw[7], 12);
    EXPECT_EQ(raw[11], 28);
    free(raw);
    ps_image_set back{};
    ASSERT_EQ(ps_image_set_load(dir.c_str(), "t10k", &back, &err), PS_OK) << err.message;
    EXPECT_EQ(back.count, 12u);
    EXPECT_EQ(std::vector<uint8_t>(back.images, back.images + 12 * 784),
              std::vector<uint8_t>(s.images, s.images + 12 * 784));
    EXPECT_EQ(std::vector<uint8_t>(back.labels, back.labels + 12),
              std::vector<uint8_t>(s.labels, s.labels + 12));
    ps_image_set_free(&back);
    // Gzipped files under the standard names, as distributions ship them.
    ASSERT_EQ(std::system(("gzip " + dir + "/train-images-idx3-ubyte " + dir +
                           "/train-labels-idx1-ubyte").c_str()),
              0);
    ASSERT_EQ(ps_image_set_load(dir.c_str(), "train", &back, &err), PS_OK) << err.message;
    EXPECT_EQ(back.count, 12u);
    EXPECT_EQ(back.images[100], s.images[100]);
    ps_image_set_free(&back);
    ps_image_set_free(&s);
    ps_remove_tree(dir.c_str(), nullptr);
}

TEST(Idx, ImageSetErrorsNameTheFile)
{
    const std::string dir = make_temp_dir();
    ps_error err{};
    ps_image_set back{};
    EXPECT_EQ(ps_image_set_load((dir + "/absent").c_str(), "t10k", &back, &err), PS_ERR_NOT_FOUND);
    EXPECT_NE(std::string(err.message).find("no such directory"), std::string::npos);
    EXPECT_EQ(ps_image_set_load(dir.c_str(), "t10k", &back, &err), PS_ERR_NOT_FOUND);
    EXPECT_NE(std::string(err.message).find("t10k-images-idx3-ubyte"), std::string::npos);
    // A label above 9.
    ps_image_set s = tiny_set(3);
    s.labels[2] = 11;
    ASSERT_EQ(ps_image_set_save(dir.c_str(), "t10k", &s, &err), PS_OK);
    EXPECT_EQ(ps_image_set_load(dir.c_str(), "t10k", &back, &err), PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("label 2 is 11"), std::string::npos) << err.message;
    // A corrupt header in the images file.
    const uint8_t junk[] = {0x1f, 0x8b, 8, 3, 0, 0, 0, 1};
    ASSERT_EQ(ps_write_file_atomic((dir + "/t10k-images-idx3-ubyte").c_str(), junk, sizeof junk,
                                   &err),
              PS_OK);
    EXPECT_EQ(ps_image_set_load(dir.c_str(), "t10k", &back, &err), PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("corrupt IDX header"), std::string::npos) << err.message;
    ps_image_set_free(&s);
    ps_remove_tree(dir.c_str(), nullptr);
}

} // namespace
