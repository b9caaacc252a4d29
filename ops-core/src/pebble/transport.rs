//! HTTP/1.1 over Pebble's Unix socket: a ureq agent with a Unix-socket connector and no name
//! resolution, one connection per request (as ops' urllib opener), and the mapping of answers and
//! failures to [`Error`].

use super::{ApiError, Error};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, LazyBuffers, NextTimeout, Transport,
};

/// The base URL of every request; the host is never resolved.
pub(crate) const BASE_URL: &str = "http://localhost";

/// Connects every request to the Unix socket.
#[derive(Debug)]
struct UnixConnector {
    path: PathBuf,
}

impl Connector<()> for UnixConnector {
    type Out = UnixTransport;

    fn connect(
        &self,
        details: &ConnectionDetails,
        _chained: Option<()>,
    ) -> Result<Option<UnixTransport>, ureq::Error> {
        let stream = connect(&self.path).map_err(ureq::Error::Io)?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(UnixTransport {
            stream,
            buffers,
            read_timeout: None,
            write_timeout: None,
        }))
    }
}

/// Open the socket, with an error that names it.
pub(crate) fn connect(path: &Path) -> std::io::Result<UnixStream> {
    UnixStream::connect(path).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot connect to Pebble at {}: {e}", path.display()),
        )
    })
}

/// One connection.
#[derive(Debug)]
struct UnixTransport {
    stream: UnixStream,
    buffers: LazyBuffers,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

fn wanted(timeout: NextTimeout) -> Result<Option<Duration>, ureq::Error> {
    if !timeout.after.is_not_happening() && timeout.after.is_zero() {
        return Err(ureq::Error::Timeout(timeout.reason));
    }
    Ok(timeout.not_zero().map(|d| *d))
}

fn io_error(e: std::io::Error, timeout: NextTimeout) -> ureq::Error {
    match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
            ureq::Error::Timeout(timeout.reason)
        }
        _ => ureq::Error::Io(e),
    }
}

impl Transport for UnixTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let timeout = timeout.for_write();
        let t = wanted(timeout)?;
        if t != self.write_timeout {
            self.stream.set_write_timeout(t)?;
            self.write_timeout = t;
        }
        let output = &self.buffers.output()[..amount];
        self.stream
            .write_all(output)
            .map_err(|e| io_error(e, timeout))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let timeout = timeout.for_read();
        let t = wanted(timeout)?;
        if t != self.read_timeout {
            self.stream.set_read_timeout(t)?;
            self.read_timeout = t;
        }
        let input = self.buffers.input_append_buf();
        let amount = loop {
            match self.stream.read(input) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other.map_err(|e| io_error(e, timeout))?,
            }
        };
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        // Never pooled: one connection per request, as ops' client.
        false
    }
}

/// No name resolution: the connector ignores the address anyway.
#[derive(Debug)]
struct NoResolver;

impl Resolver for NoResolver {
    fn resolve(
        &self,
        _uri: &ureq::http::Uri,
        _config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let mut addrs = self.empty();
        addrs.push(std::net::SocketAddr::from(([127, 0, 0, 1], 80)));
        Ok(addrs)
    }
}

/// A ureq agent talking to the socket at `path`; every socket operation times out after
/// `timeout` (ops' `Client.timeout`).
pub(crate) fn agent(path: &Path, timeout: Duration) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_idle_connections(0)
        .max_redirects(0)
        // Pebble's answers are small: 16 KiB buffers instead of ureq's 128 KiB (bodies stream).
        .input_buffer_size(16 * 1024)
        .output_buffer_size(16 * 1024)
        .max_response_header_size(16 * 1024)
        .timeout_connect(Some(timeout))
        .timeout_per_read(Some(timeout))
        .timeout_per_write(Some(timeout))
        .build();
    ureq::Agent::with_parts(
        config,
        UnixConnector {
            path: path.to_path_buf(),
        },
        NoResolver,
    )
}

/// Map a ureq failure to the client's error.
pub(crate) fn map_error(e: ureq::Error) -> Error {
    match e {
        ureq::Error::Io(e) => match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                Error::Timeout(format!("timed out talking to Pebble: {e}"))
            }
            _ => Error::Connection(e.to_string()),
        },
        ureq::Error::Timeout(t) => Error::Timeout(format!("timed out talking to Pebble ({t})")),
        ureq::Error::Protocol(p) => Error::Protocol(format!("invalid HTTP from Pebble: {p}")),
        ureq::Error::ConnectionFailed => Error::Connection("cannot connect to Pebble".into()),
        other => Error::Protocol(other.to_string()),
    }
}

/// Characters left as they are in a query component (as Python's `quote_plus`, minus `+`).
const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `path?k=v&k=v`, percent-encoded.
pub(crate) fn url(path: &str, query: &[(&str, String)]) -> String {
    let mut url = format!("{BASE_URL}{path}");
    for (i, (k, v)) in query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.extend(percent_encoding::utf8_percent_encode(k, QUERY));
        url.push('=');
        url.extend(percent_encoding::utf8_percent_encode(v, QUERY));
    }
    url
}

/// The media type of a `Content-Type` header, lower-cased, without parameters.
pub(crate) fn media_type(resp: &ureq::http::Response<ureq::Body>) -> String {
    resp.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The largest JSON answer read (file lists of huge directories stay well under it).
const MAX_JSON: u64 = 256 << 20;

/// Read a whole body.
pub(crate) fn read_body(resp: &mut ureq::http::Response<ureq::Body>) -> Result<Vec<u8>, Error> {
    resp.body_mut()
        .with_config()
        .limit(MAX_JSON)
        .read_to_vec()
        .map_err(map_error)
}

/// The error of a non-2xx answer, as ops builds its `APIError`.
pub(crate) fn api_error(mut resp: ureq::http::Response<ureq::Body>) -> Error {
    let code = resp.status().as_u16();
    let reason = resp
        .status()
        .canonical_reason()
        .unwrap_or("Unknown")
        .to_string();
    let raw = match read_body(&mut resp) {
        Ok(raw) => raw,
        Err(e) => {
            return Error::Api(ApiError {
                code,
                status: reason,
                message: format!("cannot read the error body: {e}"),
                kind: None,
                body: serde_json::json!({}),
            })
        }
    };
    match serde_json::from_slice::<serde_json::Value>(&raw) {
        Ok(body) => {
            let result = body.get("result");
            let message = result
                .and_then(|r| r.get("message"))
                .and_then(|m| m.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| String::from_utf8_lossy(&raw).into_owned());
            let kind = result
                .and_then(|r| r.get("kind"))
                .and_then(|k| k.as_str())
                .map(str::to_string);
            let status = body
                .get("status")
                .and_then(|s| s.as_str())
                .map(str::to_string)
                .unwrap_or(reason);
            Error::Api(ApiError {
                code,
                status,
                message,
                kind,
                body,
            })
        }
        Err(e) => Error::Api(ApiError {
            code,
            status: reason,
            message: format!("JSONDecodeError - {e}"),
            kind: None,
            body: serde_json::json!({}),
        }),
    }
}
