#include "CWayCueJPEG.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

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

static void wc_init_errors(struct jpeg_decompress_struct *cinfo, wc_error_mgr *err,
                           char *message, size_t message_len) {
    cinfo->err = jpeg_std_error(&err->base);
    err->base.error_exit = wc_error_exit;
    err->base.emit_message = wc_emit_message;
    err->base.output_message = wc_output_message;
    err->warnings = 0;
    err->message = message;
    err->message_len = message_len;
    if (message && message_len) message[0] = 0;
}

int wcjpeg_read_header(const uint8_t *data, size_t len, wcjpeg_info *info,
                       char *message, size_t message_len) {
    struct jpeg_decompress_struct cinfo;
    wc_error_mgr err;
    wc_init_errors(&cinfo, &err, message, message_len);
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

int wcjpeg_decode(const uint8_t *data, size_t len, int out_components, uint8_t *out,
                  size_t out_stride, int expected_width, int expected_height,
                  uint64_t max_pixels, int *warnings, char *message, size_t message_len) {
    struct jpeg_decompress_struct cinfo;
    wc_error_mgr err;
    wc_init_errors(&cinfo, &err, message, message_len);
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
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
        if (message && message_len)
            snprintf(message, message_len, "header changed between reads");
        jpeg_destroy_decompress(&cinfo);
        return WCJPEG_ERROR;
    }
    cinfo.out_color_space = out_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    if ((int)cinfo.output_components != out_components) {
        if (message && message_len)
            snprintf(message, message_len, "cannot convert %d components to %d",
                     cinfo.output_components, out_components);
        jpeg_destroy_decompress(&cinfo);
        return WCJPEG_ERROR;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out + (size_t)cinfo.output_scanline * out_stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    if (warnings) *warnings = err.warnings;
    return WCJPEG_OK;
}

int wcjpeg_encode(const uint8_t *pixels, int width, int height, size_t stride, int components,
                  int quality, uint8_t **out, size_t *out_len, char *message, size_t message_len) {
    struct jpeg_compress_struct cinfo;
    wc_error_mgr err;
    unsigned char *buffer = NULL;
    unsigned long buffer_len = 0;
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = wc_error_exit;
    err.base.emit_message = wc_emit_message;
    err.base.output_message = wc_output_message;
    err.warnings = 0;
    err.message = message;
    err.message_len = message_len;
    if (message && message_len) message[0] = 0;
    *out = NULL;
    *out_len = 0;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return WCJPEG_ERROR;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &buffer, &buffer_len);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *out_len = (size_t)buffer_len;
    return WCJPEG_OK;
}

void wcjpeg_free(void *buffer) { free(buffer); }
