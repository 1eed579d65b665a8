// A Java class file starts with 0xCAFEBABE, the same magic as a universal (fat) Mach-O; `file` tells them apart
// by the next 32-bit word (class minor+major version vs. nfat_arch).  Negative fixture for Mach-O detection.
public class Hello {
    public static void main(String[] args) {
        System.out.println("hello from a class file");
    }
}
