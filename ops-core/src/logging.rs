//! Forwarding `log` records to Juju (ops: `ops.log.JujuLogHandler` and `setup_root_logging`).
//!
//! Every record becomes `juju-log --log-level <LEVEL> -- <message>` (split like ops' `log_split`
//! when longer than 131071 characters), with ops' level names: `ERROR`, `WARNING`, `INFO`,
//! `DEBUG` (Rust's `Trace` is sent as `DEBUG`; `CRITICAL` is not produced by the `log` crate).
//! When debugging (`JUJU_DEBUG` set) each record is also written to stderr as
//! `%(asctime)s %(levelname)-8s %(message)s` (the time in UTC, `2024-01-01 12:00:00,123`).
//!
//! # Design
//!
//! `log` needs one global `Send + Sync + 'static` logger, while a [`Backend`] is `Rc`-based and
//! single-threaded (it shares the charm's runner, so `ops-testing`'s simulated Juju sees the
//! `juju-log` calls too). The global logger here is a stateless unit struct; [`install`] puts the
//! `Rc<Backend>` in a *thread-local* slot of the calling thread (the charm's main thread), and
//! records logged on that thread go through that backend, in order with every other tool call.
//! Records logged on other threads (rare in charms) are sent by a separate, `Send` runner kept in a
//! global `Mutex` ([`ProcessRunner`] by default, see [`set_other_threads_runner`]).
//!
//! A failing `juju-log` never panics and never logs: the failure is written to stderr. A record
//! logged while a record is being sent on the same thread (e.g. by a runner that itself logs) is
//! not sent to Juju again (no recursion); it is written to stderr only.
//!
//! [`capture`] records this thread's records in memory for tests, whether or not a backend is
//! installed.
//!
//! # Which records reach Juju
//!
//! Each `juju-log` is a process spawn on the hook's hot path, so not every record goes:
//!
//! - the charm's own records (targets of the charm's crate, registered by the dispatcher with
//!   [`add_charm_crate`]) go at every level (`trace!` needs [`set_level`] to raise the `log` max
//!   level, as it is `Debug` by default);
//! - the framework's (`ops_core`) go at INFO and above, and at DEBUG too when `JUJU_DEBUG` is set
//!   (as ops, whose "Emitting Juju event ..." lines are debug output);
//! - every other crate's (the charm's dependencies: `ureq`, `tungstenite`, `sled`...) go at INFO
//!   and above (`sled`: WARN and above); their DEBUG and TRACE records are dropped.
//!
//! Raise or lower any target with [`set_level`] (in the charm's code), or with the `OPS_LOG`
//! environment variable, read by [`install`]: comma-separated `RUST_LOG`-style directives,
//! `target=level` or a bare `level` for every dependency, e.g.
//! `OPS_LOG=ureq=debug,my_charm::db=warn,error`. Levels are `off`, `error`, `warn`, `info`,
//! `debug`, `trace`; a directive names a crate or a module path (`a::b` covers `a::b::c`), the
//! longest match wins, and the environment's directives win over [`set_level`]'s. An explicit
//! directive for `ops_core` applies whether or not `JUJU_DEBUG` is set. [`capture`] sees every
//! record, forwarded or not.

#[cfg(feature = "tracing")]
pub mod tracing;

use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::io::Write as _;
use std::rc::Rc;
use std::sync::{Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// The `log` target of the framework's own records (`ops_core::...`).
pub const FRAMEWORK_TARGET: &str = "ops_core";

use log::{Level, LevelFilter, Log, Metadata, Record, SetLoggerError};

use crate::hooktools::{juju_log_args, Backend, ProcessRunner, RunError, ToolRunner};

/// ops' level name for a `log` level: `ERROR`, `WARNING`, `INFO`, `DEBUG` (`Trace` → `DEBUG`).
pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "ERROR",
        Level::Warn => "WARNING",
        Level::Info => "INFO",
        Level::Debug | Level::Trace => "DEBUG",
    }
}

/// One record seen by [`capture`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedRecord {
    /// The `log` level.
    pub level: Level,
    /// The level name sent to Juju ([`level_name`]).
    pub level_name: &'static str,
    /// The record's target (usually the module path).
    pub target: String,
    /// The formatted message.
    pub message: String,
}

/// While alive, collects the records logged on the thread that created it (see [`capture`]).
#[derive(Debug)]
pub struct LogCapture {
    buffer: Rc<RefCell<Vec<CapturedRecord>>>,
}

impl LogCapture {
    /// The records captured so far.
    pub fn records(&self) -> Vec<CapturedRecord> {
        self.buffer.borrow().clone()
    }

    /// The records captured so far, forgetting them.
    pub fn take(&self) -> Vec<CapturedRecord> {
        std::mem::take(&mut *self.buffer.borrow_mut())
    }

    /// `(level name, message)` of each record captured so far.
    pub fn messages(&self) -> Vec<(&'static str, String)> {
        self.buffer
            .borrow()
            .iter()
            .map(|r| (r.level_name, r.message.clone()))
            .collect()
    }
}

impl Drop for LogCapture {
    fn drop(&mut self) {
        let _ = CAPTURES.try_with(|c| {
            if let Ok(mut captures) = c.try_borrow_mut() {
                captures.retain(|b| !Rc::ptr_eq(b, &self.buffer));
            }
        });
    }
}

thread_local! {
    static BACKEND: RefCell<Option<Rc<Backend>>> = const { RefCell::new(None) };
    static DEBUG: Cell<bool> = const { Cell::new(false) };
    static CAPTURES: RefCell<Vec<Rc<RefCell<Vec<CapturedRecord>>>>> = const { RefCell::new(Vec::new()) };
    static SENDING: Cell<bool> = const { Cell::new(false) };
}

struct OtherThreads {
    runner: Option<Box<dyn ToolRunner + Send>>,
    debug: bool,
}

static OTHER_THREADS: Mutex<OtherThreads> = Mutex::new(OtherThreads {
    runner: None,
    debug: false,
});

/// Whether [`LOGGER`] is the global `log` logger.
static OURS: Mutex<bool> = Mutex::new(false);

/// The environment variable of `RUST_LOG`-style directives read by [`install`].
pub const LOG_ENV: &str = "OPS_LOG";

/// Which targets' records are forwarded (see the module docs).
struct Filter {
    /// Crates whose records all go (the charm's).
    charm_crates: Vec<String>,
    /// [`set_level`]'s directives.
    api: Vec<(String, LevelFilter)>,
    /// [`LOG_ENV`]'s directives.
    env: Vec<(String, LevelFilter)>,
    /// [`LOG_ENV`]'s bare level: every other target.
    env_default: Option<LevelFilter>,
}

static FILTER: RwLock<Filter> = RwLock::new(Filter {
    charm_crates: Vec::new(),
    api: Vec::new(),
    env: Vec::new(),
    env_default: None,
});

/// Whether `target` is `name` or a module under it.
fn covers(name: &str, target: &str) -> bool {
    target
        .strip_prefix(name)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

/// The level of the longest directive covering `target`.
fn directive(list: &[(String, LevelFilter)], target: &str) -> Option<LevelFilter> {
    list.iter()
        .filter(|(name, _)| covers(name, target))
        .max_by_key(|(name, _)| name.len())
        .map(|(_, level)| *level)
}

impl Filter {
    fn allows(&self, level: Level, target: &str, debug: bool) -> bool {
        if let Some(max) = directive(&self.env, target).or_else(|| directive(&self.api, target)) {
            return level <= max;
        }
        let krate = target.split("::").next().unwrap_or(target);
        if self.charm_crates.iter().any(|c| c == krate) {
            return true;
        }
        if krate == FRAMEWORK_TARGET {
            return level <= Level::Info || debug;
        }
        if let Some(max) = self.env_default {
            return level <= max;
        }
        // The state database logs every page write at DEBUG and more at INFO.
        let max = if krate == "sled" {
            Level::Warn
        } else {
            Level::Info
        };
        level <= max
    }
}

fn parse_level(text: &str) -> Option<LevelFilter> {
    text.trim().parse::<LevelFilter>().ok()
}

/// `RUST_LOG`-style directives: `target=level` pairs and a bare `level`; unparsable items are
/// reported on stderr and skipped.
fn parse_directives(text: &str) -> (Vec<(String, LevelFilter)>, Option<LevelFilter>) {
    let mut list = Vec::new();
    let mut default = None;
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        match item.split_once('=') {
            Some((target, level)) => match parse_level(level) {
                Some(level) if !target.trim().is_empty() => {
                    list.push((target.trim().replace('-', "_"), level));
                }
                _ => write_stderr(&format!("{LOG_ENV}: ignoring invalid directive {item:?}")),
            },
            None => match parse_level(item) {
                Some(level) => default = Some(level),
                // A bare name is a target at every level, as in RUST_LOG.
                None => list.push((item.replace('-', "_"), LevelFilter::Trace)),
            },
        }
    }
    (list, default)
}

fn write_filter() -> std::sync::RwLockWriteGuard<'static, Filter> {
    FILTER.write().unwrap_or_else(|p| p.into_inner())
}

/// Raise the `log` max level when a directive asks for more than `Debug`.
fn raise_max_level(level: LevelFilter) {
    if level > log::max_level() {
        log::set_max_level(level);
    }
}

/// Forward every record of crate `name` (its `log` target's first segment, e.g. `my_charm`):
/// the dispatcher registers the charm's crate. Idempotent.
pub fn add_charm_crate(name: &str) {
    let name = name.replace('-', "_");
    let mut filter = write_filter();
    if !filter.charm_crates.contains(&name) {
        filter.charm_crates.push(name);
    }
}

/// Forward records of `target` (a crate, or a module path) up to `level`, e.g.
/// `set_level("ureq", LevelFilter::Debug)` to see the Pebble client's HTTP requests, or
/// `set_level("my_charm::noisy", LevelFilter::Warn)`. [`LOG_ENV`]'s directives still win.
pub fn set_level(target: &str, level: LevelFilter) {
    let target = target.replace('-', "_");
    let mut filter = write_filter();
    filter.api.retain(|(t, _)| *t != target);
    filter.api.push((target, level));
    drop(filter);
    raise_max_level(level);
}

/// Read [`LOG_ENV`] (replacing the directives read before).
fn load_env() {
    let (list, default) = match std::env::var(LOG_ENV) {
        Ok(text) => parse_directives(&text),
        Err(_) => (Vec::new(), None),
    };
    let max = list
        .iter()
        .map(|(_, l)| *l)
        .chain(default)
        .max()
        .unwrap_or(LevelFilter::Off);
    let mut filter = write_filter();
    filter.env = list;
    filter.env_default = default;
    drop(filter);
    raise_max_level(max);
}

/// Whether a record of `level` and `target` is forwarded to Juju (see the module docs).
pub fn forwarded(level: Level, target: &str) -> bool {
    let debug = DEBUG.try_with(Cell::get).unwrap_or(false);
    FILTER
        .read()
        .map(|f| f.allows(level, target, debug))
        .unwrap_or(true)
}

struct JujuLogger;

static LOGGER: JujuLogger = JujuLogger;

fn ensure_logger() -> Result<(), SetLoggerError> {
    let mut ours = OURS.lock().unwrap_or_else(|p| p.into_inner());
    if !*ours {
        log::set_logger(&LOGGER)?;
        *ours = true;
    }
    if log::max_level() < LevelFilter::Debug {
        // ops sets the root logger to DEBUG; Juju filters by its own log level.
        log::set_max_level(LevelFilter::Debug);
    }
    Ok(())
}

/// Sends this thread's `log` records to Juju through `backend` (and to stderr too when `debug`),
/// installing the global logger on first use (ops: `setup_root_logging(backend, debug)`).
///
/// Sets the `log` max level to at least `Debug`, and reads [`LOG_ENV`]. Records of other threads go through the
/// [`set_other_threads_runner`] runner ([`ProcessRunner`] unless set), with the same `debug`.
/// Fails only if another logger is already installed.
pub fn install(backend: Rc<Backend>, debug: bool) -> Result<(), SetLoggerError> {
    ensure_logger()?;
    load_env();
    BACKEND.with(|b| *b.borrow_mut() = Some(backend));
    DEBUG.with(|d| d.set(debug));
    let mut other = OTHER_THREADS.lock().unwrap_or_else(|p| p.into_inner());
    other.debug = debug;
    if other.runner.is_none() {
        other.runner = Some(Box::new(ProcessRunner));
    }
    Ok(())
}

/// Stops sending this thread's records to the backend given to [`install`] (the logger stays
/// installed; records then take the other-threads path).
pub fn uninstall() {
    let _ = BACKEND.try_with(|b| b.borrow_mut().take());
    let _ = DEBUG.try_with(|d| d.set(false));
}

/// Sets the runner used for records logged on threads without an installed backend (`None`
/// drops them). `juju-log` missing from `PATH` is ignored silently on that path.
pub fn set_other_threads_runner(runner: Option<Box<dyn ToolRunner + Send>>) {
    OTHER_THREADS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .runner = runner;
}

/// Starts capturing the records logged on this thread, installing the global logger if needed.
/// Records are captured in addition to being sent to Juju.
pub fn capture() -> Result<LogCapture, SetLoggerError> {
    ensure_logger()?;
    let buffer = Rc::new(RefCell::new(Vec::new()));
    CAPTURES.with(|c| c.borrow_mut().push(buffer.clone()));
    Ok(LogCapture { buffer })
}

/// Formats a record for stderr like Python's `'%(asctime)s %(levelname)-8s %(message)s'`.
pub fn format_stderr_line(level: Level, message: &str, at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    let mut out = String::new();
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02},{:03} {:<8} {message}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis(),
        level_name(level)
    );
    out
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn write_stderr(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Whether this thread is capturing records ([`capture`]).
fn capturing() -> bool {
    CAPTURES
        .try_with(|c| c.try_borrow().map(|c| !c.is_empty()).unwrap_or(false))
        .unwrap_or(false)
}

/// Whether a record of `level` and `target` would be captured or forwarded: a record that is
/// not is not even formatted.
pub(crate) fn wanted(level: Level, target: &str) -> bool {
    capturing() || forwarded(level, target)
}

/// Sends one record down the path every record takes, whether it comes from `log` or (with the
/// `tracing` feature) from `tracing`: [`capture`], then `juju-log` (or stderr, see the module
/// docs). `message` is called only when the record is wanted.
pub(crate) fn emit(level: Level, target: &str, message: impl FnOnce() -> String) {
    let capturing = capturing();
    // Each juju-log is a process spawn: only the charm's records, the framework's (DEBUG
    // behind JUJU_DEBUG) and the dependencies' INFO and above go (see the module docs). A
    // dropped record is not even formatted.
    let forward = forwarded(level, target);
    if !forward && !capturing {
        return;
    }
    let message = message();
    if capturing {
        let _ = CAPTURES.try_with(|c| {
            if let Ok(captures) = c.try_borrow() {
                for buffer in captures.iter() {
                    if let Ok(mut buffer) = buffer.try_borrow_mut() {
                        buffer.push(CapturedRecord {
                            level,
                            level_name: level_name(level),
                            target: target.to_string(),
                            message: message.clone(),
                        });
                    }
                }
            }
        });
    }
    if !forward {
        return;
    }
    let reentered = SENDING.try_with(|s| s.replace(true)).unwrap_or(true);
    if reentered {
        // Logged while sending a record (or during thread teardown): stderr only.
        write_stderr(&format_stderr_line(level, &message, SystemTime::now()));
        return;
    }
    let backend = BACKEND
        .try_with(|b| b.try_borrow().ok().and_then(|b| b.clone()))
        .ok()
        .flatten();
    match backend {
        Some(backend) => {
            if let Err(err) = backend.juju_log(level_name(level), &message) {
                write_stderr(&format!("juju-log failed: {err}"));
            }
            if DEBUG.try_with(Cell::get).unwrap_or(false) {
                write_stderr(&format_stderr_line(level, &message, SystemTime::now()));
            }
        }
        None => send_from_other_thread(level, &message),
    }
    let _ = SENDING.try_with(|s| s.set(false));
}

impl Log for JujuLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        wanted(metadata.level(), metadata.target())
    }

    fn log(&self, record: &Record<'_>) {
        emit(record.level(), record.target(), || {
            record.args().to_string()
        });
    }

    fn flush(&self) {}
}

fn send_from_other_thread(level: Level, message: &str) {
    let other = OTHER_THREADS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(runner) = &other.runner {
        for args in juju_log_args(level_name(level), message) {
            match runner.run("juju-log", &args, None) {
                Ok(out) if out.success() => {}
                Ok(out) => {
                    write_stderr(&format!(
                        "juju-log failed ({:?}): {}",
                        out.code,
                        String::from_utf8_lossy(&out.stderr).trim_end()
                    ));
                    break;
                }
                Err(RunError::NotFound(_)) => break,
                Err(err) => {
                    write_stderr(&format!("juju-log failed: {err}"));
                    break;
                }
            }
        }
    }
    if other.debug {
        write_stderr(&format_stderr_line(level, message, SystemTime::now()));
    }
}

