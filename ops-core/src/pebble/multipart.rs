//! Reading the multipart answer of a file pull with `multer`, driven synchronously: the body is a
//! blocking reader, so the parser's futures never wait and are simply polled to completion.

use super::Error;
use bytes::Bytes;
use std::future::Future;
use std::io::{Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// The largest `response` part read (as ops: 8 MiB).
const MAX_RESPONSE: usize = 8 << 20;

/// A blocking reader as the byte stream multer parses.
struct ReaderStream<R> {
    reader: R,
    done: bool,
}

impl<R: Read + Unpin> futures_core::Stream for ReaderStream<R> {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match self.reader.read(&mut buf) {
                Ok(0) => {
                    self.done = true;
                    return Poll::Ready(None);
                }
                Ok(n) => {
                    buf.truncate(n);
                    return Poll::Ready(Some(Ok(Bytes::from(buf))));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
    }
}

/// Poll a future whose every source is blocking I/O until it is ready.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

fn multipart_error(e: multer::Error) -> Error {
    match e {
        multer::Error::StreamReadFailed(e) => match e.downcast::<std::io::Error>() {
            Ok(io) => Error::Connection(format!("reading the file from Pebble failed: {io}")),
            Err(e) => Error::Protocol(format!("invalid multipart answer: {e}")),
        },
        e => Error::Protocol(format!("invalid multipart answer: {e}")),
    }
}

/// The parts of a pull answer: the content of `path` streamed into `out`, and the decoded
/// `response` part.
pub(crate) struct PullParts {
    /// How many `files` parts there were.
    pub files: usize,
    /// The `response` part, decoded.
    pub response: Option<serde_json::Value>,
}

/// Parse a `multipart/form-data` pull answer with `content_type`'s boundary, streaming the file
/// part of `path` into `out`.
pub(crate) fn read_pull<R: Read + Unpin + Send + 'static>(
    body: R,
    content_type: &str,
    path: &str,
    out: &mut dyn Write,
) -> Result<PullParts, Error> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| {
        Error::Protocol(format!(
            "expected Content-Type multipart/form-data with a boundary, got {content_type:?}"
        ))
    })?;
    let stream = ReaderStream {
        reader: body,
        done: false,
    };
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parts = PullParts {
        files: 0,
        response: None,
    };
    while let Some(mut field) = block_on(multipart.next_field()).map_err(multipart_error)? {
        match field.name() {
            Some("files") => {
                let filename = field.file_name().unwrap_or("").to_string();
                if filename != path {
                    return Err(Error::Protocol(format!("path not expected: {filename}")));
                }
                parts.files += 1;
                while let Some(chunk) = block_on(field.chunk()).map_err(multipart_error)? {
                    out.write_all(&chunk)?;
                }
            }
            Some("response") => {
                let mut data = Vec::new();
                while let Some(chunk) = block_on(field.chunk()).map_err(multipart_error)? {
                    data.extend_from_slice(&chunk);
                    if data.len() > MAX_RESPONSE {
                        return Err(Error::Protocol("response part too large".into()));
                    }
                }
                let value = serde_json::from_slice(&data).map_err(|e| {
                    Error::Protocol(format!("invalid JSON in the response part: {e}"))
                })?;
                parts.response = Some(value);
            }
            other => {
                return Err(Error::Protocol(format!(
                    "unexpected name in content-disposition header: {:?}",
                    other.unwrap_or("")
                )))
            }
        }
    }
    Ok(parts)
}
