//! The filter grammar over HTTP (RFC 7644 §3.4.2.2): every operator, `and`/`or`/`not`,
//! grouping, value paths, extension URNs; sorting (§3.4.2.3); `attributes` and
//! `excludedAttributes` (§3.4.2.5); `POST /.search` (§3.4.3). Every filter is asked both as a
//! query string and as a SearchRequest, and must give the same answer.

use std::collections::BTreeMap;

use rstest::rstest;
use serde_json::{Value, json};

use crate::common::{ENTERPRISE_URN, GROUP_URN, TestServer, USER_URN, enc, filter_query};

const SEARCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// Four users with varied attributes; returns name → id.
async fn fixture(srv: &TestServer) -> BTreeMap<&'static str, String> {
    let bodies = [
        (
            "alice",
            json!({
                "schemas": [USER_URN, ENTERPRISE_URN],
                "userName": "alice@example.com",
                "name": {"givenName": "Alice", "familyName": "Smith"},
                "title": "Engineer",
                "emails": [
                    {"value": "alice@example.com", "type": "work", "primary": true},
                    {"value": "alice@home.org", "type": "home"}
                ],
                "active": true,
                "externalId": "ext-A",
                ENTERPRISE_URN: {"department": "R&D", "employeeNumber": "100"}
            }),
        ),
        (
            "bob",
            json!({
                "schemas": [USER_URN, ENTERPRISE_URN],
                "userName": "Bob@Example.com",
                "name": {"givenName": "Bob", "familyName": "Jones"},
                "title": "Manager",
                "emails": [{"value": "bob@example.com", "type": "work", "primary": true}],
                "active": false,
                "externalId": "ext-B",
                ENTERPRISE_URN: {"department": "Sales", "employeeNumber": "200"}
            }),
        ),
        (
            "carol",
            json!({
                "schemas": [USER_URN, ENTERPRISE_URN],
                "userName": "carol@other.org",
                "name": {"givenName": "Carol", "familyName": "Smithers"},
                "emails": [{"value": "carol@other.org", "type": "home"}],
                "active": true,
                "externalId": "EXT-c",
                ENTERPRISE_URN: {"department": "r&d"}
            }),
        ),
        (
            "dave",
            json!({
                "schemas": [USER_URN],
                "userName": "dave@example.com",
                "name": {"givenName": "Dave", "familyName": "Adams"},
                "title": "engineer",
                "active": true
            }),
        ),
    ];
    let mut ids = BTreeMap::new();
    for (name, body) in bodies {
        let r = srv.post("/Users", &body).send().await;
        r.expect(201);
        ids.insert(name, r.id());
    }
    ids
}

fn names_of(ids: &BTreeMap<&'static str, String>, found: &[String]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = found
        .iter()
        .map(|id| {
            ids.iter()
                .find(|(_, v)| *v == id)
                .map(|(k, _)| *k)
                .unwrap_or("?")
        })
        .collect();
    names.sort();
    names
}

