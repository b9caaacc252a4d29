//! Service logs (`GET /v1/logs`): the last lines the services wrote, or a stream of them as they
//! come (`follow`). Pebble answers JSON lines, `{"time", "service", "message"}`.

use super::transport;
use super::{Client, Error, Result};
use serde::{Deserialize, Serialize};
use std::io::BufRead;

/// One line a service wrote.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{Layer, LogCount};
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// let layer = Layer::from_yaml(
///     "services:\n  web:\n    override: replace\n    command: /bin/web --port 8080\n    startup: enabled\n",
/// )?;
/// client.add_layer("web", &layer, true)?;
/// pebble.add_service_log("web", "listening on :8080");
/// let logs = client.get_service_logs(&["web"], LogCount::All)?;
/// assert_eq!(logs.last().map(|e| (e.service.as_str(), e.message.as_str())), Some(("web", "listening on :8080")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// When (RFC 3339).
    pub time: String,
    /// The service.
    pub service: String,
    /// The line, without its newline.
    pub message: String,
}

/// How many lines to get: Pebble's `n`.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::LogCount;
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// // The last 10 lines of every service; `All` for all, `Default` for Pebble's default (30).
/// let logs = pebble.client().get_service_logs(&[], LogCount::Last(10))?;
/// assert!(logs.len() <= 10);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogCount {
    /// Pebble's default (30; none when following).
    #[default]
    Default,
    /// Every buffered line.
    All,
    /// The last `n` lines.
    Last(u32),
}

/// Followed service logs: an iterator over the lines as the services write them, until the
/// stream is dropped or Pebble goes away.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{Layer, LogCount};
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// let layer = Layer::from_yaml(
///     "services:\n  web:\n    override: replace\n    command: /bin/web --port 8080\n    startup: enabled\n",
/// )?;
/// client.add_layer("web", &layer, true)?;
/// pebble.add_service_log("web", "ready");
/// // Followed: entries as they come; here only the first is read.
/// let mut stream = client.follow_service_logs(&["web"], LogCount::All)?;
/// let first = stream.next().expect("an entry")?;
/// assert_eq!(first.message, "ready");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct LogStream {
    reader: Box<dyn BufRead + Send>,
}

impl std::fmt::Debug for LogStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogStream").finish_non_exhaustive()
    }
}

impl Iterator for LogStream {
    type Item = Result<LogEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut line = String::new();
        loop {
            line.clear();
            match self.reader.read_line(&mut line) {
                Ok(0) => return None,
                Ok(_) if line.trim().is_empty() => continue,
                Ok(_) => {
                    return Some(serde_json::from_str(&line).map_err(|e| {
                        Error::Protocol(format!("invalid log line from Pebble: {e}"))
                    }))
                }
                Err(e) => return Some(Err(Error::Connection(format!("reading logs failed: {e}")))),
            }
        }
    }
}

impl Client {
    fn logs_request(
        &self,
        services: &[&str],
        count: LogCount,
        follow: bool,
    ) -> Result<Box<dyn BufRead + Send>> {
        let mut query = Vec::new();
        if !services.is_empty() {
            query.push(("services", services.join(",")));
        }
        match count {
            LogCount::Default => {}
            LogCount::All => query.push(("n", "-1".to_string())),
            LogCount::Last(n) => query.push(("n", n.to_string())),
        }
        if follow {
            query.push(("follow", "true".to_string()));
        }
        let mut request = self.agent().get(transport::url("/v1/logs", &query));
        if follow {
            // A followed stream waits as long as the services are quiet.
            request = request.config().timeout_per_read(None).build();
        }
        let resp = request.call().map_err(transport::map_error)?;
        if !resp.status().is_success() {
            return Err(transport::api_error(resp));
        }
        Ok(Box::new(std::io::BufReader::new(
            resp.into_body().into_reader(),
        )))
    }

    /// The services' last log lines (all services when `services` is empty), oldest first.
    pub fn get_service_logs(&self, services: &[&str], count: LogCount) -> Result<Vec<LogEntry>> {
        LogStream {
            reader: self.logs_request(services, count, false)?,
        }
        .collect()
    }

    /// Follow the services' logs: the last `count` lines (none by default), then each new one.
    pub fn follow_service_logs(&self, services: &[&str], count: LogCount) -> Result<LogStream> {
        Ok(LogStream {
            reader: self.logs_request(services, count, true)?,
        })
    }
}
