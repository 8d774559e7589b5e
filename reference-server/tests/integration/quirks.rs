//! The request forms of okta-reference.md §3 that break servers, and the neighbouring forms other
//! IdPs send, each accepted with the effect Okta (or the RFC) expects.

use serde_json::json;

use crate::common::{ENTERPRISE_URN, GROUP_URN, TestServer, USER_URN, member_values};

/// §3.3: booleans as strings (Entra's quirk; accepted anyway) in POST, PUT and PATCH.
#[tokio::test]
async fn string_booleans_are_accepted() {
    let srv = TestServer::rfc().await;
    let r = srv
        .post(
            "/Users",
            &json!({"schemas": [USER_URN], "userName": "strbool@example.com", "active": "False",
                    "emails": [{"value": "strbool@example.com", "primary": "True"}]}),
        )
        .send()
        .await;
    r.expect(201);
    assert_eq!(r.json["active"], json!(false));
    assert_eq!(r.json["emails"][0]["primary"], json!(true));
    let id = r.id();
    let p = srv
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "value": {"active": "True"}}]),
        )
        .send()
        .await;
    p.expect(200);
    assert_eq!(p.json["active"], json!(true));
    let p = srv
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "Replace", "path": "active", "value": "false"}]),
        )
        .send()
        .await;
    p.expect(200);
    assert_eq!(p.json["active"], json!(false));
}

/// §3.6: members without `type`/`$ref` are kept; the server fills them in.
#[tokio::test]
async fn bare_members_are_kept_and_completed() {
    let srv = TestServer::rfc().await;
    let uid = srv.create_user("bare@example.com").await;
    let gid = srv.create_group("Bare", &[&uid]).await;
    let g = srv.group(&gid).await;
    assert_eq!(g["members"][0]["type"], "User");
    assert_eq!(g["members"][0]["display"], "bare@example.com");
    assert!(
        g["members"][0]["$ref"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/Users/{uid}"))
    );
}

/// Adding a member twice keeps one; removing a non-member is harmless (Okta may be out of step).
#[tokio::test]
async fn member_adds_are_idempotent_and_removes_tolerant() {
    let srv = TestServer::rfc().await;
    let a = srv.create_user("idem.a@example.com").await;
    let b = srv.create_user("idem.b@example.com").await;
    let gid = srv.create_group("Idempotent", &[&a]).await;
    let path = format!("/Groups/{gid}");
    let r = srv
        .patch(
            &path,
            json!([{"op": "add", "path": "members", "value": [{"value": a}, {"value": a}]}]),
        )
        .send()
        .await;
    r.expect(200);
    assert_eq!(member_values(&r.json), vec![a.clone()]);
    let r = srv
        .patch(
            &path,
            json!([{"op": "remove", "path": format!("members[value eq \"{b}\"]")}]),
        )
        .send()
        .await;
    assert!(
        r.status == 200 || r.status == 204,
        "removing a non-member: {} {}",
        r.status,
        r.text
    );
    assert_eq!(member_values(&srv.group(&gid).await), vec![a.clone()]);
    // `remove` with a `value` list (Entra's form) removes exactly those.
    srv.patch(
        &path,
        json!([{"op": "add", "path": "members", "value": [{"value": b}]}]),
    )
    .send()
    .await
    .expect(200);
    let r = srv
        .patch(
            &path,
            json!([{"op": "remove", "path": "members", "value": [{"value": a}]}]),
        )
        .send()
        .await;
    r.expect(200);
    assert_eq!(member_values(&srv.group(&gid).await), vec![b.clone()]);
}

/// Renaming to a different case of the own name is not a conflict.
#[tokio::test]
async fn case_only_renames_are_allowed() {
    let srv = TestServer::rfc().await;
    let gid = srv.create_group("devops", &[]).await;
    let r = srv
        .patch(
            &format!("/Groups/{gid}"),
            json!([{"op": "replace", "value": {"id": gid, "displayName": "DevOps"}}]),
        )
        .send()
        .await;
    r.expect(200);
    assert_eq!(r.json["displayName"], "DevOps");
    let uid = srv.create_user("case.only@example.com").await;
    let mut body = srv.user(&uid).await;
    body["userName"] = json!("Case.Only@Example.com");
    let r = srv.put(&format!("/Users/{uid}"), &body).send().await;
    r.expect(200);
    assert_eq!(r.json["userName"], "Case.Only@Example.com");
    let found = srv
        .get("/Users?filter=userName%20eq%20%22case.only%40example.com%22")
        .send()
        .await;
    assert_eq!(found.resource_ids(), vec![uid]);
}

/// The userName index follows renames: the old name is free and no longer found.
#[tokio::test]
async fn renamed_user_name_frees_the_old_one() {
    let srv = TestServer::rfc().await;
    let uid = srv.create_user("old.name@example.com").await;
    srv.patch(
        &format!("/Users/{uid}"),
        json!([{"op": "replace", "path": "userName", "value": "new.name@example.com"}]),
    )
    .send()
    .await
    .expect(200);
    let old = srv
        .get("/Users?filter=userName%20eq%20%22old.name%40example.com%22")
        .send()
        .await;
    assert_eq!(old.total(), 0);
    let new = srv
        .get("/Users?filter=userName%20eq%20%22NEW.name%40example.com%22")
        .send()
        .await;
    assert_eq!(new.resource_ids(), vec![uid]);
    srv.create_user("old.name@example.com").await;
}

/// Enterprise extension attributes survive a GET + PUT round trip and PATCH by URN path
/// (§3.18: servers mapping only core schemas silently drop them).
#[tokio::test]
async fn enterprise_extension_round_trips() {
    let srv = TestServer::rfc().await;
    let r = srv
        .post(
            "/Users",
            &json!({"schemas": [USER_URN, ENTERPRISE_URN], "userName": "ent@example.com",
                    ENTERPRISE_URN: {"department": "R&D", "manager": {"value": "m-1"}}}),
        )
        .send()
        .await;
    r.expect(201);
    assert_eq!(r.json["schemas"], json!([USER_URN, ENTERPRISE_URN]));
    let id = r.id();
    let mut body = srv.user(&id).await;
    body[ENTERPRISE_URN]["department"] = json!("Platform");
    let r = srv.put(&format!("/Users/{id}"), &body).send().await;
    r.expect(200);
    assert_eq!(r.json[ENTERPRISE_URN]["department"], "Platform");
    assert_eq!(r.json[ENTERPRISE_URN]["manager"]["value"], "m-1");
    let r = srv
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "path": format!("{ENTERPRISE_URN}:costCenter"), "value": "CC-7"}]),
        )
        .send()
        .await;
    r.expect(200);
    assert_eq!(r.json[ENTERPRISE_URN]["costCenter"], "CC-7");
    assert_eq!(r.json[ENTERPRISE_URN]["department"], "Platform");
    // Path-less replace with the extension object inside value merges it.
    let r = srv
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "value": {ENTERPRISE_URN: {"division": "Cloud"}}}]),
        )
        .send()
        .await;
    r.expect(200);
    assert_eq!(r.json[ENTERPRISE_URN]["division"], "Cloud");
    assert_eq!(r.json[ENTERPRISE_URN]["costCenter"], "CC-7");
}

/// Okta custom attributes (unknown to the schema) are kept as sent (R20: "Custom mapped
/// attributes appear as extra top-level / extension attributes").
#[tokio::test]
async fn custom_attributes_are_kept() {
    let srv = TestServer::rfc().await;
    let r = srv
        .post(
            "/Users",
            &json!({"schemas": [USER_URN, "urn:okta:custom:1.0"], "userName": "custom@example.com",
                    "favoriteColor": "teal", "urn:okta:custom:1.0": {"badge": 7}}),
        )
        .send()
        .await;
    r.expect(201);
    assert_eq!(r.json["favoriteColor"], "teal");
    assert_eq!(r.json["urn:okta:custom:1.0"], json!({"badge": 7}));
    let id = r.id();
    assert_eq!(srv.user(&id).await["favoriteColor"], "teal");
}

/// T-PLAN C9337: pushing empty values causes no errors.
#[tokio::test]
async fn empty_values_are_accepted() {
    let srv = TestServer::rfc().await;
    let uid = srv.create_user("empty.values@example.com").await;
    let mut body = srv.user(&uid).await;
    body["title"] = json!("");
    body["name"]["givenName"] = json!("");
    body["nickName"] = json!(null);
    body["phoneNumbers"] = json!([]);
    let r = srv.put(&format!("/Users/{uid}"), &body).send().await;
    r.expect(200);
    let r = srv
        .patch(
            &format!("/Users/{uid}"),
            json!([{"op": "replace", "value": {"title": "", "displayName": null}}]),
        )
        .send()
        .await;
    r.expect(200);
}

/// The SCIM 1.1-era and AIW forms: POST /Groups already carrying members (R19).
#[tokio::test]
async fn group_created_with_members() {
    let srv = TestServer::rfc().await;
    let a = srv.create_user("early.member@example.com").await;
    let r = srv
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_URN], "displayName": "Pre-filled",
                    "members": [{"value": a, "display": "early.member@example.com"}]}),
        )
        .send()
        .await;
    r.expect(201);
    assert_eq!(member_values(&r.json), vec![a]);
}
