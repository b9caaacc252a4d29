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

/// The `filename` parameter of a `Content-Disposition` value, its quoted-string unescaped (as
/// Go's `mime.ParseMediaType` reads it; `mime/multipart` escapes `\\` and `"`).
pub(crate) fn disposition_filename(value: &str) -> Option<String> {
    let mut rest = value;
    loop {
        let semi = rest.find(';')?;
        rest = rest[semi + 1..].trim_start();
        let (key, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let (val, tail) = match after.strip_prefix('"') {
            Some(quoted) => {
                let mut out = String::new();
                let mut chars = quoted.char_indices();
                let mut end = None;
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, next)) = chars.next() {
                                out.push(next);
                            }
                        }
                        '"' => {
                            end = Some(i + 1);
                            break;
                        }
                        c => out.push(c),
                    }
                }
                (out, &quoted[end?..])
            }
            None => {
                let end = after.find(';').unwrap_or(after.len());
                (after[..end].trim().to_string(), &after[end..])
            }
        };
        if key.trim().eq_ignore_ascii_case("filename") {
            return Some(val);
        }
        rest = tail;
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
                // multer neither unescapes `\\` nor ends a name at `\\"`: Go escapes both `\\`
                // and `"` in the file name, so the header is read here.
                let filename = field
                    .headers()
                    .get("content-disposition")
                    .and_then(|v| v.to_str().ok())
                    .and_then(disposition_filename)
                    .unwrap_or_default();
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

#[cfg(test)]
mod tests {
    use super::disposition_filename;

    #[test]
    fn file_names_are_read_as_go_writes_them() {
        let f = |v: &str| disposition_filename(v);
        assert_eq!(
            f(r#"form-data; name="files"; filename="/a/b.txt""#).as_deref(),
            Some("/a/b.txt")
        );
        assert_eq!(
            f(r#"form-data; name="files"; filename="/a\\b\"c\\""#).as_deref(),
            Some(r#"/a\b"c\"#)
        );
        assert_eq!(
            f(r#"form-data; name="x;y"; filename="/p""#).as_deref(),
            Some("/p")
        );
        assert_eq!(f("form-data; filename=/plain").as_deref(), Some("/plain"));
        assert_eq!(f(r#"form-data; name="files""#), None);
    }
}
