/* Not packed: merely carries the bytes "UPX!" and "UPX0" in its data, as a look-alike for detectors. */
#include <stdio.h>

static const char marker[] = "UPX! this program is not packed; UPX0 UPX1 are just words here";

int main(void) {
    puts(marker);
    return 0;
}