#[rstest]
#[case::eq(r#"userName eq "alice@example.com""#, &["alice"])]
#[case::eq_any_case(r#"userName eq "ALICE@EXAMPLE.COM""#, &["alice"])]
#[case::eq_stored_mixed_case(r#"userName eq "bob@example.com""#, &["bob"])]
#[case::ne(r#"userName ne "alice@example.com""#, &["bob", "carol", "dave"])]
#[case::co(r#"userName co "EXAMPLE""#, &["alice", "bob", "dave"])]
#[case::sw(r#"userName sw "b""#, &["bob"])]
#[case::ew(r#"userName ew ".org""#, &["carol"])]
#[case::gt(r#"userName gt "c""#, &["carol", "dave"])]
#[case::ge(r#"userName ge "carol@other.org""#, &["carol", "dave"])]
#[case::lt(r#"userName lt "b""#, &["alice"])]
#[case::le(r#"userName le "BOB@example.com""#, &["alice", "bob"])]
#[case::pr("title pr", &["alice", "bob", "dave"])]
#[case::not_pr("not (title pr)", &["carol"])]
#[case::ne_absent(r#"title ne "engineer""#, &["bob", "carol"])]
#[case::title_eq_any_case(r#"title eq "ENGINEER""#, &["alice", "dave"])]
#[case::sub_attribute(r#"name.familyName sw "smith""#, &["alice", "carol"])]
#[case::sub_attribute_eq(r#"name.familyName eq "Smith""#, &["alice"])]
#[case::boolean_false("active eq false", &["bob"])]
#[case::boolean_true("active eq true", &["alice", "carol", "dave"])]
#[case::boolean_ne("active ne true", &["bob"])]
#[case::multi_valued_sub(r#"emails.type eq "home""#, &["alice", "carol"])]
#[case::multi_valued_value(r#"emails co "home.org""#, &["alice"])]
#[case::value_path(r#"emails[type eq "work" and value co "example.com"]"#, &["alice", "bob"])]
#[case::value_path_and(r#"emails[type eq "home"] and active eq true"#, &["alice", "carol"])]
#[case::value_path_or(r#"emails[type eq "home"] or title eq "manager""#, &["alice", "bob", "carol"])]
#[case::external_id_case_exact(r#"externalId eq "ext-A""#, &["alice"])]
#[case::external_id_other_case(r#"externalId eq "ext-a""#, &[])]
#[case::external_id_sw(r#"externalId sw "ext-""#, &["alice", "bob"])]
#[case::extension(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "R&D""#, &["alice", "carol"])]
#[case::extension_unqualified(r#"department eq "sales""#, &["bob"])]
#[case::extension_gt(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber gt "150""#, &["bob"])]
#[case::core_urn(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "dave""#, &["dave"])]
#[case::or(r#"userName sw "a" or userName sw "b""#, &["alice", "bob"])]
#[case::and_binds_tighter(r#"userName sw "a" or userName sw "b" and active eq true"#, &["alice"])]
#[case::grouping(r#"(userName sw "a" or userName sw "b") and active eq false"#, &["bob"])]
#[case::not_group(r#"not (userName sw "a" or userName sw "b")"#, &["carol", "dave"])]
#[case::not_and(r#"not (active eq false) and title pr"#, &["alice", "dave"])]
#[case::keywords_any_case(r#"USERNAME EQ "alice@example.com" AND Active Eq TRUE"#, &["alice"])]
#[case::meta_resource_type(r#"meta.resourceType eq "User""#, &["alice", "bob", "carol", "dave"])]
#[case::meta_created_gt(r#"meta.created gt "2000-01-01T00:00:00Z""#, &["alice", "bob", "carol", "dave"])]
#[case::meta_created_lt(r#"meta.created lt "2000-01-01T00:00:00Z""#, &[])]
#[case::eq_null("title eq null", &["carol"])]
#[case::extra_spaces(r#"  userName   eq   "dave@example.com"  "#, &["dave"])]
#[case::escaped_quote(r#"userName eq "no\"such""#, &[])]
#[tokio::test]
async fn user_filters(#[case] filter: &str, #[case] expected: &[&str]) {
    let srv = TestServer::rfc().await;
    let ids = fixture(&srv).await;
    let r = srv
        .get(&format!(
            "/Users?{}&startIndex=1&count=100",
            filter_query(filter)
        ))
        .send()
        .await;
    r.expect(200);
    assert_eq!(
        names_of(&ids, &r.resource_ids()),
        expected,
        "GET filter {filter}"
    );
    assert_eq!(r.total(), expected.len() as u64);
    let s = srv
        .post(
            "/Users/.search",
            &json!({"schemas": [SEARCH_URN], "filter": filter, "startIndex": 1, "count": 100}),
        )
        .send()
        .await;
    s.expect(200);
    assert_eq!(
        names_of(&ids, &s.resource_ids()),
        expected,
        ".search filter {filter}"
    );
}

