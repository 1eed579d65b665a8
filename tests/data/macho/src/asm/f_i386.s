// One function, assembled by llvm-mc into an i386 Mach-O object (MH_MAGIC, MH_OBJECT): a 32-bit Mach-O
// that is not a linked artifact.
.text
.globl _f
_f:
  ret
