//! The floor of a hook's cost: a process that makes the same hook-tool calls as a charm did and
//! nothing else. `scripts/hook-overhead` compiles it with `rustc -O` and runs it in place of a
//! charm's `dispatch`; a charm's framework overhead is its time minus this one's.
//!
//! Reads `$CALLS` (else `./calls`): one recorded call per line, the tool then its arguments
//! separated by spaces (how the bench's stub tools log them). Each is spawned as ops-core's
//! `ProcessRunner` spawns a tool: found on `PATH`, stdin closed, stdout and stderr captured.

use std::process::{Command, ExitCode, Stdio};

fn main() -> ExitCode {
    // `calls` in the current directory when CALLS is not set: the floor then stands in for a
    // charm's `dispatch` (scripts/overhead-bench-bias).
    let path = std::env::var_os("CALLS").unwrap_or_else(|| "calls".into());
    let calls = match std::fs::read_to_string(&path) {
        Ok(calls) => calls,
        Err(e) => {
            eprintln!("hook-floor: {}: {e}", path.to_string_lossy());
            return ExitCode::from(2);
        }
    };
    for line in calls.lines().filter(|l| !l.trim().is_empty()) {
        let mut words = line.split(' ');
        let tool = words.next().unwrap_or_default();
        let run = Command::new(tool)
            .args(words)
            .stdin(Stdio::null())
            .output();
        if let Err(e) = run {
            eprintln!("hook-floor: {tool}: {e}");
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}
