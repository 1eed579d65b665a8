; A Win16 "New Executable" (NE) header behind a DOS stub: e_lfanew (0x3C) points at "NE", not "PE\0\0".
; Build: nasm -f bin -o bin/win16-ne.exe src/ne-stub.asm
; Field offsets from Microsoft's "Executable-File Header Format" (NE): 0x36 target OS (2 = Windows).
bits 16
org 0
header:
    db "MZ"
    dw (file_end - header) % 512
    dw (file_end - header + 511) / 512
    dw 0
    dw 4                                  ; header paragraphs
    dw 0, 0xFFFF, 0, 0x00B8, 0, 0, 0
    dw 0x40                               ; relocation table at 0x40: the "new executable" marker
    dw 0
    times 0x3C - ($ - header) db 0
    dd ne - header                        ; e_lfanew
stub:
    push cs
    pop ds
    mov dx, msg - stub
    mov ah, 0x09
    int 0x21
    mov ax, 0x4C01
    int 0x21
msg:
    db "This program requires Microsoft Windows.", 13, 10, "$"
    align 16, db 0
ne:
    db "NE"
    db 5, 10                              ; linker version 5.10
    dw 0x40, 0                            ; entry table offset (relative), length
    dd 0                                  ; CRC
    dw 0x0302                             ; flags: multiple data, protected mode
    dw 2, 0x1000, 0x1400                  ; auto data segment, heap, stack
    dd 0x00010000                         ; CS:IP = 1:0000
    dd 0x00020000                         ; SS:SP = 2:0000
    dw 2, 0, 0                            ; segment count, module refs, non-resident names size
    dw 0x40, 0x40, 0x40, 0x40, 0x40       ; segment/resource/resident/module/imported tables (relative)
    dd 0                                  ; non-resident names table (absolute)
    dw 0, 4, 0                            ; movable entries, alignment shift, resource segments
    db 2                                  ; target OS: Windows
    db 0
    dw 0, 0, 0
    dw 0x030A                             ; expected Windows version 3.10
    times 64 db 0
file_end:
