// The seam between Swift and libjpeg-turbo. libjpeg reports fatal errors through a longjmp
// from its error_exit callback, which Swift cannot catch; these functions catch it in C and
// return a status code with the library's message instead. Nothing is printed to stderr.
#ifndef CWAYCUE_JPEG_H
#define CWAYCUE_JPEG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result codes of the shim functions.
enum {
    WCJPEG_OK = 0,
    WCJPEG_ERROR = 1,        ///< libjpeg rejected the data; `message` holds its reason.
    WCJPEG_TOO_LARGE = 2,    ///< the header claims more pixels than the caller allows.
    WCJPEG_NO_MEMORY = 3,
};

/// Header facts of a JPEG stream.
typedef struct {
    int width;
    int height;
    int components;      ///< components in the file (1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK)
} wcjpeg_info;

/// Reads only the header. `message` receives up to `message_len` bytes of error text.
int wcjpeg_read_header(const uint8_t *data, size_t len, wcjpeg_info *info,
                       char *message, size_t message_len);

/// Decodes `data` to 8-bit pixels with `out_components` channels (1 = grey, 3 = RGB) into
/// `out`, whose row stride is `out_stride` bytes and which must hold `height * out_stride`
/// bytes. `scale_denom` (1, 2, 4 or 8) makes libjpeg decode at that fraction of the size in
/// the DCT domain; the output is then ceil(width / scale_denom) x ceil(height / scale_denom).
/// Refuses images whose header size is above `max_pixels` before libjpeg allocates any image
/// buffer, and images whose header differs from `expected_width` x `expected_height`. CMYK and YCCK
/// files are converted to RGB (or grey) here. `warnings` receives the number of corrupt-data
/// warnings libjpeg reported (a truncated file decodes with grey padding and a warning; the
/// caller decides whether that is fatal) and `message` the text of the first one.
int wcjpeg_decode(const uint8_t *data, size_t len, int out_components, int scale_denom,
                  uint8_t *out, size_t out_stride, int expected_width, int expected_height,
                  uint64_t max_pixels, int *warnings, char *message, size_t message_len);

/// Encodes 8-bit pixels (`components` 1 or 3) at `quality` (1-100), progressive when
/// `progressive` is non-zero. On success `*out` is a malloc'd buffer of `*out_len` bytes that
/// the caller releases with `wcjpeg_free`.
int wcjpeg_encode(const uint8_t *pixels, int width, int height, size_t stride, int components,
                  int quality, int progressive, uint8_t **out, size_t *out_len,
                  char *message, size_t message_len);

/// Releases a buffer returned by `wcjpeg_encode`.
void wcjpeg_free(void *buffer);

#ifdef __cplusplus
}
#endif
#endif
