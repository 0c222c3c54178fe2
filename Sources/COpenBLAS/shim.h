// OpenBLAS's CBLAS interface (Debian: libopenblas-dev, headers under openblas-pthread/).
#include <cblas.h>
