#include "CWayCueJPEG.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

// Error manager: fatal errors longjmp back to the shim function; warnings are counted and
// the first one's text is kept; nothing is ever printed.
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    int warnings;
    char *message;
    size_t message_len;
} wc_error_mgr;

static void wc_error_exit(j_common_ptr cinfo) {
    wc_error_mgr *err = (wc_error_mgr *)cinfo->err;
    if (err->message && err->message_len > 0) {
        char buffer[JMSG_LENGTH_MAX];
        (*cinfo->err->format_message)(cinfo, buffer);
        snprintf(err->message, err->message_len, "%s", buffer);
    }
    longjmp(err->jump, 1);
}

static void wc_emit_message(j_common_ptr cinfo, int level) {
    wc_error_mgr *err = (wc_error_mgr *)cinfo->err;
    if (level < 0) {
        err->warnings += 1;
        if (err->warnings == 1 && err->message && err->message_len > 0) {
            char buffer[JMSG_LENGTH_MAX];
            (*cinfo->err->format_message)(cinfo, buffer);
            snprintf(err->message, err->message_len, "%s", buffer);
        }
    }
}

static void wc_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void wc_setup_errors(wc_error_mgr *err, char *message, size_t message_len) {
    jpeg_std_error(&err->base);
    err->base.error_exit = wc_error_exit;
    err->base.emit_message = wc_emit_message;
    err->base.output_message = wc_output_message;
    err->warnings = 0;
    err->message = message;
    err->message_len = message_len;
    if (message && message_len) message[0] = 0;
}

static void wc_set_message(char *message, size_t message_len, const char *text) {
    if (message && message_len) snprintf(message, message_len, "%s", text);
}

int wcjpeg_read_header(const uint8_t *data, size_t len, wcjpeg_info *info,
                       char *message, size_t message_len) {
    struct jpeg_decompress_struct cinfo;
    wc_error_mgr err;
    memset(&cinfo, 0, sizeof cinfo);
    wc_setup_errors(&err, message, message_len);
    cinfo.err = &err.base;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return WCJPEG_ERROR;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    info->width = (int)cinfo.image_width;
    info->height = (int)cinfo.image_height;
    info->components = cinfo.num_components;
    jpeg_destroy_decompress(&cinfo);
    return WCJPEG_OK;
}

// Converts one CMYK row (as libjpeg delivers it; Adobe files store inverted values) to RGB
// or grey.
static void wc_cmyk_row(const uint8_t *cmyk, uint8_t *out, int width, int out_components,
                        int inverted) {
    for (int x = 0; x < width; x++) {
        unsigned c = cmyk[4 * x], m = cmyk[4 * x + 1], y = cmyk[4 * x + 2], k = cmyk[4 * x + 3];
        if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
        // With inverted storage, R = (255 - C') * (255 - K') / 255 = c * k / 255.
        unsigned r = (c * k + 127) / 255, g = (m * k + 127) / 255, b = (y * k + 127) / 255;
        if (out_components == 3) {
            out[3 * x] = (uint8_t)r;
            out[3 * x + 1] = (uint8_t)g;
            out[3 * x + 2] = (uint8_t)b;
        } else {
            out[x] = (uint8_t)((77 * r + 150 * g + 29 * b + 128) >> 8);
        }
    }
}

