//! Passwords (RFC 7643 §4.1.1: writeOnly, returned never): Okta sends a random one on every
//! create (okta-reference.md §1.3, §3.21) and may sync one by PUT or PATCH (§1.8). The server keeps a
//! salted hash and never answers it.

use serde_json::json;

use crate::common::{TestServer, okta_user};

#[tokio::test]
async fn password_is_stored_hashed_and_never_returned() {
    let srv = TestServer::rfc().await;
    let created = srv
        .post("/Users", &okta_user("pw.user@example.com"))
        .send()
        .await;
    created.expect(201);
    let id = created.id();
    assert!(created.json.get("password").is_none(), "{}", created.text);
    assert!(!created.text.contains("1mz050nq"));
    let got = srv.get(&format!("/Users/{id}")).send().await;
    assert!(got.json.get("password").is_none());
    assert!(!got.text.contains("1mz050nq"));
    // Even when asked for by name.
    let asked = srv
        .get(&format!("/Users/{id}?attributes=password"))
        .send()
        .await;
    assert!(asked.json.get("password").is_none(), "{}", asked.text);
    let listed = srv.get("/Users?attributes=password,userName").send().await;
    assert!(!listed.text.contains("1mz050nq"));
    {
        let store = srv.server.state().read().await;
        assert!(store.password_matches(&id, "1mz050nq"));
        assert!(!store.password_matches(&id, "1MZ050NQ"));
        assert!(
            !format!("{:?}", *store).contains("1mz050nq"),
            "no clear text in the store"
        );
    }

    // Password sync by PATCH (path-less replace, the inferred OIN shape) and by path.
    srv.patch(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "value": {"password": "s3cond!"}}]),
    )
    .send()
    .await
    .expect(200);
    assert!(
        srv.server
            .state()
            .read()
            .await
            .password_matches(&id, "s3cond!")
    );
    let r = srv
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "path": "password", "value": "th1rd!"}]),
        )
        .send()
        .await;
    r.expect(200);
    assert!(r.json.get("password").is_none());
    assert!(
        srv.server
            .state()
            .read()
            .await
            .password_matches(&id, "th1rd!")
    );

    // A PUT without a password keeps the old one.
    let body = srv.user(&id).await;
    srv.put(&format!("/Users/{id}"), &body)
        .send()
        .await
        .expect(200);
    assert!(
        srv.server
            .state()
            .read()
            .await
            .password_matches(&id, "th1rd!")
    );

    // Filtering on a password is not a way to read it.
    let r = srv
        .get(&format!(
            "/Users?{}",
            crate::common::filter_query(r#"password eq "th1rd!""#)
        ))
        .send()
        .await;
    assert!(r.status == 400 || r.total() == 0, "{}", r.text);
}

#[tokio::test]
async fn non_string_password_is_400() {
    let srv = TestServer::rfc().await;
    let mut body = okta_user("bad.pw@example.com");
    body["password"] = json!(12345);
    srv.post("/Users", &body)
        .send()
        .await
        .assert_scim_error(400, Some("invalidValue"));
}
