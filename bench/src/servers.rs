//! Starting the servers under test — `latchkey serve`, `latchkey gateway`, moto_server, cognito-local — on free
//! loopback ports, timing spawn → ready, and stopping them (a server is killed when its handle is dropped).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::http::{Conn, Endpoint};

pub const ACCESS_KEY_ID: &str = "AKIDBENCH";
pub const SECRET_ACCESS_KEY: &str = "bench-secret-access-key";

pub struct Server {
    pub name: String,
    child: Child,
    pub pid: u32,
    pub addr: SocketAddr,
    /// Spawn → ready.
    pub ready: Duration,
}

impl Server {
    pub fn endpoint(&self) -> Arc<Endpoint> {
        Endpoint::new(self.addr, ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    }

    /// Stops the server: SIGTERM (graceful), then SIGKILL after 5 s.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn log_file(path: &Path) -> Result<(Stdio, Stdio), String> {
    let f = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let g = f.try_clone().map_err(|e| e.to_string())?;
    Ok((Stdio::from(f), Stdio::from(g)))
}

/// Polls `path` until it answers (with 200 when `want_ok`, with anything otherwise).
async fn wait_ready(
    child: &mut Child,
    addr: SocketAddr,
    path: &str,
    want_ok: bool,
    timeout: Duration,
) -> Result<(), String> {
    let ep = Endpoint::new(addr, ACCESS_KEY_ID, SECRET_ACCESS_KEY);
    let deadline = Instant::now() + timeout;
    loop {
        let mut conn = Conn::new(ep.clone());
        if let Ok(status) = conn.get_status(path).await {
            if !want_ok || status == 200 {
                return Ok(());
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited before it was ready ({status})"));
        }
        if Instant::now() > deadline {
            return Err(format!("not ready after {timeout:?}"));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn start(
    name: &str,
    mut cmd: Command,
    addr: SocketAddr,
    probe: (&str, bool),
    log: &Path,
) -> Result<Server, String> {
    let (out, err) = log_file(log)?;
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    let t0 = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("cannot start {name}: {e}"))?;
    let ready = match wait_ready(&mut child, addr, probe.0, probe.1, Duration::from_secs(60)).await {
        Ok(()) => t0.elapsed(),
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            let tail = std::fs::read_to_string(log).unwrap_or_default();
            let tail: String = tail
                .lines()
                .rev()
                .take(15)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n");
            return Err(format!("{name} {e}; its log ({}):\n{tail}", log.display()));
        }
    };
    let pid = child.id();
    Ok(Server {
        name: name.into(),
        child,
        pid,
        addr,
        ready,
    })
}

/// How to run `latchkey`: the binary, the data dir, and the database URL (SQLite in the data dir when `None`).
#[derive(Clone)]
pub struct LatchkeyCmd {
    pub bin: PathBuf,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    /// Extra environment for the server (experiments such as MALLOC_ARENA_MAX=2).
    pub env: Vec<(String, String)>,
    /// Extra `serve` flags (the rate limits).
    pub serve_args: Vec<String>,
}

impl LatchkeyCmd {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bin);
        c.args(args)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .env_remove("RUST_LOG");
        // Settings come from the flags only, never from the caller's LATCHKEY_* variables.
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("LATCHKEY_")) {
            c.env_remove(k);
        }
        if let Some(url) = &self.database_url {
            c.arg("--database-url").arg(url);
        }
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c
    }

    pub async fn serve(&self, log: &Path) -> Result<Server, String> {
        let port = free_port()?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let listen = addr.to_string();
        let cmd = self.command(&[
            "serve",
            "--listen",
            &listen,
            "--admin-access-key-id",
            ACCESS_KEY_ID,
            "--admin-secret-access-key",
            SECRET_ACCESS_KEY,
        ]);
        let mut cmd = cmd;
        cmd.args(&self.serve_args);
        start("latchkey", cmd, addr, ("/health/ready", true), log).await
    }

    /// `latchkey bench-seed`: returns its JSON summary line.
    pub fn seed(
        &self,
        pool: &str,
        count: u64,
        password: &str,
        srp_users: u64,
    ) -> Result<serde_json::Value, String> {
        let count_s = count.to_string();
        let srp_s = srp_users.to_string();
        let out = self
            .command(&[
                "bench-seed",
                "--pool",
                pool,
                "--count",
                &count_s,
                "--prefix",
                "u",
                "--password",
                password,
                "--srp-users",
                &srp_s,
            ])
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run latchkey bench-seed: {e}"))?;
        if !out.status.success() {
            return Err(format!("latchkey bench-seed failed ({})", out.status));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .rev()
            .find_map(|l| serde_json::from_str(l).ok())
            .ok_or_else(|| format!("latchkey bench-seed printed no summary: {text}"))
    }
}

pub async fn moto(bin: &Path, log: &Path) -> Result<Server, String> {
    let port = free_port()?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut cmd = Command::new(bin);
    cmd.arg("-H").arg("127.0.0.1").arg("-p").arg(port.to_string());
    start("moto_server", cmd, addr, ("/", false), log).await
}

/// cognito-local keeps its configuration and JSON database under `<work_dir>/.cognito`.
pub async fn cognito_local(bin: &Path, work_dir: &Path, log: &Path) -> Result<Server, String> {
    let port = free_port()?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let config_dir = work_dir.join(".cognito");
    std::fs::create_dir_all(&config_dir).map_err(|e| format!("{}: {e}", config_dir.display()))?;
    // Its pools default to email as the username; the benchmark's pools sign in with plain usernames, as on
    // the other servers.
    std::fs::write(
        config_dir.join("config.json"),
        r#"{"UserPoolDefaults": {"UsernameAttributes": []}}"#,
    )
    .map_err(|e| format!("cognito-local config: {e}"))?;
    let mut cmd = Command::new(bin);
    cmd.current_dir(work_dir)
        .env("PORT", port.to_string())
        .env("HOST", "127.0.0.1")
        // Any DEBUG value, even "0", turns on its debug logging.
        .env_remove("DEBUG");
    start("cognito-local", cmd, addr, ("/", false), log).await
}

/// `latchkey gateway --config FILE --listen ADDR` on a free port, with `env` added (`--server-env`), ready when
/// it answers anything on `/` (an unknown route is answered too).
pub async fn gateway(
    bin: &Path,
    config: &Path,
    env: &[(String, String)],
    log: &Path,
) -> Result<Server, String> {
    let port = free_port()?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut cmd = Command::new(bin);
    cmd.arg("gateway")
        .arg("--config")
        .arg(config)
        .arg("--listen")
        .arg(addr.to_string())
        .env_remove("RUST_LOG");
    // Settings come from the flags and the file only, never from the caller's LATCHKEY_* variables.
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("LATCHKEY_")) {
        cmd.env_remove(k);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    start("latchkey gateway", cmd, addr, ("/", false), log).await
}
