// linkguard remedy fixture: a Rust program that resolves a host name; std's resolver calls glibc's
// getaddrinfo, which with +crt-static on the glibc target still loads libnss_*.so at run time.
use std::net::ToSocketAddrs;

fn main() {
    let host = std::env::args().nth(1).unwrap_or_else(|| "localhost".to_string());
    let n = match (host.as_str(), 0).to_socket_addrs() {
        Ok(addrs) => addrs.count() as i64,
        Err(_) => -1,
    };
    println!("linkguard-rust-lookup-ok addrs={}", n);
}
