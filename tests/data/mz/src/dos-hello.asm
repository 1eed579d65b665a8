; An MS-DOS .EXE (MZ) program, header written out by hand: prints a line and exits (INT 21h).
; Build: nasm -f bin -o bin/dos-hello.exe src/dos-hello.asm
;        nasm -f bin -DLFANEW=0x1800 -DPAD=8192 -o bin/dos-hello-far-lfanew.exe src/dos-hello.asm
; The header is the 28-byte MZ header padded to 64 bytes (4 paragraphs); 0x3C (e_lfanew in a PE) holds 0,
; as in most DOS programs, so it points at "MZ" and no PE signature. The second build puts a value there that
; points 6 KiB into the file (past the first 4 KiB a scanner sniffs), at zero padding: still no PE signature.
%ifndef LFANEW
%define LFANEW 0
%endif
%ifndef PAD
%define PAD 64
%endif
bits 16
org 0
header:
    db "MZ"
    dw (file_end - header) % 512          ; bytes on the last page
    dw (file_end - header + 511) / 512    ; pages
    dw 0                                  ; relocations
    dw (code - header) / 16               ; header size in paragraphs
    dw 0x0010                             ; min extra paragraphs
    dw 0xFFFF                             ; max extra paragraphs
    dw 0                                  ; initial SS (relative)
    dw 0x0100                             ; initial SP
    dw 0                                  ; checksum
    dw 0                                  ; initial IP
    dw 0                                  ; initial CS (relative)
    dw 0x1C                               ; relocation table offset
    dw 0                                  ; overlay number
    times 0x3C - ($ - header) db 0
    dd LFANEW                             ; what a PE loader would read as e_lfanew
code:
    push cs
    pop ds
    mov dx, message - code
    mov ah, 0x09
    int 0x21
    mov ax, 0x4C00
    int 0x21
message:
    db "Hello from MS-DOS", 13, 10, "$"
    times PAD db 0
file_end:
