//! The `log` → `juju-log` bridge (ops: `JujuLogHandler`, `setup_root_logging`).
//!
//! The logger is process-global but its backend is per thread, so these tests (each on its own
//! thread) do not see each other's records.

use std::rc::Rc;
use std::sync::{Arc, Mutex};

use ops_core::hooktools::{
    Backend, FakeRunner, RunError, ToolOutput, ToolRunner, MAX_LOG_LINE_LEN,
};
use ops_core::logging::{self, level_name};
use ops_core::version::JujuVersion;

fn install() -> Rc<FakeRunner> {
    let fake = Rc::new(FakeRunner::new());
    fake.on_ok("juju-log", "");
    let backend = Backend::for_unit(fake.clone(), "myapp/0", JujuVersion::new(3, 1, 6));
    logging::install(Rc::new(backend), false).expect("our logger");
    // These tests log as the charm would (the dispatcher registers the charm's crate).
    logging::add_charm_crate(module_path!());
    fake
}

fn juju_log_args(fake: &FakeRunner) -> Vec<Vec<String>> {
    fake.take_calls()
        .into_iter()
        .filter(|c| c.tool == "juju-log")
        .map(|c| c.args)
        .collect()
}

fn args(level: &str, message: &str) -> Vec<String> {
    vec![
        "--log-level".into(),
        level.into(),
        "--".into(),
        message.into(),
    ]
}

#[test]
fn level_names_are_ops_names() {
    use log::Level;
    assert_eq!(level_name(Level::Error), "ERROR");
    assert_eq!(level_name(Level::Warn), "WARNING");
    assert_eq!(level_name(Level::Info), "INFO");
    assert_eq!(level_name(Level::Debug), "DEBUG");
    assert_eq!(level_name(Level::Trace), "DEBUG");
}

#[test]
fn records_go_to_juju_log_with_ops_level_names() {
    let fake = install();
    assert!(log::max_level() >= log::LevelFilter::Debug);
    log::error!("e {}", 1);
    log::warn!("w");
    log::info!("i");
    log::debug!("d");
    assert_eq!(
        juju_log_args(&fake),
        vec![
            args("ERROR", "e 1"),
            args("WARNING", "w"),
            args("INFO", "i"),
            args("DEBUG", "d")
        ]
    );
    logging::uninstall();
    log::info!("after uninstall");
    assert!(juju_log_args(&fake).is_empty());
}

#[test]
fn long_records_are_split_like_ops() {
    let fake = install();
    log::debug!("{}", "l".repeat(MAX_LOG_LINE_LEN));
    assert_eq!(juju_log_args(&fake).len(), 1);
    log::debug!("{}", "l".repeat(MAX_LOG_LINE_LEN + 9));
    let calls = juju_log_args(&fake);
    assert_eq!(calls.len(), 3);
    assert!(calls[0][3].contains("Splitting into multiple chunks"));
    assert_eq!(calls[1][3].len(), MAX_LOG_LINE_LEN);
    assert_eq!(calls[2][3].len(), 9);
    logging::uninstall();
}

#[test]
fn juju_log_failures_do_not_panic() {
    let fake = install();
    fake.on_fail("juju-log", 1, "ERROR boom\n");
    log::warn!("lost");
    fake.missing("juju-log");
    log::warn!("lost too");
    fake.on_ok("juju-log", "");
    log::warn!("kept");
    let calls = juju_log_args(&fake);
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[2], args("WARNING", "kept"));
    logging::uninstall();
}

#[test]
fn a_runner_that_logs_does_not_recurse() {
    let fake = Rc::new(FakeRunner::new());
    fake.on_fn("juju-log", |_, _| {
        log::warn!("logged from inside the runner");
        ToolOutput::ok("")
    });
    let backend = Backend::for_unit(fake.clone(), "myapp/0", JujuVersion::new(3, 1, 6));
    logging::install(Rc::new(backend), false).expect("our logger");
    let capture = logging::capture().expect("capture");
    log::info!("outer");
    // One juju-log call: the inner record went to stderr only.
    assert_eq!(juju_log_args(&fake), vec![args("INFO", "outer")]);
    let messages: Vec<String> = capture.messages().into_iter().map(|(_, m)| m).collect();
    assert_eq!(messages, vec!["outer", "logged from inside the runner"]);
    logging::uninstall();
}

#[test]
fn capture_collects_records_without_a_backend() {
    let capture = logging::capture().expect("capture");
    log::warn!("one");
    log::error!("two");
    assert_eq!(
        capture.messages(),
        vec![("WARNING", "one".to_string()), ("ERROR", "two".to_string())]
    );
    let records = capture.take();
    assert_eq!(records[0].level, log::Level::Warn);
    assert_eq!(records[0].target, module_path!());
    assert!(capture.records().is_empty());
    drop(capture);
    let other = logging::capture().expect("capture");
    log::info!("three");
    assert_eq!(other.messages(), vec![("INFO", "three".to_string())]);
}

#[test]
fn debug_mode_also_writes_stderr() {
    // Only checks that debug mode works end to end; the line format is unit-tested.
    let fake = Rc::new(FakeRunner::new());
    fake.on_ok("juju-log", "");
    let backend = Backend::for_unit(fake.clone(), "myapp/0", JujuVersion::new(3, 1, 6));
    logging::install(Rc::new(backend), true).expect("our logger");
    log::info!("to both");
    assert_eq!(juju_log_args(&fake), vec![args("INFO", "to both")]);
    logging::uninstall();
}

/// A `Send` runner recording the calls made from other threads.
#[derive(Clone, Default)]
struct SharedRecorder(Arc<Mutex<Vec<Vec<String>>>>);

impl ToolRunner for SharedRecorder {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        _stdin: Option<&[u8]>,
    ) -> Result<ToolOutput, RunError> {
        let mut argv = vec![tool.to_string()];
        argv.extend(args.iter().cloned());
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(argv);
        Ok(ToolOutput::ok(""))
    }
}

#[test]
fn records_of_other_threads_use_the_shared_runner() {
    let _fake = install();
    let recorder = SharedRecorder::default();
    logging::set_other_threads_runner(Some(Box::new(recorder.clone())));
    std::thread::spawn(|| log::warn!("from a worker thread 7f3a"))
        .join()
        .expect("thread");
    let calls = recorder.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let ours: Vec<&Vec<String>> = calls.iter().filter(|c| c[4].contains("7f3a")).collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(
        ours[0],
        &vec![
            "juju-log".to_string(),
            "--log-level".into(),
            "WARNING".into(),
            "--".into(),
            "from a worker thread 7f3a".into()
        ]
    );
    logging::uninstall();
}
