//! Idle client connections per address, for ping-pong calls (one call per connection at a
//! time; concurrent calls use as many connections).
//!
//! A call checks a connection out, uses it, and checks it back in if the call finished
//! cleanly (a call that failed, timed out or was cancelled drops its connection: its
//! stream may hold half a reply). Before handing out an idle connection the pool checks
//! it: too old ([`PoolConfig::idle_timeout`]) or no longer reusable
//! (`Conn::is_reusable`: the peer closed it, or sent bytes nobody asked for, such as a
//! shutdown notice) and it is dropped. The most recently used connection goes out
//! first, so a burst's extra connections age out while the warm ones stay.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::conn::Conn;

/// Default most idle connections kept per address: 64, enough for the concurrency of a
/// busy caller without holding thousands of sockets (Kitex keeps 10, Volo 10,240).
pub const DEFAULT_MAX_IDLE_PER_ADDRESS: usize = 64;

/// Default time an idle connection is kept: one minute, Kitex's default (servers close
/// idle connections after minutes, so reusing a much older one invites a reset).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Configuration of a [`Pool`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConfig {
    /// Most idle connections kept per address. 0 disables pooling (short connections).
    pub max_idle_per_address: usize,
    /// How long an idle connection is kept.
    pub idle_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig { max_idle_per_address: DEFAULT_MAX_IDLE_PER_ADDRESS, idle_timeout: DEFAULT_IDLE_TIMEOUT }
    }
}

/// Idle connections per address.
#[derive(Debug, Default)]
pub struct Pool {
    config: PoolConfig,
    idle: Mutex<HashMap<String, Vec<Conn>>>,
}

impl Pool {
    /// An empty pool.
    pub fn new(config: PoolConfig) -> Self {
        Pool { config, idle: Mutex::new(HashMap::new()) }
    }

    /// A live idle connection to `addr`, if there is one. Stale ones met on the way are dropped.
    pub(crate) fn checkout(&self, addr: &str) -> Option<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.get_mut(addr)?;
        let now = Instant::now();
        while let Some(conn) = list.pop() {
            if now.duration_since(conn.last_used) <= self.config.idle_timeout && conn.is_reusable() {
                return Some(conn);
            }
        }
        None
    }

    /// Gives a connection back after a clean call.
    pub(crate) fn checkin(&self, addr: &str, mut conn: Conn) {
        if self.config.max_idle_per_address == 0 || !conn.is_reusable() {
            return;
        }
        conn.last_used = Instant::now();
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.entry(addr.to_string()).or_default();
        if list.len() >= self.config.max_idle_per_address {
            // The oldest goes: the list is ordered by last use.
            list.remove(0);
        }
        list.push(conn);
    }

    /// Idle connections to `addr` (some may have been closed by the peer since).
    pub fn idle_count(&self, addr: &str) -> usize {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        idle.get(addr).map_or(0, Vec::len)
    }

    /// Drops every idle connection.
    pub fn clear(&self) {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
