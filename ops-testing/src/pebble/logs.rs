//! `GET /v1/logs`: the services' output as JSON lines (`{"time", "service", "message"}`), the
//! last `n` (default 30, `-1` all) across the selected services, then, with `follow=true`, new
//! lines as they come until the client goes away.

use super::workload::ApiError;
use super::{error_envelope, respond_json, Req, Shared};
use serde_json::json;
use std::io::Read;
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

/// The body of a followed answer: what is there, then each new line of the selected services.
struct Follow {
    shared: Arc<Shared>,
    services: Vec<String>,
    next: usize,
    pending: Vec<u8>,
}

impl Read for Follow {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pending.is_empty() {
            if self.shared.stopping.load(Ordering::SeqCst) {
                return Ok(0);
            }
            let wl = self.shared.lock();
            let logs = &wl.private.logs;
            if self.next < logs.len() {
                for entry in &logs[self.next..] {
                    if self.services.is_empty() || self.services.contains(&entry.1) {
                        self.pending.extend(line(entry));
                    }
                }
                self.next = logs.len();
                continue;
            }
            let _ = self
                .shared
                .ready
                .wait_timeout(wl, Duration::from_millis(100));
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
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
    let reader = Follow {
        shared: shared.clone(),
        services,
        next,
        pending: body,
    };
    let mut response = tiny_http::Response::new(
        tiny_http::StatusCode(200),
        header.into_iter().collect(),
        reader,
        None,
        None,
    );
    response = response.with_chunked_threshold(0);
    let _ = request.respond(response);
}
