// linkguard remedy fixture: src/hello.rs as a Cargo package, for `cargo zigbuild` (which pins the glibc floor).
fn main() {
    let n = std::env::args().count();
    println!("linkguard-rust-ok args={}", n);
}
