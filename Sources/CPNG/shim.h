// libpng 1.6 (Debian: libpng-dev). The simplified png_image API reports errors through
// png_image.message, so Swift can call it without setjmp.
#include <png.h>
