//! `GET /v1/logs`: the services' output as JSON lines (`{"time", "service", "message"}`), the
//! last `n` (default 30, `-1` all) across the selected services, then, with `follow=true`, new
//! lines as they come until the client goes away.

use super::workload::ApiError;
use super::{error_envelope, respond_json, Req, Shared};
use serde_json::json;
use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

const DEFAULT_N: i64 = 30;

fn line(entry: &(String, String, String)) -> Vec<u8> {
    let (time, service, message) = entry;
    let mut out =
        json!({"time": time, "service": service, "message": message.trim_end_matches('\n')})
            .to_string()
            .into_bytes();
    out.push(b'\n');
    out
}

/// Stream the followed lines of `services` from log index `next`, as a chunked answer flushed
/// line by line, until the client goes away or the fake stops.
fn stream(
    shared: &Arc<Shared>,
    request: tiny_http::Request,
    services: &[String],
    mut next: usize,
    first: Vec<u8>,
) {
    let mut out = request.into_writer();
    let chunk = |out: &mut Box<dyn Write + Send>, data: &[u8]| -> std::io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        write!(out, "{:x}\r\n", data.len())?;
        out.write_all(data)?;
        out.write_all(b"\r\n")?;
        out.flush()
    };
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n";
    if out.write_all(head.as_bytes()).is_err() || chunk(&mut out, &first).is_err() {
        return;
    }
    loop {
        if shared.stopping.load(Ordering::SeqCst) {
            let _ = out.write_all(b"0\r\n\r\n");
            let _ = out.flush();
            return;
        }
        let wl = shared.lock();
        let logs = &wl.private.logs;
        if next < logs.len() {
            let data: Vec<u8> = logs[next..]
                .iter()
                .filter(|e| services.is_empty() || services.contains(&e.1))
                .flat_map(line)
                .collect();
            next = logs.len();
            drop(wl);
            if chunk(&mut out, &data).is_err() {
                return;
            }
            continue;
        }
        let _ = shared.ready.wait_timeout(wl, Duration::from_millis(100));
    }
}

pub(crate) fn serve(shared: &Arc<Shared>, request: tiny_http::Request, req: &Req) {
    let fail = |request: tiny_http::Request, err: ApiError| {
        respond_json(request, err.code, &error_envelope(&err))
    };
    let follow = match req.q("follow").unwrap_or("") {
        "" | "false" => false,
        "true" => true,
        _ => {
            return fail(
                request,
                ApiError::new(400, "follow parameter must be \"true\" or \"false\""),
            )
        }
    };
    let n = match req.q("n").filter(|n| !n.is_empty()) {
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= -1 => n,
            _ => {
                return fail(
                    request,
                    ApiError::new(400, "n must be -1, 0, or a positive integer"),
                )
            }
        },
        None if follow => 0,
        None => DEFAULT_N,
    };
    let services = req.q_list("services");
    let wl = shared.lock();
    let selected: Vec<&(String, String, String)> = wl
        .private
        .logs
        .iter()
        .filter(|e| services.is_empty() || services.contains(&e.1))
        .collect();
    let skip = match n {
        -1 => 0,
        n => selected.len().saturating_sub(n as usize),
    };
    let body: Vec<u8> = selected[skip..].iter().flat_map(|e| line(e)).collect();
    let next = wl.private.logs.len();
    drop(wl);
    let header = tiny_http::Header::from_bytes("Content-Type", "application/x-ndjson").ok();
    if !follow {
        let mut response = tiny_http::Response::from_data(body);
        if let Some(h) = header {
            response = response.with_header(h);
        }
        let _ = request.respond(response);
        return;
    }
    stream(shared, request, &services, next, body);
}
