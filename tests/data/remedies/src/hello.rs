// linkguard remedy fixture: the smallest Rust program; default target links glibc dynamically.
fn main() {
    let n = std::env::args().count();
    println!("linkguard-rust-ok args={}", n);
}
