/* linkguard false-positive fixture: an ordinary, unpacked program whose data happens to contain
 * UPX's magic and ident texts.  A detector that greps for "UPX!" or "$Info:" alone is wrong here. */
#include <stdio.h>
#include <string.h>

__attribute__((used)) static const char magic_text[] = "UPX! goes brrr";
__attribute__((used)) static const char info_text[] =
    "$Info: This file is packed with the UPX executable packer http://upx.sf.net $";
__attribute__((used)) static const char id_text[] =
    "$Id: UPX 3.94 Copyright (C) 1996-2017 the UPX Team. All Rights Reserved. $";

int main(int argc, char **argv) {
    const char *pick = argc > 2 ? id_text : argc > 1 ? info_text : magic_text;
    printf("linkguard-negative-ok %zu\n", strlen(pick));
    return 0;
}