#[tokio::test]
async fn id_filters_and_group_value_paths() {
    let srv = TestServer::rfc().await;
    let ids = fixture(&srv).await;
    let alice = &ids["alice"];
    let bob = &ids["bob"];
    let r = srv
        .get(&format!(
            "/Users?{}",
            filter_query(&format!("id eq \"{alice}\""))
        ))
        .send()
        .await;
    assert_eq!(r.resource_ids(), vec![alice.clone()]);
    let r = srv
        .get(&format!(
            "/Users?{}",
            filter_query(&format!("id eq \"{}\"", alice.to_uppercase()))
        ))
        .send()
        .await;
    assert_eq!(r.total(), 0, "id is caseExact");
    let g1 = srv.create_group("Engineering", &[alice, bob]).await;
    let g2 = srv.create_group("Sales", &[bob]).await;
    srv.create_group("Empty", &[]).await;
    let r = srv
        .get(&format!(
            "/Groups?{}",
            filter_query(&format!("members[value eq \"{alice}\"]"))
        ))
        .send()
        .await;
    r.expect(200);
    assert_eq!(r.resource_ids(), vec![g1.clone()]);
    let r = srv
        .get(&format!(
            "/Groups?{}",
            filter_query(&format!("members.value eq \"{bob}\""))
        ))
        .send()
        .await;
    assert_eq!(r.resource_ids(), vec![g1.clone(), g2.clone()]);
    let r = srv
        .get(&format!("/Groups?{}", filter_query("members pr")))
        .send()
        .await;
    assert_eq!(r.resource_ids(), vec![g1.clone(), g2.clone()]);
    let r = srv
        .get(&format!(
            "/Groups?{}",
            filter_query(r#"displayName sw "e""#)
        ))
        .send()
        .await;
    assert_eq!(r.total(), 2, "Engineering and Empty: {}", r.text);
    let s = srv
        .post(
            "/Groups/.search",
            &json!({"schemas": [SEARCH_URN], "filter": "displayName eq \"sales\""}),
        )
        .send()
        .await;
    s.expect(200);
    assert_eq!(s.resource_ids(), vec![g2]);
}

/// externalId is not unique (RFC 7643 §3.1: uniqueness none): a filter must find every user
/// carrying it, not just the last one indexed.
#[tokio::test]
async fn external_id_filter_finds_every_user_sharing_it() {
    let srv = TestServer::rfc().await;
    let mut ids = Vec::new();
    for name in ["one@example.com", "two@example.com"] {
        let r = srv
            .post(
                "/Users",
                &json!({"schemas": [USER_URN], "userName": name, "externalId": "shared"}),
            )
            .send()
            .await;
        r.expect(201);
        ids.push(r.id());
    }
    let r = srv
        .get(&format!(
            "/Users?{}",
            filter_query(r#"externalId eq "shared""#)
        ))
        .send()
        .await;
    r.expect(200);
    assert_eq!(r.resource_ids(), ids, "{}", r.text);
}

#[tokio::test]
async fn sort_by_and_sort_order() {
    let srv = TestServer::rfc().await;
    let ids = fixture(&srv).await;
    let order = |r: &crate::common::Resp| -> Vec<&'static str> {
        r.resource_ids()
            .iter()
            .map(|id| *ids.iter().find(|(_, v)| *v == id).unwrap().0)
            .collect()
    };
    let cases: &[(&str, &[&str])] = &[
        ("sortBy=userName", &["alice", "bob", "carol", "dave"]),
        (
            "sortBy=userName&sortOrder=ascending",
            &["alice", "bob", "carol", "dave"],
        ),
        (
            "sortBy=userName&sortOrder=descending",
            &["dave", "carol", "bob", "alice"],
        ),
        ("sortBy=name.familyName", &["dave", "bob", "alice", "carol"]),
        (
            "sortBy=NAME.FAMILYNAME&sortOrder=descending",
            &["carol", "alice", "bob", "dave"],
        ),
        // Equal keys ("Engineer", "engineer") keep creation order; no value sorts last when
        // ascending and first when descending (RFC 7644 §3.4.2.3).
        ("sortBy=title", &["alice", "dave", "bob", "carol"]),
        (
            "sortBy=title&sortOrder=descending",
            &["carol", "bob", "alice", "dave"],
        ),
        // Multi-valued: the primary value (RFC 7644 §3.4.2.3).
        ("sortBy=emails.value", &["alice", "bob", "carol", "dave"]),
        (
            "sortBy=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber&sortOrder=descending",
            &["carol", "dave", "bob", "alice"],
        ),
    ];
    for (query, expected) in cases {
        let r = srv.get(&format!("/Users?{query}")).send().await;
        r.expect(200);
        assert_eq!(order(&r), *expected, "{query}");
    }
    // Sorting and filtering and paging together.
    let r = srv
        .get(&format!(
            "/Users?{}&sortBy=userName&sortOrder=descending&startIndex=2&count=1",
            filter_query("active eq true")
        ))
        .send()
        .await;
    assert_eq!(order(&r), ["carol"]);
    assert_eq!(r.total(), 3);
    let s = srv
        .post(
            "/Users/.search",
            &json!({"schemas": [SEARCH_URN], "sortBy": "name.givenName", "sortOrder": "descending"}),
        )
        .send()
        .await;
    assert_eq!(order(&s), ["dave", "carol", "bob", "alice"]);
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

#[tokio::test]
async fn attributes_and_excluded_attributes() {
    let srv = TestServer::rfc().await;
    let ids = fixture(&srv).await;
    let alice = &ids["alice"];
    let one = format!(
        "{}&count=100",
        filter_query(r#"userName eq "alice@example.com""#)
    );

    let r = srv
        .get(&format!("/Users?{one}&attributes=userName"))
        .send()
        .await;
    r.expect(200);
    let res = &r.json["Resources"][0];
    assert_eq!(keys(res), ["id", "schemas", "userName"], "{res}");

    let r = srv
        .get(&format!(
            "/Users?{one}&attributes=name.givenName,emails.value"
        ))
        .send()
        .await;
    let res = &r.json["Resources"][0];
    assert_eq!(res["name"], json!({"givenName": "Alice"}));
    assert_eq!(
        res["emails"],
        json!([{"value": "alice@example.com"}, {"value": "alice@home.org"}])
    );
    assert!(res.get("userName").is_none());

    let r = srv
        .get(&format!(
            "/Users?{one}&attributes={}",
            enc(&format!("{ENTERPRISE_URN}:department"))
        ))
        .send()
        .await;
    let res = &r.json["Resources"][0];
    assert_eq!(res[ENTERPRISE_URN], json!({"department": "R&D"}), "{res}");

    let r = srv
        .get(&format!(
            "/Users?{one}&excludedAttributes=emails,meta,name.familyName,id"
        ))
        .send()
        .await;
    let res = &r.json["Resources"][0];
    assert!(res.get("emails").is_none());
    assert!(res.get("meta").is_none());
    assert_eq!(res["name"], json!({"givenName": "Alice"}));
    assert_eq!(res["id"], json!(alice), "id is returned always");
    assert_eq!(res["userName"], "alice@example.com");

    // On a single resource too, and names are case-insensitive.
    let r = srv
        .get(&format!("/Users/{alice}?attributes=USERNAME,Active"))
        .send()
        .await;
    r.expect(200);
    assert_eq!(keys(&r.json), ["active", "id", "schemas", "userName"]);
    let r = srv
        .get(&format!("/Users/{alice}?excludedAttributes=title"))
        .send()
        .await;
    assert!(r.json.get("title").is_none());
    assert_eq!(r.json["name"]["familyName"], "Smith");

    // .search takes attribute lists as arrays.
    let s = srv
        .post(
            "/Users/.search",
            &json!({"schemas": [SEARCH_URN], "filter": "userName eq \"alice@example.com\"",
                    "attributes": ["displayName", "title"]}),
        )
        .send()
        .await;
    s.expect(200);
    assert_eq!(keys(&s.json["Resources"][0]), ["id", "schemas", "title"]);

    // Groups: members can be left out (Okta does not need them echoed).
    let gid = srv.create_group("G", &[alice]).await;
    let g = srv
        .get(&format!("/Groups/{gid}?excludedAttributes=members"))
        .send()
        .await;
    assert!(g.json.get("members").is_none());
    assert_eq!(g.json["displayName"], "G");
    let g = srv.get("/Groups?attributes=displayName").send().await;
    assert_eq!(
        keys(&g.json["Resources"][0]),
        ["displayName", "id", "schemas"]
    );
    assert_eq!(g.json["Resources"][0]["schemas"], json!([GROUP_URN]));
}

#[tokio::test]
async fn search_requires_auth_and_a_json_object() {
    let srv = TestServer::rfc().await;
    srv.post("/Users/.search", &json!({"filter": "userName pr"}))
        .auth(crate::common::Auth::None)
        .send()
        .await
        .assert_scim_error(401, None);
    srv.post("/Users/.search", &json!(["filter"]))
        .send()
        .await
        .assert_scim_error(400, Some("invalidSyntax"));
    srv.post("/Users/.search", &json!({"filter": "userName xx 1"}))
        .send()
        .await
        .assert_scim_error(400, Some("invalidFilter"));
    let empty = srv.post("/Users/.search", &json!({})).send().await;
    empty.expect(200);
    assert_eq!(empty.total(), 0);
}

#[tokio::test]
async fn root_level_search_covers_users_and_groups() {
    let srv = crate::common::TestServer::rfc().await;
    srv.post(
        "/Users",
        &crate::common::okta_user("root.search@example.com"),
    )
    .send()
    .await
    .expect(201);
    srv.post(
        "/Groups",
        &serde_json::json!({"schemas": [crate::common::GROUP_URN], "displayName": "Root Search Group"}),
    )
    .send()
    .await
    .expect(201);
    let all = srv
        .post("/.search", &serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}))
        .send()
        .await;
    all.expect(200);
    assert_eq!(all.total(), 2);
    let groups_only = srv
        .post(
            "/.search",
            &serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "displayName eq \"Root Search Group\""}),
        )
        .send()
        .await;
    groups_only.expect(200);
    assert_eq!(groups_only.total(), 1);
    srv.post("/.search", &serde_json::json!({"filter": "userName eq"}))
        .send()
        .await
        .assert_scim_error(400, Some("invalidFilter"));
}
