//! A curl command that reproduces a recorded request. Secrets stay out: the Authorization header
//! refers to an environment variable the user sets.

use super::exchange::RecordedRequest;

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The curl command line for `request`. `auth_header` is what to put in place of the
/// Authorization header, e.g. `Authorization: Bearer $OKSCIM_TOKEN` (double-quoted so the
/// shell expands it).
pub fn curl_command(request: &RecordedRequest, auth_header: Option<&str>) -> String {
    let mut parts = vec!["curl".to_string(), "-sS".to_string(), "-i".to_string()];
    if request.method != "GET" {
        parts.push(format!("-X {}", request.method));
    }
    parts.push(shell_quote(&request.url));
    for (name, value) in &request.headers {
        if name.eq_ignore_ascii_case("authorization") {
            if let Some(a) = auth_header {
                parts.push(format!("-H \"{a}\""));
            }
        } else if !name.eq_ignore_ascii_case("content-length") && !name.eq_ignore_ascii_case("host")
        {
            parts.push(format!("-H {}", shell_quote(&format!("{name}: {value}"))));
        }
    }
    if let Some(body) = &request.body {
        parts.push(format!("--data-raw {}", shell_quote(body)));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_replaces_auth() {
        let r = RecordedRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:1/scim/v2/Users".into(),
            path: "/Users".into(),
            headers: vec![
                ("Authorization".into(), "Bearer [REDACTED]".into()),
                (
                    "Content-Type".into(),
                    "application/scim+json; charset=utf-8".into(),
                ),
            ],
            body: Some("{\"userName\":\"o'brien\"}".into()),
        };
        assert_eq!(
            curl_command(&r, Some("Authorization: Bearer $OKSCIM_TOKEN")),
            "curl -sS -i -X POST 'http://127.0.0.1:1/scim/v2/Users' -H \"Authorization: Bearer $OKSCIM_TOKEN\" -H 'Content-Type: application/scim+json; charset=utf-8' --data-raw '{\"userName\":\"o'\\''brien\"}'"
        );
    }
}
