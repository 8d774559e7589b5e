//! Traffic labels: the headers of requests that Okta's provisioning engine would not send.
//! The simulated Okta sends Okta's headers exactly (`okta::Wire`); a scenario's own `request:`
//! and `read:` steps carry okscim's (`User-Agent: okscim/<version>`, nothing Okta-only), or the
//! SPEC test's header sets in a scenario that reproduces that test. A server log or a recording
//! proxy can always tell the three apart by the User-Agent.

use reqwest::Method;

use crate::scenario::RequestHeaders;

/// The User-Agent of okscim's own requests.
pub const OKSCIM_USER_AGENT: &str = concat!("okscim/", env!("CARGO_PKG_VERSION"));

pub use crate::okta::SPEC_TEST_USER_AGENT;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

/// The headers of a scenario's own request, by whose traffic it is.
pub fn own_headers(
    style: RequestHeaders,
    method: &Method,
    has_body: bool,
) -> Vec<(String, String)> {
    match style {
        RequestHeaders::Okscim if has_body => pairs(&[
            ("Accept", "application/scim+json"),
            ("Content-Type", "application/scim+json"),
            ("User-Agent", OKSCIM_USER_AGENT),
        ]),
        RequestHeaders::Okscim => pairs(&[
            ("Accept", "application/scim+json"),
            ("User-Agent", OKSCIM_USER_AGENT),
        ]),
        RequestHeaders::OktaSpecTest => {
            crate::okta::spec_test_headers(has_body || *method == Method::POST)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn okscim_traffic_carries_no_okta_header() {
        for (method, body) in [
            (Method::GET, false),
            (Method::POST, true),
            (Method::DELETE, false),
        ] {
            let h = own_headers(RequestHeaders::Okscim, &method, body);
            assert!(
                h.iter()
                    .any(|(k, v)| k == "User-Agent" && v.starts_with("okscim/"))
            );
            assert!(!h.iter().any(|(k, _)| k == "Accept-Charset"));
        }
        let post = own_headers(RequestHeaders::OktaSpecTest, &Method::POST, true);
        let names: Vec<&str> = post.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["Content-Type", "Accept"]);
        let get = own_headers(RequestHeaders::OktaSpecTest, &Method::GET, false);
        assert!(get.contains(&("User-Agent".into(), SPEC_TEST_USER_AGENT.into())));
    }
}
