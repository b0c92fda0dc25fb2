/* MD5 (RFC 1321), only to check downloaded files against the digests their
 * publishers list (LeCun's MNIST files are known by MD5). Not for security:
 * the tarball that carries them is checked with SHA-512 first. */
#ifndef PS_DATA_MD5_H
#define PS_DATA_MD5_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void ps_md5(const void *data, size_t size, uint8_t digest[16]);

/* The digest as 32 lower-case hex digits, NUL-terminated (33 bytes). */
void ps_md5_hex(const void *data, size_t size, char out[33]);

#ifdef __cplusplus
}
#endif

#endif
