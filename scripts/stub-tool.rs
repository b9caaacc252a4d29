//! A near-free hook tool for `scripts/hook-overhead`: one static binary, hard-linked under each
//! tool's name. It appends its name and arguments (one line, space-separated) to `$STUB_LOG` when
//! that is set, then prints the file `$STUB_DIR/<name>.out` if there is one, and exits 0. Its cost
//! is a process start, so a hook's time minus its floor's is what the framework itself costs.

use std::io::Write;

fn main() {
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    let name = std::path::Path::new(&argv0)
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    if let Some(log) = std::env::var_os("STUB_LOG").filter(|l| !l.is_empty()) {
        let mut line = name.clone();
        for arg in args {
            line.push(' ');
            line.push_str(&arg.to_string_lossy());
        }
        line.push('\n');
        let appended = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&log)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = appended {
            eprintln!("stub-tool: {}: {e}", log.to_string_lossy());
            std::process::exit(1);
        }
    }
    if let Some(dir) = std::env::var_os("STUB_DIR") {
        if let Ok(answer) = std::fs::read(std::path::Path::new(&dir).join(format!("{name}.out"))) {
            let _ = std::io::stdout().write_all(&answer);
        }
    }
}
