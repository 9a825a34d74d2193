//! The load generator's loops: a closed loop (N connections, each sending its next request when the last
//! answered) and an open loop (a fixed offered rate, whatever the answers), both with a warm-up, a fixed measured
//! window, latency histograms and the server's CPU and memory over the window. What each request is lives in
//! `jobs`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::sync::Semaphore;

use crate::http::{Conn, Endpoint};
use crate::jobs::{Job, Outcome};
use crate::procfs;

#[allow(clippy::expect_used)] // Constant, valid bounds: this cannot fail.
fn histogram() -> Histogram<u64> {
    // Microseconds, 1 µs to 10 minutes, 3 significant digits.
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("constant histogram bounds are valid")
}

/// Counts and latencies of one run's measured window.
pub struct Measured {
    pub ok: u64,
    pub throttled: u64,
    pub failed: u64,
    pub errors: BTreeMap<String, u64>,
    pub ok_us: Histogram<u64>,
    pub throttled_us: Histogram<u64>,
    /// Latency of the other error answers (wrong passwords, in the user-existence scenario).
    pub failed_us: Histogram<u64>,
}

impl Measured {
    fn new() -> Self {
        Self {
            ok: 0,
            throttled: 0,
            failed: 0,
            errors: BTreeMap::new(),
            ok_us: histogram(),
            throttled_us: histogram(),
            failed_us: histogram(),
        }
    }

    fn record(&mut self, outcome: Outcome, micros: u64) {
        let v = micros.max(1);
        match outcome {
            Outcome::Ok => {
                self.ok += 1;
                self.ok_us.saturating_record(v);
            }
            Outcome::Throttled => {
                self.throttled += 1;
                self.throttled_us.saturating_record(v);
            }
            Outcome::Failed(e) => {
                self.failed += 1;
                self.failed_us.saturating_record(v);
                *self.errors.entry(e).or_default() += 1;
            }
        }
    }

    fn merge(&mut self, other: &Measured) {
        self.ok += other.ok;
        self.throttled += other.throttled;
        self.failed += other.failed;
        for (k, v) in &other.errors {
            *self.errors.entry(k.clone()).or_default() += v;
        }
        // Same bounds on both sides: adding cannot fail.
        let _ = self.ok_us.add(&other.ok_us);
        let _ = self.throttled_us.add(&other.throttled_us);
        let _ = self.failed_us.add(&other.failed_us);
    }
}

/// The result of one run.
pub struct RunResult {
    pub m: Measured,
    pub seconds: f64,
    pub conns: usize,
    /// Server CPU seconds over the measured window.
    pub server_cpu: Option<f64>,
    pub client_cpu: f64,
    /// VmHWM over the window (peak reset at its start) and VmRSS in its middle.
    pub peak_rss_kb: Option<u64>,
    pub mid_rss_kb: Option<u64>,
    /// Requests the open loop could not send (all its connections busy).
    pub dropped: u64,
}

#[derive(Clone, Copy)]
pub struct Timing {
    pub warmup: Duration,
    pub duration: Duration,
}

struct Window {
    warm_end: Instant,
    end: Instant,
}

impl Window {
    fn start(t: Timing) -> Self {
        let warm_end = Instant::now() + t.warmup;
        Self {
            warm_end,
            end: warm_end + t.duration,
        }
    }
    fn counts(&self, done: Instant) -> bool {
        done >= self.warm_end && done <= self.end
    }
}

/// What `observe` saw of the server (and of this process) over the measured window.
#[derive(Default)]
struct Observed {
    server_cpu: Option<f64>,
    client_cpu: f64,
    peak_rss_kb: Option<u64>,
    mid_rss_kb: Option<u64>,
}

impl RunResult {
    fn new(m: Measured, timing: Timing, conns: usize, seen: Observed, dropped: u64) -> RunResult {
        RunResult {
            m,
            seconds: timing.duration.as_secs_f64(),
            conns,
            server_cpu: seen.server_cpu,
            client_cpu: seen.client_cpu,
            peak_rss_kb: seen.peak_rss_kb,
            mid_rss_kb: seen.mid_rss_kb,
            dropped,
        }
    }

    /// Adds `other`'s counts, latencies, measured window and CPU to this one's: one scenario measured in rounds.
    pub fn absorb(&mut self, other: &RunResult) {
        self.m.merge(&other.m);
        self.seconds += other.seconds;
        self.server_cpu = match (self.server_cpu, other.server_cpu) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
        self.client_cpu += other.client_cpu;
        self.peak_rss_kb = self.peak_rss_kb.max(other.peak_rss_kb);
        self.mid_rss_kb = self.mid_rss_kb.or(other.mid_rss_kb);
        self.dropped += other.dropped;
    }
}

