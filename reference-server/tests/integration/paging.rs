//! Paging (RFC 7644 §3.4.2.4) the way Okta imports (okta-reference.md §1.2): pages of 100 by
//! `startIndex`, stable order across pages and across imports.

use okscim_reference_server::ServerConfig;
use serde_json::json;

use crate::common::{TestServer, USER_URN};

/// Creates `n` users quickly (minimal bodies) and returns their ids in creation order.
async fn create_users(srv: &TestServer, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        // Names deliberately not in creation order, so sorting by name would show.
        let r = srv
            .post(
                "/Users",
                &json!({"schemas": [USER_URN], "userName": format!("user{:03}@example.com", (i * 7) % n)}),
            )
            .send()
            .await;
        r.expect(201);
        ids.push(r.id());
    }
    ids
}

/// One Okta import: `startIndex=1,101,...` with `count=100` until past `totalResults`.
async fn okta_import(srv: &TestServer, resource: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut start = 1u64;
    loop {
        let r = srv
            .get(&format!("/{resource}?startIndex={start}&count=100"))
            .send()
            .await;
        r.expect(200);
        let total = r.total();
        let page = r.resource_ids();
        assert_eq!(r.json["startIndex"], json!(start));
        assert_eq!(r.json["itemsPerPage"], json!(page.len()));
        assert!(page.len() <= 100);
        seen.extend(page);
        start += 100;
        if start > total {
            break;
        }
    }
    seen
}

#[tokio::test]
async fn okta_import_of_250_users_sees_each_once_in_a_stable_order() {
    let srv = TestServer::rfc().await;
    let created = create_users(&srv, 250).await;
    let first = okta_import(&srv, "Users").await;
    assert_eq!(first.len(), 250);
    let mut unique = first.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 250, "every id exactly once");
    let second = okta_import(&srv, "Users").await;
    assert_eq!(first, second, "the same order on the second import");
    assert_eq!(first, created, "creation order");

    // Page boundaries do not depend on count: pages of 33 give the same sequence.
    let mut by_33 = Vec::new();
    let mut start = 1;
    while start <= 250 {
        let r = srv
            .get(&format!("/Users?startIndex={start}&count=33"))
            .send()
            .await;
        by_33.extend(r.resource_ids());
        start += 33;
    }
    assert_eq!(by_33, first);

    // Updating a user does not move it.
    let mut body = srv.user(&created[10]).await;
    body["title"] = json!("moved?");
    srv.put(&format!("/Users/{}", created[10]), &body)
        .send()
        .await
        .expect(200);
    assert_eq!(okta_import(&srv, "Users").await, first);

    // The last page is short.
    let last = srv.get("/Users?startIndex=201&count=100").send().await;
    assert_eq!(last.json["itemsPerPage"], json!(50));
    assert_eq!(last.total(), 250);
}

#[tokio::test]
async fn count_zero_and_out_of_range_start() {
    let srv = TestServer::rfc().await;
    create_users(&srv, 5).await;
    let zero = srv.get("/Users?startIndex=1&count=0").send().await;
    zero.expect(200);
    assert_eq!(zero.total(), 5);
    assert_eq!(zero.json["itemsPerPage"], json!(0));
    assert!(
        zero.json.get("Resources").is_none() || zero.json["Resources"] == json!([]),
        "{}",
        zero.text
    );
    let past = srv.get("/Users?startIndex=50&count=10").send().await;
    past.expect(200);
    assert_eq!(past.total(), 5);
    assert_eq!(past.resource_ids(), Vec::<String>::new());
    // startIndex < 1 is read as 1, negative count as 0 (RFC 7644 §3.4.2.4).
    let low = srv.get("/Users?startIndex=0&count=2").send().await;
    low.expect(200);
    assert_eq!(low.json["startIndex"], json!(1));
    assert_eq!(low.resource_ids().len(), 2);
    let negative = srv.get("/Users?startIndex=1&count=-3").send().await;
    negative.expect(200);
    assert_eq!(negative.resource_ids().len(), 0);
    // Parameter names are case-insensitive.
    let ci = srv.get("/Users?STARTINDEX=2&Count=2").send().await;
    assert_eq!(ci.json["startIndex"], json!(2));
    assert_eq!(ci.resource_ids().len(), 2);
}

#[tokio::test]
async fn count_is_capped_at_max_results() {
    let srv = TestServer::start(ServerConfig {
        max_results: 10,
        ..ServerConfig::default()
    })
    .await;
    create_users(&srv, 15).await;
    let r = srv.get("/Users?startIndex=1&count=100").send().await;
    r.expect(200);
    assert_eq!(r.total(), 15);
    assert_eq!(r.resource_ids().len(), 10);
    let r = srv.get("/Users").send().await;
    assert_eq!(r.resource_ids().len(), 10);
    let spc = srv.get("/ServiceProviderConfig").send().await;
    assert_eq!(spc.json["filter"]["maxResults"], json!(10));
}

#[tokio::test]
async fn groups_page_like_users() {
    let srv = TestServer::rfc().await;
    let mut created = Vec::new();
    for i in 0..130 {
        created.push(srv.create_group(&format!("group {i:03}"), &[]).await);
    }
    let first = okta_import(&srv, "Groups").await;
    assert_eq!(first, created);
    assert_eq!(okta_import(&srv, "Groups").await, first);
}
