/* linkguard false-positive fixture: an ordinary program with sections named UPX0 and UPX1
 * (the names UPX gives PE sections).  ELF section names prove nothing about packing. */
#include <stdio.h>

__attribute__((section("UPX0"), used)) static char upx0_area[256] = "UPX0 data that is not packed";
__attribute__((section("UPX1"), used)) static const char upx1_area[] = "UPX1 read-only data, UPX! too";

int main(void) {
    printf("linkguard-negative-sections-ok %c %c\n", upx0_area[0], upx1_area[0]);
    return 0;
}
