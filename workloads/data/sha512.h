/* SHA-512 (FIPS 180-4) and Subresource-Integrity strings ("sha512-<base64>",
 * the form npm records for package tarballs), to check a fetched dataset. */
#ifndef PS_DATA_SHA512_H
#define PS_DATA_SHA512_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void ps_sha512(const void *data, size_t size, uint8_t digest[64]);

/* "sha512-" + base64 of the digest of data, NUL-terminated (96 bytes). */
void ps_sha512_integrity(const void *data, size_t size, char out[96]);

#ifdef __cplusplus
}
#endif

#endif
