//! Every variant in `src/variants.rs`, observed over HTTP: one probe per variant that answers
//! "does the server behave this (legal) way?". Each probe runs against a default server (must
//! say no) and a server with only that variant (must say yes). The `match` in [`shows`] is
//! exhaustive, so a new variant does not compile until it has a probe. Whether the harness
//! passes each variant is the harness's own matrix test (`tests/variants.rs` of okscim).

use okscim_reference_server::Variant;
use rstest::rstest;
use serde_json::json;

use crate::common::{Auth, TestServer, okta_user};

/// Whether the server shows `variant`'s behaviour.
async fn shows(variant: Variant, srv: &TestServer) -> bool {
    match variant {
        Variant::NoEtags => {
            let id = srv.create_user("etagless@example.com").await;
            let r = srv.get(&format!("/Users/{id}")).send().await;
            r.expect(200);
            let spc = srv.get("/ServiceProviderConfig").send().await;
            r.header("etag").is_none()
                && r.json["meta"].get("version").is_none()
                && spc.json["etag"]["supported"] == json!(false)
        }
        Variant::Patch204 => {
            let id = srv.create_user("nocontent@example.com").await;
            let r = srv
                .patch(
                    &format!("/Users/{id}"),
                    json!([{"op": "replace", "value": {"active": false}}]),
                )
                .send()
                .await;
            // The change is applied either way; only the answer differs.
            r.status == 204 && r.text.is_empty() && srv.user(&id).await["active"] == json!(false)
        }
        Variant::NoLocation => {
            let r = srv
                .post("/Users", &okta_user("nolocation@example.com"))
                .send()
                .await;
            r.expect(201);
            r.header("location").is_none() && r.json["meta"]["location"].is_string()
        }
        Variant::IntegerIds => {
            let a = srv.create_user("int.one@example.com").await;
            let g = srv.create_group("Int Group", &[&a]).await;
            // A UUID whose 128 bits are the id's number is not another name for it (regression:
            // the id index, keyed by value, once took it for one).
            let alias = format!(
                "00000000-0000-0000-0000-{:012x}",
                a.parse::<u64>().unwrap_or(0)
            );
            let by_alias = srv.get(&format!("/Users/{alias}")).send().await.status;
            a.parse::<u64>().is_ok() && g.parse::<u64>().is_ok() && a != g && by_alias == 404
        }
        Variant::NoScimType => {
            srv.create_user("taken@example.com").await;
            let r = srv
                .post("/Users", &okta_user("taken@example.com"))
                .send()
                .await;
            r.status == 409 && r.json.get("scimType").is_none() && !r.detail().is_empty()
        }
        Variant::StatusAsNumber => {
            let r = srv.get("/Users/does-not-exist").send().await;
            r.expect(404);
            let unauthorized = srv.get("/Users").auth(Auth::None).send().await;
            r.json["status"] == json!(404) && unauthorized.json["status"] == json!(401)
        }
        Variant::NoGroupsAttribute => {
            let a = srv.create_user("groupless@example.com").await;
            srv.create_group("Groupless Group", &[&a]).await;
            srv.user(&a).await.get("groups").is_none()
        }
        Variant::PageSize50 => {
            for i in 0..60 {
                srv.create_user(&format!("paged{i:02}@example.com")).await;
            }
            let r = srv.get("/Users?startIndex=1&count=100").send().await;
            r.expect(200);
            r.json["itemsPerPage"] == json!(50) && r.resource_ids().len() == 50 && r.total() == 60
        }
        Variant::UnknownMembersAccepted => {
            let a = srv.create_user("known@example.com").await;
            let r = srv
                .post(
                    "/Groups",
                    &json!({
                        "schemas": [crate::common::GROUP_URN],
                        "displayName": "Unknown Members",
                        "members": [{"value": a}, {"value": "no-such-member"}],
                    }),
                )
                .send()
                .await;
            r.status == 201 && r.json["members"].as_array().map(Vec::len) == Some(1)
        }
        Variant::PutOnly => {
            let id = srv.create_user("putonly@example.com").await;
            let r = srv
                .patch(
                    &format!("/Users/{id}"),
                    json!([{"op": "replace", "value": {"active": false}}]),
                )
                .send()
                .await;
            let spc = srv.get("/ServiceProviderConfig").send().await;
            r.status == 501
                && r.json["schemas"][0] == json!(crate::common::ERROR_URN)
                && srv.user(&id).await["active"] == json!(true)
                && spc.json["patch"]["supported"] == json!(false)
        }
        Variant::Entitlements => {
            let types = srv.get("/ResourceTypes").send().await;
            let advertised = types.json["Resources"].as_array().is_some_and(|t| {
                t.iter().any(|t| {
                    t["schema"] == json!("urn:okta:scim:schemas:core:1.0:Role")
                        && t["endpoint"] == json!("/Roles")
                })
            });
            let page = srv.get("/Entitlements?count=1&startIndex=2").send().await;
            let unauthorized = srv.get("/Roles").auth(Auth::None).send().await;
            advertised
                && page.status == 200
                && page.json["itemsPerPage"] == json!(1)
                && page.json["startIndex"] == json!(2)
                && page.total() == 2
                && page.json["Resources"][0]["type"] == json!("License")
                && unauthorized.status == 401
        }
        Variant::ConnectionClose => {
            let r = srv.get("/ServiceProviderConfig").send().await;
            let e = srv.get("/Users/nobody").send().await;
            r.header("connection") == Some("close") && e.header("connection") == Some("close")
        }
        Variant::RateLimit => {
            // 20 a second by default: a burst of 40 meets a 429 with Retry-After: 1 and a
            // SCIM Error body; after a second the bucket has refilled.
            let mut throttled = None;
            for _ in 0..40 {
                let r = srv.get("/Users?count=1").send().await;
                if r.status == 429 {
                    throttled = Some(r);
                    break;
                }
            }
            let Some(r) = throttled else {
                return false;
            };
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
            let again = srv.get("/Users?count=1").send().await;
            r.header("retry-after") == Some("1")
                && r.json["schemas"] == json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
                && r.json["status"] == json!("429")
                && again.status == 200
        }
    }
}

#[rstest]
#[case::no_etags(Variant::NoEtags)]
#[case::patch_204(Variant::Patch204)]
#[case::no_location(Variant::NoLocation)]
#[case::integer_ids(Variant::IntegerIds)]
#[case::no_scim_type(Variant::NoScimType)]
#[case::status_as_number(Variant::StatusAsNumber)]
#[case::no_groups_attribute(Variant::NoGroupsAttribute)]
#[case::page_size_50(Variant::PageSize50)]
#[case::unknown_members_accepted(Variant::UnknownMembersAccepted)]
#[case::put_only(Variant::PutOnly)]
#[case::connection_close(Variant::ConnectionClose)]
#[case::entitlements(Variant::Entitlements)]
#[case::rate_limit(Variant::RateLimit)]
#[tokio::test]
async fn variant_is_observable_over_http(#[case] variant: Variant) {
    let clean = TestServer::rfc().await;
    assert!(
        !shows(variant, &clean).await,
        "{variant}: the default server already behaves this way"
    );
    let varied = TestServer::with_variants(&[variant]).await;
    assert!(
        shows(variant, &varied).await,
        "{variant}: switching the variant on changed nothing observable"
    );
}

#[test]
fn every_variant_has_a_case() {
    assert_eq!(Variant::ALL.len(), 13, "add a #[case] for the new variant");
}

/// A server without versioning ignores If-Match rather than answering 412.
#[tokio::test]
async fn no_etags_ignores_if_match() {
    let srv = TestServer::with_variants(&[Variant::NoEtags]).await;
    let id = srv.create_user("ifmatch@example.com").await;
    let mut user = srv.user(&id).await;
    user["displayName"] = json!("Changed");
    let r = srv
        .put(&format!("/Users/{id}"), &user)
        .header("If-Match", "W/\"stale\"")
        .send()
        .await;
    r.expect(200);
}

/// The error-body variants also reshape axum's own 405 answers, and compose.
#[tokio::test]
async fn error_variants_cover_every_error_and_compose() {
    let srv = TestServer::with_variants(&[Variant::StatusAsNumber, Variant::NoScimType]).await;
    let r = srv.post("/Schemas", &json!({})).send().await;
    assert_eq!(r.status, 405);
    assert_eq!(r.json["status"], json!(405));
    srv.create_user("twice@example.com").await;
    let r = srv
        .post("/Users", &okta_user("twice@example.com"))
        .send()
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json["status"], json!(409));
    assert!(r.json.get("scimType").is_none(), "{}", r.text);
}

#[test]
fn variant_list_prints_every_variant_one_per_line() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_okscim-reference-server"))
        .args(["--variant", "list"])
        .env_remove("OKSCIM_SERVER_TOKEN")
        .output()
        .expect("run the binary");
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), Variant::ALL.len(), "{stdout}");
    for (line, variant) in lines.iter().zip(Variant::ALL) {
        assert_eq!(
            line.split_whitespace().next(),
            Some(variant.name()),
            "{line}"
        );
        assert!(line.contains(variant.about()), "{line}");
    }
    insta::assert_snapshot!("variant_list", stdout);
}

#[test]
fn a_mistyped_or_misfiled_variant_exits_non_zero_and_says_what_to_do() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_okscim-reference-server"))
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .env_remove("OKSCIM_SERVER_TOKEN")
            .output()
            .expect("run the binary");
        assert!(!out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = run(&["--variant", "no-etag"]);
    assert!(e.contains("did you mean 'no-etags'"), "{e}");
    let e = run(&["--variant", "bearer-only"]);
    assert!(e.contains("--fault bearer-only"), "{e}");
    let e = run(&["--fault", "status-as-number"]);
    assert!(e.contains("--variant status-as-number"), "{e}");
}
