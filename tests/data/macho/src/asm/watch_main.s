// main() returning 0, assembled by llvm-mc for arm64_32 (watchOS): linked by ld64.lld into a Mach-O
// executable with a 32-bit header (MH_MAGIC) and LC_BUILD_VERSION platform watchos.
.text
.globl _main
_main:
  mov w0, #0
  ret
