//! [`FakeRunner`]: a scripted [`ToolRunner`] for tests, the Rust counterpart of ops'
//! `fake_script` technique. It records every call (tool, args, stdin) and answers from a script.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use super::runner::{RunError, ToolOutput, ToolRunner};

/// One recorded call. Its `Debug` names the files of `key#file=` arguments but never shows their
/// content (secret content travels that way).
#[derive(Clone, PartialEq, Eq)]
pub struct RecordedCall {
    /// The tool, e.g. `relation-get`.
    pub tool: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// What was fed on stdin, if anything.
    pub stdin: Option<Vec<u8>>,
    /// The content, at call time, of each file named by a `key#file=<path>` argument (as
    /// `secret-add`/`secret-set` pass secret content): path → content (lossy UTF-8).
    pub files: std::collections::BTreeMap<String, String>,
}

impl std::fmt::Debug for RecordedCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordedCall")
            .field("tool", &self.tool)
            .field("args", &self.args)
            .field("stdin_bytes", &self.stdin.as_ref().map(Vec::len))
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl RecordedCall {
    /// The tool followed by its arguments, as ops' `fake_script_calls` shows a call.
    pub fn argv(&self) -> Vec<String> {
        let mut argv = vec![self.tool.clone()];
        argv.extend(self.args.iter().cloned());
        argv
    }

    /// [`RecordedCall::argv`] with each `key#file=<path>` argument shown as `key=<content of the
    /// file at call time>`: the argv as a tool that reads the files sees it.
    pub fn resolved_argv(&self) -> Vec<String> {
        let mut argv = vec![self.tool.clone()];
        argv.extend(self.args.iter().map(|arg| match arg.split_once("#file=") {
            Some((key, path)) if self.files.contains_key(path) => {
                format!("{key}={}", self.files[path])
            }
            _ => arg.clone(),
        }));
        argv
    }

    /// Stdin as (lossy) UTF-8 text.
    pub fn stdin_text(&self) -> Option<String> {
        self.stdin
            .as_ref()
            .map(|s| String::from_utf8_lossy(s).into_owned())
    }
}

type Responder = Rc<dyn Fn(&[String], Option<&[u8]>) -> ToolOutput>;

#[derive(Clone)]
enum Answer {
    Output(ToolOutput),
    Dynamic(Responder),
    Missing,
}

/// A scripted hook-tool runner.
///
/// Each tool answers with, in order of precedence: the next queued one-shot answer
/// ([`FakeRunner::once`]), or its standing answer ([`FakeRunner::on`], [`FakeRunner::on_fn`]).
/// A tool with neither behaves as missing from `PATH` ([`RunError::NotFound`]). Every call is
/// recorded, including calls to missing tools.
#[derive(Default)]
pub struct FakeRunner {
    calls: RefCell<Vec<RecordedCall>>,
    standing: RefCell<HashMap<String, Answer>>,
    queued: RefCell<HashMap<String, VecDeque<Answer>>>,
}

impl std::fmt::Debug for FakeRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeRunner")
            .field("calls", &self.calls.borrow())
            .finish_non_exhaustive()
    }
}

impl FakeRunner {
    /// A runner with no tools.
    pub fn new() -> Self {
        Self::default()
    }

    /// From now on `tool` answers `output` (replacing its previous standing answer).
    pub fn on(&self, tool: &str, output: ToolOutput) -> &Self {
        self.standing
            .borrow_mut()
            .insert(tool.to_string(), Answer::Output(output));
        self
    }

    /// From now on `tool` exits 0 printing `stdout`.
    pub fn on_ok(&self, tool: &str, stdout: &str) -> &Self {
        self.on(tool, ToolOutput::ok(stdout))
    }

    /// From now on `tool` exits `code` printing `stderr`.
    pub fn on_fail(&self, tool: &str, code: i32, stderr: &str) -> &Self {
        self.on(tool, ToolOutput::failed(code, stderr))
    }

    /// From now on `tool` answers whatever `respond(args, stdin)` returns.
    pub fn on_fn(
        &self,
        tool: &str,
        respond: impl Fn(&[String], Option<&[u8]>) -> ToolOutput + 'static,
    ) -> &Self {
        self.standing
            .borrow_mut()
            .insert(tool.to_string(), Answer::Dynamic(Rc::new(respond)));
        self
    }

    /// The next call of `tool` answers `output` (queued before any standing answer).
    pub fn once(&self, tool: &str, output: ToolOutput) -> &Self {
        self.queued
            .borrow_mut()
            .entry(tool.to_string())
            .or_default()
            .push_back(Answer::Output(output));
        self
    }

    /// `tool` is missing from `PATH` again (its standing answer is removed).
    pub fn missing(&self, tool: &str) -> &Self {
        self.standing
            .borrow_mut()
            .insert(tool.to_string(), Answer::Missing);
        self
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.calls.borrow().clone()
    }

    /// Every call so far, forgetting them.
    pub fn take_calls(&self) -> Vec<RecordedCall> {
        std::mem::take(&mut *self.calls.borrow_mut())
    }

    /// The argv (tool first) of every call so far, as ops' `fake_script_calls` returns them.
    pub fn argvs(&self) -> Vec<Vec<String>> {
        self.calls.borrow().iter().map(RecordedCall::argv).collect()
    }

    /// [`RecordedCall::resolved_argv`] of every call so far, forgetting the calls.
    pub fn take_resolved_argvs(&self) -> Vec<Vec<String>> {
        self.take_calls()
            .iter()
            .map(RecordedCall::resolved_argv)
            .collect()
    }

    /// [`FakeRunner::argvs`], forgetting the calls (ops: `fake_script_calls(clear=True)`).
    pub fn take_argvs(&self) -> Vec<Vec<String>> {
        self.take_calls().iter().map(RecordedCall::argv).collect()
    }
}

impl ToolRunner for FakeRunner {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<ToolOutput, RunError> {
        self.calls.borrow_mut().push(RecordedCall {
            tool: tool.to_string(),
            args: args.to_vec(),
            stdin: stdin.map(<[u8]>::to_vec),
            files: args
                .iter()
                .filter_map(|arg| arg.split_once("#file=").map(|(_, path)| path))
                .filter_map(|path| {
                    let bytes = std::fs::read(path).ok()?;
                    Some((
                        path.to_string(),
                        String::from_utf8_lossy(&bytes).into_owned(),
                    ))
                })
                .collect(),
        });
        let queued = self
            .queued
            .borrow_mut()
            .get_mut(tool)
            .and_then(VecDeque::pop_front);
        let answer = queued.or_else(|| self.standing.borrow().get(tool).cloned());
        match answer {
            Some(Answer::Output(out)) => Ok(out),
            Some(Answer::Dynamic(respond)) => Ok(respond(args, stdin)),
            Some(Answer::Missing) | None => Err(RunError::NotFound(tool.to_string())),
        }
    }
}
