// libjpeg-turbo (Debian: libjpeg62-turbo-dev). jpeglib.h needs size_t and FILE declared first.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
