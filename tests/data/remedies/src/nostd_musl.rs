// linkguard remedy fixture: a Rust program without std that calls the C library's puts, linked by
// musl-gcc: a Rust program dynamically linked against musl (the musl target's std is not needed).
#![no_std]
#![no_main]

use core::panic::PanicInfo;

#[link(name = "c")]
extern "C" {
    fn puts(s: *const u8) -> i32;
}

#[no_mangle]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    unsafe { puts(b"linkguard-rust-musl-dynamic-ok\0".as_ptr()) };
    0
}

#[panic_handler]
fn panic(_info: &PanicInfo) -> ! {
    loop {}
}