/// Samples the server over the window: CPU at its start and end, peak RSS reset at the start.
async fn observe(w: &Window, pid: Option<u32>) -> Observed {
    tokio::time::sleep_until(w.warm_end.into()).await;
    let cpu0 = pid.and_then(procfs::cpu_seconds);
    let own0 = procfs::own_cpu_seconds();
    if let Some(p) = pid {
        procfs::reset_peak(p);
    }
    let mid = w.warm_end + (w.end - w.warm_end) / 2;
    tokio::time::sleep_until(mid.into()).await;
    let mid_rss = pid.and_then(procfs::rss_kb);
    tokio::time::sleep_until(w.end.into()).await;
    let cpu1 = pid.and_then(procfs::cpu_seconds);
    let own1 = procfs::own_cpu_seconds();
    let peak = pid.and_then(procfs::peak_rss_kb);
    let server_cpu = match (cpu0, cpu1) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    Observed {
        server_cpu,
        client_cpu: own1 - own0,
        peak_rss_kb: peak,
        mid_rss_kb: mid_rss,
    }
}

/// `jobs.len()` connections, each sending its job's next request as soon as the last one is answered.
pub async fn closed_loop(ep: &Arc<Endpoint>, jobs: Vec<Job>, timing: Timing, pid: Option<u32>) -> RunResult {
    let w = Arc::new(Window::start(timing));
    let conns = jobs.len();
    let mut handles = Vec::with_capacity(conns);
    for mut job in jobs {
        let w = w.clone();
        let mut conn = Conn::new(ep.clone());
        handles.push(tokio::spawn(async move {
            let mut m = Measured::new();
            let _ = conn.open().await;
            loop {
                let t = Instant::now();
                if t >= w.end {
                    break;
                }
                let outcome = job.step(&mut conn).await;
                let transport_error = matches!(&outcome, Outcome::Failed(e) if e.starts_with("transport"));
                let done = Instant::now();
                if w.counts(done) {
                    m.record(outcome, (done - t).as_micros() as u64);
                }
                if transport_error {
                    // Do not spin on a server that is gone.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            m
        }));
    }
    let seen = observe(&w, pid).await;
    let mut m = Measured::new();
    for h in handles {
        if let Ok(part) = h.await {
            m.merge(&part);
        }
    }
    RunResult::new(m, timing, conns, seen, 0)
}

/// Sends `proto`'s requests at `rate` per second whatever the answers, on up to `max_inflight` connections.
pub async fn open_loop(
    ep: &Arc<Endpoint>,
    proto: Job,
    rate: f64,
    max_inflight: usize,
    timing: Timing,
    pid: Option<u32>,
) -> RunResult {
    let w = Arc::new(Window::start(timing));
    let shared = Arc::new(Mutex::new(Measured::new()));
    let idle: Arc<Mutex<Vec<Conn>>> = Arc::new(Mutex::new(Vec::new()));
    let slots = Arc::new(Semaphore::new(max_inflight));
    let observer = {
        let w = w.clone();
        tokio::spawn(async move { observe(&w, pid).await })
    };
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut dropped = 0u64;
    let mut i = 0u64;
    loop {
        let tick = ticker.tick().await;
        if tick.into_std() >= w.end {
            break;
        }
        i += 1;
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            if w.counts(Instant::now()) {
                dropped += 1;
            }
            continue;
        };
        let mut job = proto.fork(i);
        let (w, shared, idle, ep) = (w.clone(), shared.clone(), idle.clone(), ep.clone());
        tokio::spawn(async move {
            let mut conn = idle
                .lock()
                .ok()
                .and_then(|mut v| v.pop())
                .unwrap_or_else(|| Conn::new(ep));
            let t = Instant::now();
            let outcome = job.step(&mut conn).await;
            let done = Instant::now();
            if w.counts(done) {
                if let Ok(mut m) = shared.lock() {
                    m.record(outcome, (done - t).as_micros() as u64);
                }
            }
            if let Ok(mut v) = idle.lock() {
                v.push(conn);
            }
            drop(permit);
        });
    }
    // Let what was sent finish.
    let _ = slots.acquire_many(max_inflight as u32).await;
    let seen = observer.await.unwrap_or_default();
    let m = match Arc::try_unwrap(shared) {
        Ok(mx) => mx.into_inner().unwrap_or_else(|e| e.into_inner()),
        Err(arc) => {
            let mut m = Measured::new();
            if let Ok(inner) = arc.lock() {
                m.merge(&inner);
            }
            m
        }
    };
    let conns = idle.lock().map(|v| v.len()).unwrap_or(0);
    RunResult::new(m, timing, conns, seen, dropped)
}