/// What the dispatcher prints on stderr when `JUJU_DEBUG_AT` is set (`juju debug-code`), or
/// `None` when it is not: ops for Rust has no counterpart of ops' pdb breakpoints
/// (`framework.breakpoint()`, and `all`/`hook` stopping before every handler), so the hook runs
/// to completion, and the message says so and how to debug a compiled charm instead. Juju shows
/// a debug-code session's stderr in its terminal, where ops prints its pdb welcome.
pub fn debug_at_notice(debug_at: &std::collections::BTreeSet<String>) -> Option<String> {
    if debug_at.is_empty() {
        return None;
    }
    let names = debug_at.iter().cloned().collect::<Vec<_>>().join(",");
    Some(format!(
        "JUJU_DEBUG_AT={names}: ops for Rust has no pdb breakpoints; the hook runs to the end. \
         To step through a handler, run the charm under a debugger from `juju debug-hooks`: \
         `rust-gdb -ex 'break <crate>::<Charm>::<handler>' -ex run ./dispatch` \
         (build with debug info: `[profile.release] debug = true`)."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn juju_debug_at_gets_a_notice_only_when_set() {
        let mut at = std::collections::BTreeSet::new();
        assert_eq!(debug_at_notice(&at), None);
        at.insert("hook".to_string());
        at.insert("all".to_string());
        let notice = debug_at_notice(&at).expect("a notice");
        assert!(notice.starts_with("JUJU_DEBUG_AT=all,hook: "), "{notice}");
        assert!(notice.contains("no pdb breakpoints"), "{notice}");
        assert!(notice.contains("rust-gdb"), "{notice}");
    }

    #[test]
    fn directives_parse_as_rust_log() {
        let (list, default) = parse_directives(" ureq=debug, my-charm::db=warn,error,sled ,x=loud");
        assert_eq!(
            list,
            vec![
                ("ureq".to_string(), LevelFilter::Debug),
                ("my_charm::db".to_string(), LevelFilter::Warn),
                ("sled".to_string(), LevelFilter::Trace),
            ]
        );
        assert_eq!(default, Some(LevelFilter::Error));
    }

    #[test]
    fn the_filter_keeps_the_charm_and_drops_dependencies_debug() {
        let mut f = Filter {
            charm_crates: vec!["my_charm".into()],
            api: Vec::new(),
            env: Vec::new(),
            env_default: None,
        };
        assert!(f.allows(Level::Trace, "my_charm::db", false));
        assert!(!f.allows(Level::Debug, "my_charmx", false));
        assert!(!f.allows(Level::Debug, "ureq::unversioned::transport", false));
        assert!(f.allows(Level::Info, "ureq", false));
        assert!(!f.allows(Level::Info, "sled::pagecache", false));
        assert!(f.allows(Level::Warn, "sled::pagecache", false));
        assert!(!f.allows(Level::Debug, "ops_core::dispatch", false));
        assert!(f.allows(Level::Debug, "ops_core::dispatch", true));
        assert!(f.allows(Level::Info, "ops_core", false));
        f.api = vec![
            ("ureq".into(), LevelFilter::Debug),
            ("my_charm::db".into(), LevelFilter::Warn),
            ("ops_core".into(), LevelFilter::Debug),
        ];
        assert!(f.allows(Level::Debug, "ureq::x", false));
        assert!(!f.allows(Level::Trace, "ureq::x", false));
        assert!(!f.allows(Level::Info, "my_charm::db::pool", false));
        assert!(f.allows(Level::Info, "my_charm::web", false));
        assert!(f.allows(Level::Debug, "ops_core::dispatch", false));
        f.env = vec![("ureq".into(), LevelFilter::Off)];
        f.env_default = Some(LevelFilter::Error);
        assert!(!f.allows(Level::Error, "ureq", false));
        assert!(!f.allows(Level::Warn, "tungstenite", false));
        assert!(f.allows(Level::Debug, "my_charm", false));
    }

    #[test]
    fn stderr_format() {
        let at = UNIX_EPOCH + Duration::from_millis(1_704_110_400_123); // 2024-01-01 12:00:00.123 UTC
        assert_eq!(
            format_stderr_line(Level::Warn, "hello", at),
            "2024-01-01 12:00:00,123 WARNING  hello"
        );
        assert_eq!(
            format_stderr_line(Level::Info, "x", UNIX_EPOCH),
            "1970-01-01 00:00:00,000 INFO     x"
        );
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert!(format_stderr_line(Level::Error, "", leap)
            .starts_with("2000-02-29 00:00:00,000 ERROR   "));
    }
}