int wcjpeg_decode(const uint8_t *data, size_t len, int out_components, int scale_denom,
                  uint8_t *out, size_t out_stride, int expected_width, int expected_height,
                  uint64_t max_pixels, int *warnings, char *message, size_t message_len) {
    struct jpeg_decompress_struct cinfo;
    wc_error_mgr err;
    // Touched after setjmp and read after a longjmp, so volatile.
    uint8_t *volatile cmyk_row = NULL;
    memset(&cinfo, 0, sizeof cinfo);
    wc_setup_errors(&err, message, message_len);
    cinfo.err = &err.base;
    if (warnings) *warnings = 0;
    if (out_components != 1 && out_components != 3) {
        wc_set_message(message, message_len, "output must have 1 or 3 components");
        return WCJPEG_ERROR;
    }
    if (scale_denom != 1 && scale_denom != 2 && scale_denom != 4 && scale_denom != 8) {
        wc_set_message(message, message_len, "scale denominator must be 1, 2, 4 or 8");
        return WCJPEG_ERROR;
    }
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(cmyk_row);
        if (warnings) *warnings = err.warnings;
        return WCJPEG_ERROR;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    if ((uint64_t)cinfo.image_width * (uint64_t)cinfo.image_height > max_pixels) {
        jpeg_destroy_decompress(&cinfo);
        return WCJPEG_TOO_LARGE;
    }
    if ((int)cinfo.image_width != expected_width || (int)cinfo.image_height != expected_height) {
        wc_set_message(message, message_len, "header changed between reads");
        jpeg_destroy_decompress(&cinfo);
        return WCJPEG_ERROR;
    }
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    if (cmyk) {
        cinfo.out_color_space = JCS_CMYK;
    } else {
        cinfo.out_color_space = out_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    }
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)scale_denom;
    jpeg_start_decompress(&cinfo);
    int delivered = cmyk ? 4 : out_components;
    int out_width = (expected_width + scale_denom - 1) / scale_denom;
    int out_height = (expected_height + scale_denom - 1) / scale_denom;
    if ((int)cinfo.output_components != delivered ||
        (int)cinfo.output_width != out_width || (int)cinfo.output_height != out_height) {
        wc_set_message(message, message_len, "unexpected output layout from libjpeg");
        jpeg_destroy_decompress(&cinfo);
        return WCJPEG_ERROR;
    }
    if (cmyk) {
        cmyk_row = (uint8_t *)malloc((size_t)cinfo.output_width * 4);
        if (!cmyk_row) {
            jpeg_destroy_decompress(&cinfo);
            return WCJPEG_NO_MEMORY;
        }
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JDIMENSION y = cinfo.output_scanline;
        JSAMPROW row = cmyk ? cmyk_row : out + (size_t)y * out_stride;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) break;  // cannot happen with mem src
        if (cmyk)
            wc_cmyk_row(cmyk_row, out + (size_t)y * out_stride, (int)cinfo.output_width,
                        out_components, cinfo.saw_Adobe_marker);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(cmyk_row);
    if (warnings) *warnings = err.warnings;
    return WCJPEG_OK;
}

// A growable in-memory destination that this file owns, so an error in the middle of
// encoding can always release the buffer (jpeg_mem_dest may reallocate behind the caller's
// pointer, which makes cleanup after a longjmp unsafe).
typedef struct {
    struct jpeg_destination_mgr pub;
    uint8_t *buffer;
    size_t capacity;
    size_t length;
} wc_dest_mgr;

static void wc_dest_init(j_compress_ptr cinfo) {
    wc_dest_mgr *dest = (wc_dest_mgr *)cinfo->dest;
    dest->capacity = 65536;
    dest->buffer = (uint8_t *)malloc(dest->capacity);
    if (!dest->buffer) {
        dest->capacity = 0;
        ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
    }
    dest->pub.next_output_byte = dest->buffer;
    dest->pub.free_in_buffer = dest->capacity;
}

static boolean wc_dest_empty(j_compress_ptr cinfo) {
    wc_dest_mgr *dest = (wc_dest_mgr *)cinfo->dest;
    size_t used = dest->capacity;  // libjpeg calls this only when the buffer is full
    size_t grown = dest->capacity * 2;
    uint8_t *bigger = (uint8_t *)realloc(dest->buffer, grown);
    if (!bigger) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 1);
    dest->buffer = bigger;
    dest->capacity = grown;
    dest->pub.next_output_byte = bigger + used;
    dest->pub.free_in_buffer = grown - used;
    return TRUE;
}

static void wc_dest_term(j_compress_ptr cinfo) {
    wc_dest_mgr *dest = (wc_dest_mgr *)cinfo->dest;
    dest->length = dest->capacity - dest->pub.free_in_buffer;
}

int wcjpeg_encode(const uint8_t *pixels, int width, int height, size_t stride, int components,
                  int quality, int progressive, uint8_t **out, size_t *out_len,
                  char *message, size_t message_len) {
    struct jpeg_compress_struct cinfo;
    wc_error_mgr err;
    wc_dest_mgr dest;
    memset(&cinfo, 0, sizeof cinfo);
    memset(&dest, 0, sizeof dest);
    wc_setup_errors(&err, message, message_len);
    cinfo.err = &err.base;
    *out = NULL;
    *out_len = 0;
    if (components != 1 && components != 3) {
        wc_set_message(message, message_len, "input must have 1 or 3 components");
        return WCJPEG_ERROR;
    }
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(dest.buffer);
        return WCJPEG_ERROR;
    }
    jpeg_create_compress(&cinfo);
    dest.pub.init_destination = wc_dest_init;
    dest.pub.empty_output_buffer = wc_dest_empty;
    dest.pub.term_destination = wc_dest_term;
    cinfo.dest = &dest.pub;
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = dest.buffer;
    *out_len = dest.length;
    return WCJPEG_OK;
}

void wcjpeg_free(void *buffer) { free(buffer); }
