/* A libFuzzer custom mutator for primesim containers (workloads/FORMAT.md).
 * Byte flips in a zstd frame mostly decompress to nothing or fail the
 * checksums, which would keep the fuzzer at the container's door. So most
 * mutations decompress the payload, mutate it (section table and sections
 * alike), compress it again and reseal the header (sizes, both CRCs): the
 * section readers see mutated content inside a container that verifies.
 * The rest mutate the file's bytes as they are, half of them resealed, so
 * the header and frame checks are fuzzed too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "bytes.h"
#include "container.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#define MAX_PAYLOAD_BYTES (1u << 20)

/* The CRCs over the frame and the header, as a writer sets them. */
static void reseal(uint8_t *data, size_t size)
{
    if (size < PS_CONTAINER_HEADER_BYTES)
        return;
    ps_store_u32(data + 36, ps_crc32(data + PS_CONTAINER_HEADER_BYTES,
                                     size - PS_CONTAINER_HEADER_BYTES));
    ps_store_u32(data + 44, ps_crc32(data, 44));
}

/* Mutates the decompressed payload; 0 if the input is no container to do it on. */
static size_t mutate_payload(uint8_t *data, size_t size, size_t max_size)
{
    if (size <= PS_CONTAINER_HEADER_BYTES || memcmp(data, PS_CONTAINER_MAGIC, 4) != 0)
        return 0;
    const uint8_t *frame = data + PS_CONTAINER_HEADER_BYTES;
    const size_t frame_size = size - PS_CONTAINER_HEADER_BYTES;
    const unsigned long long content = ZSTD_getFrameContentSize(frame, frame_size);
    if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN ||
        content > MAX_PAYLOAD_BYTES)
        return 0;
    uint8_t *payload = malloc(MAX_PAYLOAD_BYTES);
    size_t n = payload ? ZSTD_decompress(payload, MAX_PAYLOAD_BYTES, frame, frame_size) : 0;
    if (!payload || ZSTD_isError(n)) {
        free(payload);
        return 0;
    }
    n = LLVMFuzzerMutate(payload, n, MAX_PAYLOAD_BYTES);
    const size_t bound = ZSTD_compressBound(n);
    uint8_t *out = malloc(PS_CONTAINER_HEADER_BYTES + bound);
    size_t compressed = 0;
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    if (out && cctx) {
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
        compressed = ZSTD_compress2(cctx, out + PS_CONTAINER_HEADER_BYTES, bound, payload, n);
    }
    ZSTD_freeCCtx(cctx);
    free(payload);
    size_t total = 0;
    if (out && !ZSTD_isError(compressed) && compressed > 0 &&
        PS_CONTAINER_HEADER_BYTES + compressed <= max_size) {
        memcpy(out, data, PS_CONTAINER_HEADER_BYTES); /* kind, versions, section count */
        ps_store_u64(out + 16, n);
        ps_store_u64(out + 24, compressed);
        total = PS_CONTAINER_HEADER_BYTES + compressed;
        memcpy(data, out, total);
        reseal(data, total);
    }
    free(out);
    return total;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    if (seed % 4 != 0) {
        const size_t n = mutate_payload(data, size, max_size);
        if (n)
            return n;
    }
    size = LLVMFuzzerMutate(data, size, max_size);
    if (seed & 4)
        reseal(data, size);
    return size;
}
