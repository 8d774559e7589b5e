//! Every fault in `src/faults.rs`, observed over HTTP: one probe per fault that answers "did
//! the server misbehave?". Each probe runs against a clean server (must say no) and against a
//! server with only that fault (must say yes), which proves the fault is switched on where the
//! real bug lives and that the probe can tell. The `match` in [`misbehaves`] is exhaustive, so a
//! new fault does not compile until it has a probe.

use std::process::Command;

use okscim_reference_server::Fault;
use rstest::rstest;
use serde_json::json;

use crate::common::{Auth, GROUP_URN, TestServer, member_values, okta_user};

async fn two_users_and_group(srv: &TestServer) -> (String, String, String) {
    let a = srv.create_user("fa.one@example.com").await;
    let b = srv.create_user("fb.two@example.com").await;
    let g = srv.create_group("Fault Group", &[&a, &b]).await;
    (a, b, g)
}

/// Whether the server shows `fault`'s misbehaviour.
async fn misbehaves(fault: Fault, srv: &TestServer) -> bool {
    match fault {
        Fault::PatchPathlessIgnored => {
            let id = srv.create_user("pathless@example.com").await;
            srv.patch(
                &format!("/Users/{id}"),
                json!([{"op": "replace", "value": {"active": false}}]),
            )
            .send()
            .await
            .expect(200);
            srv.user(&id).await["active"] != json!(false)
        }
        Fault::FilterUsernameCaseSensitive => {
            srv.create_user("Mixed.Case@Example.com").await;
            let r = srv
                .get("/Users?filter=userName%20eq%20%22MIXED.CASE%40EXAMPLE.COM%22&startIndex=1&count=100")
                .send()
                .await;
            r.expect(200);
            r.json["totalResults"] == json!(0)
        }
        Fault::ListCountsAsStrings => {
            let r = srv.get("/Users?startIndex=1&count=2").send().await;
            r.expect(200);
            ["totalResults", "startIndex", "itemsPerPage"]
                .iter()
                .any(|k| r.json[*k].is_string())
        }
        Fault::CreateReturns200 => {
            let r = srv
                .post("/Users", &okta_user("two.hundred@example.com"))
                .send()
                .await;
            r.status == 200
        }
        Fault::CreateEmptyBody => {
            let r = srv
                .post("/Users", &okta_user("empty.body@example.com"))
                .send()
                .await;
            r.expect(201);
            r.text.trim().is_empty()
        }
        Fault::UsernameLowercased => {
            let r = srv
                .post("/Users", &okta_user("Mixed.Case@Example.com"))
                .send()
                .await;
            r.expect(201);
            r.json["userName"] != json!("Mixed.Case@Example.com")
        }
        Fault::MemberFilterRemoveIgnored => {
            let (a, _, g) = two_users_and_group(srv).await;
            srv.patch(
                &format!("/Groups/{g}"),
                json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]),
            )
            .send()
            .await
            .expect(200);
            member_values(&srv.group(&g).await).contains(&a)
        }
        Fault::MemberFilterRemoveWipes => {
            let (a, b, g) = two_users_and_group(srv).await;
            srv.patch(
                &format!("/Groups/{g}"),
                json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]),
            )
            .send()
            .await
            .expect(200);
            !member_values(&srv.group(&g).await).contains(&b)
        }
        Fault::ReplaceMembersEmptyIgnored => {
            let (_, _, g) = two_users_and_group(srv).await;
            srv.patch(
                &format!("/Groups/{g}"),
                json!([{"op": "replace", "path": "members", "value": []}]),
            )
            .send()
            .await
            .expect(200);
            !member_values(&srv.group(&g).await).is_empty()
        }
        Fault::RenameRejectsId => {
            let g = srv.create_group("Before Rename", &[]).await;
            let r = srv
                .patch(
                    &format!("/Groups/{g}"),
                    json!([{"op": "replace", "value": {"id": g, "displayName": "After Rename"}}]),
                )
                .send()
                .await;
            r.status == 400 || srv.group(&g).await["displayName"] != json!("After Rename")
        }
        Fault::PlainTextErrors => {
            let r = srv.get("/Users/does-not-exist").send().await;
            r.expect(404);
            r.media_type().as_deref() != Some("application/scim+json") || r.json.is_null()
        }
        Fault::DeactivatedUsersHidden => {
            let id = srv.create_user("hidden@example.com").await;
            let mut body = srv.user(&id).await;
            body["active"] = json!(false);
            srv.put(&format!("/Users/{id}"), &body).send().await;
            let get = srv.get(&format!("/Users/{id}")).send().await;
            let list = srv.get("/Users?startIndex=1&count=100").send().await;
            get.status == 404 && !list.resource_ids().contains(&id)
        }
        Fault::AddMembersReplaces => {
            let (a, b, g) = two_users_and_group(srv).await;
            let c = srv.create_user("fc.three@example.com").await;
            srv.patch(
                &format!("/Groups/{g}"),
                json!([{"op": "add", "path": "members", "value": [{"value": c, "display": "fc.three@example.com"}]}]),
            )
            .send()
            .await
            .expect(200);
            let members = member_values(&srv.group(&g).await);
            !(members.contains(&a) && members.contains(&b) && members.contains(&c))
        }
        Fault::MembershipLostUpdate => {
            let ids = [
                srv.create_user("lu1@example.com").await,
                srv.create_user("lu2@example.com").await,
                srv.create_user("lu3@example.com").await,
            ];
            let g = srv.create_group("Lost Update", &[]).await;
            let path = format!("/Groups/{g}");
            let add = |id: &str| {
                srv.patch(
                    &path,
                    json!([{"op": "add", "path": "members", "value": [{"value": id}]}]),
                )
                .send()
            };
            let (r1, r2, r3) = tokio::join!(add(&ids[0]), add(&ids[1]), add(&ids[2]));
            for r in [r1, r2, r3] {
                r.expect(200);
            }
            member_values(&srv.group(&g).await).len() < 3
        }
        Fault::MemberRequiresType => {
            let a = srv.create_user("typeless@example.com").await;
            let g = srv.create_group("Typeless", &[]).await;
            srv.patch(
                &format!("/Groups/{g}"),
                json!([{"op": "add", "path": "members", "value": [{"value": a, "display": "typeless@example.com"}]}]),
            )
            .send()
            .await
            .expect(200);
            !member_values(&srv.group(&g).await).contains(&a)
        }
        Fault::RejectScimContentType => {
            let r = srv
                .post("/Users", &okta_user("scim.ct@example.com"))
                .send()
                .await;
            r.status == 415
        }
        Fault::RejectReadOnlyInPut => {
            let id = srv.create_user("read.only@example.com").await;
            let body = srv.user(&id).await;
            let r = srv.put(&format!("/Users/{id}"), &body).send().await;
            r.status == 400
        }
        Fault::DuplicateCreateAllowed => {
            srv.create_user("twice@example.com").await;
            let r = srv
                .post("/Users", &okta_user("Twice@example.com"))
                .send()
                .await;
            r.status == 201
        }
        Fault::IgnorePaging => {
            for name in ["p1@example.com", "p2@example.com", "p3@example.com"] {
                srv.create_user(name).await;
            }
            let r = srv.get("/Users?startIndex=2&count=1").send().await;
            r.expect(200);
            r.resource_ids().len() != 1 || r.json["startIndex"] != json!(2)
        }
        Fault::DeleteOnDeactivate => {
            let id = srv.create_user("deleted@example.com").await;
            srv.patch(
                &format!("/Users/{id}"),
                json!([{"op": "replace", "value": {"active": false}}]),
            )
            .send()
            .await;
            srv.get(&format!("/Users/{id}")).send().await.status == 404
        }
        Fault::BearerOnly => {
            let r = srv
                .get("/Users?startIndex=1&count=2")
                .auth(Auth::Raw)
                .send()
                .await;
            r.status == 401
        }
    }
}

#[rstest]
#[case::patch_pathless_ignored(Fault::PatchPathlessIgnored)]
#[case::filter_username_case_sensitive(Fault::FilterUsernameCaseSensitive)]
#[case::list_counts_as_strings(Fault::ListCountsAsStrings)]
#[case::create_returns_200(Fault::CreateReturns200)]
#[case::create_empty_body(Fault::CreateEmptyBody)]
#[case::username_lowercased(Fault::UsernameLowercased)]
#[case::member_filter_remove_ignored(Fault::MemberFilterRemoveIgnored)]
#[case::member_filter_remove_wipes(Fault::MemberFilterRemoveWipes)]
#[case::replace_members_empty_ignored(Fault::ReplaceMembersEmptyIgnored)]
#[case::rename_rejects_id(Fault::RenameRejectsId)]
#[case::plain_text_errors(Fault::PlainTextErrors)]
#[case::deactivated_users_hidden(Fault::DeactivatedUsersHidden)]
#[case::add_members_replaces(Fault::AddMembersReplaces)]
#[case::membership_lost_update(Fault::MembershipLostUpdate)]
#[case::member_requires_type(Fault::MemberRequiresType)]
#[case::reject_scim_content_type(Fault::RejectScimContentType)]
#[case::reject_read_only_in_put(Fault::RejectReadOnlyInPut)]
#[case::duplicate_create_allowed(Fault::DuplicateCreateAllowed)]
#[case::ignore_paging(Fault::IgnorePaging)]
#[case::delete_on_deactivate(Fault::DeleteOnDeactivate)]
#[case::bearer_only(Fault::BearerOnly)]
#[tokio::test]
async fn fault_is_observable_over_http(#[case] fault: Fault) {
    let clean = TestServer::rfc().await;
    assert!(
        !misbehaves(fault, &clean).await,
        "{fault}: the clean server already misbehaves"
    );
    let faulty = TestServer::with_faults(&[fault]).await;
    assert!(
        misbehaves(fault, &faulty).await,
        "{fault}: switching the fault on changed nothing observable"
    );
}

#[test]
fn every_fault_has_a_case() {
    // The rstest list above has one case per fault; keep the count in step.
    assert_eq!(Fault::ALL.len(), 21, "add a #[case] for the new fault");
}

/// The error-body faults also garble axum's own 404s.
#[tokio::test]
async fn error_body_faults_cover_every_error() {
    let srv = TestServer::with_faults(&[Fault::PlainTextErrors]).await;
    let r = srv.get("/Widgets").send().await;
    assert_eq!(r.status, 404);
    assert_eq!(r.media_type().as_deref(), Some("text/plain"));
    assert!(r.text.starts_with("Error: "), "{}", r.text);
}

/// Several faults at once compose.
#[tokio::test]
async fn faults_compose() {
    let srv = TestServer::with_faults(&[Fault::CreateReturns200, Fault::UsernameLowercased]).await;
    let r = srv
        .post("/Users", &okta_user("Both.Faults@Example.com"))
        .send()
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["userName"], "both.faults@example.com");
    let g = srv
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_URN], "displayName": "G"}),
        )
        .send()
        .await;
    assert_eq!(g.status, 200, "create-returns-200 covers groups too");
}

#[test]
fn fault_list_prints_every_fault_one_per_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_okscim-reference-server"))
        .args(["--fault", "list"])
        .env_remove("OKSCIM_SERVER_TOKEN")
        .output()
        .expect("run the binary");
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), Fault::ALL.len(), "{stdout}");
    for (line, fault) in lines.iter().zip(Fault::ALL) {
        let name = line.split_whitespace().next().unwrap_or("");
        assert_eq!(name, fault.name(), "{line}");
        assert!(line.contains(fault.about()), "{line}");
    }
    insta::assert_snapshot!("fault_list", stdout);
}

#[test]
fn unknown_fault_exits_non_zero_with_a_helpful_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_okscim-reference-server"))
        .args(["--addr", "127.0.0.1:0", "--fault", "no-such-fault"])
        .env_remove("OKSCIM_SERVER_TOKEN")
        .output()
        .expect("run the binary");
    assert!(!out.status.success());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no-such-fault"), "{stderr}");
    assert!(stderr.contains("--fault list"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {:?}", out.stdout);
}
