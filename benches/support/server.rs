//! `okscim serve` in another process on 127.0.0.1, for the benches that measure the harness
//! apart from the server: started on a free port, killed when dropped.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The server process; dropping it stops the server.
pub struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `okscim serve` with `token`; returns it and its SCIM base URL.
pub fn start_server(token: &str) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = Command::new(env!("CARGO_BIN_EXE_okscim"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("OKSCIM_SERVER_TOKEN", token)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("okscim serve starts");
    let server = Server(child);
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (server, format!("http://127.0.0.1:{port}/scim/v2"));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the server did not start");
}
