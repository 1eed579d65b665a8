; A "Linear Executable" (LE, OS/2 2.x and Windows VxD) header behind a DOS stub: e_lfanew points at "LE".
; Build: nasm -f bin -o bin/vxd-le.exe src/le-stub.asm
; Field offsets from the IBM/Microsoft LX/LE format notes: byte/word order, format level, CPU type (2 = i386),
; target OS (4 = Windows 386, as a VxD has).
bits 16
org 0
header:
    db "MZ"
    dw (file_end - header) % 512
    dw (file_end - header + 511) / 512
    dw 0, 4, 0, 0xFFFF, 0, 0x00B8, 0, 0, 0
    dw 0x40
    dw 0
    times 0x3C - ($ - header) db 0
    dd le - header
    align 16, db 0
le:
    db "LE"
    db 0, 0                               ; little-endian bytes and words
    dd 0                                  ; format level
    dw 2                                  ; CPU: 80386
    dw 4                                  ; target OS: Windows 386 (VxD)
    dd 0                                  ; module version
    dd 0x00038000                         ; module flags: a VxD
    times 128 db 0
file_end:
