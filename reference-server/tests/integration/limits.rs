//! Sizes, filter cost and page size: each limit refuses with a SCIM error that names it, and
//! what is under it still works. Also the RFC points that were loose: PATCH `remove` of
//! `active`, one `primary`, control characters in names, and Unicode case-insensitive
//! comparison everywhere.

use okscim_reference_server::ServerConfig;
use okscim_reference_server::limits::Limits;
use serde_json::json;

use crate::common::{GROUP_URN, TestServer, okta_user};

fn with(f: impl FnOnce(&mut Limits)) -> ServerConfig {
    let mut limits = Limits::default();
    f(&mut limits);
    ServerConfig {
        limits,
        ..ServerConfig::default()
    }
}

#[tokio::test]
async fn a_value_over_the_limit_is_refused_naming_the_attribute_and_the_limit() {
    let srv = TestServer::start(with(|l| l.max_value_bytes = 100)).await;
    let mut body = okta_user("big@example.com");
    body["title"] = json!("x".repeat(101));
    let r = srv.post("/Users", &body).send().await;
    r.assert_scim_error(400, Some("invalidValue"));
    assert!(r.detail().contains("title"), "{}", r.detail());
    assert!(r.detail().contains("--max-value-bytes"), "{}", r.detail());
    body["title"] = json!("x".repeat(100));
    srv.post("/Users", &body).send().await.expect(201);
    // A userName of a megabyte, too (the body limit is larger).
    let huge = TestServer::rfc().await;
    let mut body = okta_user("a@example.com");
    body["userName"] = json!(format!("{}@example.com", "a".repeat(900_000)));
    huge.post("/Users", &body)
        .send()
        .await
        .assert_scim_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn a_resource_over_the_limit_is_refused_but_members_do_not_count() {
    let srv = TestServer::start(with(|l| l.max_resource_bytes = 2_000)).await;
    let mut body = okta_user("wide@example.com");
    body["addresses"] = json!(
        (0..40)
            .map(|i| json!({"type": "work", "streetAddress": format!("{i} Long Road")}))
            .collect::<Vec<_>>()
    );
    let r = srv.post("/Users", &body).send().await;
    r.assert_scim_error(400, Some("invalidValue"));
    assert!(
        r.detail().contains("--max-resource-bytes"),
        "{}",
        r.detail()
    );
    // A group of many members is not a large resource.
    let mut ids = Vec::new();
    for i in 0..60 {
        ids.push(srv.create_user(&format!("m{i}@example.com")).await);
    }
    let members: Vec<&str> = ids.iter().map(String::as_str).collect();
    srv.create_group("Everyone", &members).await;
}

#[tokio::test]
async fn a_page_is_capped_at_max_results_which_is_advertised() {
    let srv = TestServer::start(ServerConfig {
        max_results: 7,
        ..ServerConfig::default()
    })
    .await;
    for i in 0..10 {
        srv.create_user(&format!("p{i}@example.com")).await;
    }
    let spc = srv.get("/ServiceProviderConfig").send().await;
    assert_eq!(spc.json["filter"]["maxResults"], 7);
    let r = srv.get("/Users?count=1000").send().await;
    r.expect(200);
    assert_eq!(r.json["itemsPerPage"], 7);
    assert_eq!(r.json["totalResults"], 10);
    assert_eq!(r.json["Resources"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn an_answer_over_the_byte_limit_is_too_many_naming_the_limit() {
    let srv = TestServer::start(with(|l| l.max_answer_bytes = 4_000)).await;
    for i in 0..20 {
        srv.create_user(&format!("a{i}@example.com")).await;
    }
    let r = srv.get("/Users?count=20").send().await;
    r.assert_scim_error(400, Some("tooMany"));
    assert!(r.detail().contains("--max-answer-bytes"), "{}", r.detail());
    assert!(r.detail().contains("count"), "{}", r.detail());
    srv.get("/Users?count=2").send().await.expect(200);
}

#[tokio::test]
async fn a_filter_over_the_work_budget_is_too_many_and_an_indexed_one_is_not() {
    let srv = TestServer::start(with(|l| l.max_filter_work = 100)).await;
    for i in 0..60 {
        srv.create_user(&format!("w{i}@example.com")).await;
    }
    // 60 users scanned by 2 conditions: 180 units.
    let r = srv
        .get("/Users?filter=title%20co%20%22x%22%20or%20nickName%20co%20%22y%22")
        .send()
        .await;
    r.assert_scim_error(400, Some("tooMany"));
    assert!(r.detail().contains("--max-filter-work"), "{}", r.detail());
    // The same through POST .search.
    srv.post(
        "/Users/.search",
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "title co \"x\" or nickName co \"y\""}),
    )
    .send()
    .await
    .assert_scim_error(400, Some("tooMany"));
    // Okta's lookup is answered by the index, whatever the user count.
    let r = srv
        .get("/Users?filter=userName%20eq%20%22w7%40example.com%22")
        .send()
        .await;
    r.expect(200);
    assert_eq!(r.total(), 1);
}

#[tokio::test]
async fn a_filter_of_a_thousand_terms_is_refused_quickly() {
    let srv = TestServer::rfc().await;
    let terms: Vec<String> = (0..1001)
        .map(|i| format!("emails.value co \"{i}\""))
        .collect();
    let r = srv
        .post(
            "/Users/.search",
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": terms.join(" or ")}),
        )
        .send()
        .await;
    r.assert_scim_error(400, Some("invalidFilter"));
    assert!(r.detail().contains("too many conditions"), "{}", r.detail());
}

#[tokio::test]
async fn patch_remove_of_active_leaves_it_unassigned() {
    let srv = TestServer::rfc().await;
    let id = srv.create_user("act@example.com").await;
    srv.patch(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "value": {"active": false}}]),
    )
    .send()
    .await
    .expect(200);
    let r = srv
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "remove", "path": "active"}]),
        )
        .send()
        .await;
    r.expect(200);
    assert!(r.json.get("active").is_none(), "{}", r.json);
    assert!(srv.user(&id).await.get("active").is_none());
    // A PUT without active keeps Okta's reading of it (present, as before).
    let mut put = okta_user("act@example.com");
    put.as_object_mut().unwrap().remove("active");
    let r = srv.put(&format!("/Users/{id}"), &put).send().await;
    r.expect(200);
    assert_eq!(r.json["active"], true);
}

#[tokio::test]
async fn two_primary_values_are_refused_on_post_and_put() {
    let srv = TestServer::rfc().await;
    let mut body = okta_user("prim@example.com");
    body["emails"] = json!([
        {"value": "prim@example.com", "type": "work", "primary": true},
        {"value": "prim@home.example", "type": "home", "primary": true},
    ]);
    let r = srv.post("/Users", &body).send().await;
    r.assert_scim_error(400, Some("invalidValue"));
    assert!(r.detail().contains("emails"), "{}", r.detail());
    assert!(r.detail().contains("RFC 7643 §2.4"), "{}", r.detail());
    let id = srv.create_user("prim@example.com").await;
    srv.put(&format!("/Users/{id}"), &body)
        .send()
        .await
        .assert_scim_error(400, Some("invalidValue"));
    // A PATCH that adds a primary value settles the others instead (RFC 7644 §3.5.2).
    let r = srv
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "add", "path": "emails", "value": [{"value": "new@example.com", "primary": true}]}]),
        )
        .send()
        .await;
    r.expect(200);
    let primaries = r.json["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["primary"] == true)
        .count();
    assert_eq!(primaries, 1);
}

#[tokio::test]
async fn control_characters_are_refused_in_names() {
    let srv = TestServer::rfc().await;
    for bad in [
        "bell\u{7}@example.com",
        "new\nline@example.com",
        "c1\u{85}@example.com",
    ] {
        let r = srv.post("/Users", &okta_user(bad)).send().await;
        r.assert_scim_error(400, Some("invalidValue"));
        assert!(r.detail().contains("control character"), "{}", r.detail());
    }
    srv.post(
        "/Groups",
        &json!({"schemas": [GROUP_URN], "displayName": "tab\there"}),
    )
    .send()
    .await
    .assert_scim_error(400, Some("invalidValue"));
    let mut user = okta_user("ok@example.com");
    user["displayName"] = json!("null\u{0}byte");
    srv.post("/Users", &user)
        .send()
        .await
        .assert_scim_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn user_names_are_unique_under_unicode_case_folding_and_normalization() {
    let srv = TestServer::rfc().await;
    srv.create_user("straße@example.com").await;
    srv.post("/Users", &okta_user("STRASSE@example.com"))
        .send()
        .await
        .assert_scim_error(409, Some("uniqueness"));
    srv.create_user("jos\u{e9}@example.com").await;
    srv.post("/Users", &okta_user("jose\u{301}@example.com"))
        .send()
        .await
        .assert_scim_error(409, Some("uniqueness"));
    srv.create_user("\u{fb00}@example.com").await;
    srv.post("/Users", &okta_user("FF@example.com"))
        .send()
        .await
        .assert_scim_error(409, Some("uniqueness"));
    srv.create_user("ὀδυσσεύς@example.com").await;
    srv.post("/Users", &okta_user("ὈΔΥΣΣΕΎΣ@example.com"))
        .send()
        .await
        .assert_scim_error(409, Some("uniqueness"));
    // Dotless ı and dotted İ are letters of their own under the default folding.
    srv.create_user("ilker@example.com").await;
    srv.create_user("ılker@example.com").await;
    srv.create_user("İlker@example.com").await;
    // The filter and the index agree: Okta's lookup finds what uniqueness refused.
    for (probe, expected) in [
        ("STRASSE%40example.com", 1),
        ("JOSE%CC%81%40example.com", 1),
        ("ff%40example.com", 1),
        (
            "%E1%BD%88%CE%94%CE%A5%CE%A3%CE%A3%CE%95%CE%8E%CE%A3%40example.com",
            1,
        ),
        ("ILKER%40example.com", 1),
    ] {
        let r = srv
            .get(&format!("/Users?filter=userName%20eq%20%22{probe}%22"))
            .send()
            .await;
        r.expect(200);
        assert_eq!(r.total(), expected, "{probe}");
    }
    // A scan (co) folds the same way as the index.
    let r = srv
        .get("/Users?filter=userName%20co%20%22STRASS%22")
        .send()
        .await;
    assert_eq!(r.total(), 1);
}

#[tokio::test]
async fn patch_remove_by_value_folds_case_like_the_filter() {
    let srv = TestServer::rfc().await;
    let mut body = okta_user("eve@example.com");
    body["emails"] = json!([
        {"value": "eve@example.com", "type": "work", "primary": true},
        {"value": "éve@example.com", "type": "home"},
    ]);
    let r = srv.post("/Users", &body).send().await;
    r.expect(201);
    let id = r.id();
    let r = srv
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "remove", "path": "emails", "value": [{"value": "ÉVE@EXAMPLE.COM"}]}]),
        )
        .send()
        .await;
    r.expect(200);
    let emails: Vec<&str> = r.json["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["value"].as_str())
        .collect();
    assert_eq!(emails, vec!["eve@example.com"]);
}

#[tokio::test]
async fn group_display_names_fold_too() {
    let srv = TestServer::rfc().await;
    srv.create_group("ädmins", &[]).await;
    srv.post(
        "/Groups",
        &json!({"schemas": [GROUP_URN], "displayName": "ÄDMINS"}),
    )
    .send()
    .await
    .assert_scim_error(409, Some("uniqueness"));
    let r = srv
        .get("/Groups?filter=displayName%20eq%20%22%C3%84DMINS%22")
        .send()
        .await;
    assert_eq!(r.total(), 1);
}
