//! ETags (RFC 7644 §3.14): every resource response carries `ETag` equal to `meta.version`; a
//! write bumps it; `If-Match` guards PUT, PATCH and DELETE; `If-None-Match` answers 304.

use serde_json::json;

use crate::common::{TestServer, okta_user};

#[tokio::test]
async fn etag_matches_meta_version_and_changes_on_write() {
    let srv = TestServer::rfc().await;
    let created = srv
        .post("/Users", &okta_user("etag.user@example.com"))
        .send()
        .await;
    created.expect(201);
    let id = created.id();
    let v1 = created.header("etag").expect("ETag on 201").to_string();
    assert_eq!(created.json["meta"]["version"], json!(v1));
    let got = srv.get(&format!("/Users/{id}")).send().await;
    assert_eq!(got.header("etag"), Some(v1.as_str()));

    let mut body = got.json.clone();
    body["title"] = json!("Changed");
    let put = srv
        .put(&format!("/Users/{id}"), &body)
        .header("If-Match", &v1)
        .send()
        .await;
    put.expect(200);
    let v2 = put.header("etag").unwrap().to_string();
    assert_ne!(v1, v2);
    assert_eq!(put.json["meta"]["version"], json!(v2));

    // The old version is stale now, for PUT, PATCH and DELETE alike; nothing changes.
    body["title"] = json!("Stale");
    srv.put(&format!("/Users/{id}"), &body)
        .header("If-Match", &v1)
        .send()
        .await
        .assert_scim_error(412, None);
    srv.patch(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": "title", "value": "Stale"}]),
    )
    .header("If-Match", &v1)
    .send()
    .await
    .assert_scim_error(412, None);
    srv.delete(&format!("/Users/{id}"))
        .header("If-Match", &v1)
        .send()
        .await
        .assert_scim_error(412, None);
    assert_eq!(srv.user(&id).await["title"], "Changed");

    // If-None-Match: 304 for the current version, 200 for a stale one.
    let nm = srv
        .get(&format!("/Users/{id}"))
        .header("If-None-Match", &v2)
        .send()
        .await;
    nm.expect(304);
    srv.get(&format!("/Users/{id}"))
        .header("If-None-Match", &v1)
        .send()
        .await
        .expect(200);

    // A strong form of the same tag, a list, and `*` all match.
    let strong = v2.trim_start_matches("W/").to_string();
    srv.get(&format!("/Users/{id}"))
        .header("If-None-Match", &strong)
        .send()
        .await
        .expect(304);
    srv.get(&format!("/Users/{id}"))
        .header("If-None-Match", &format!("\"nope\", {v2}"))
        .send()
        .await
        .expect(304);
    let patched = srv
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "path": "title", "value": "Patched"}]),
        )
        .header("If-Match", "*")
        .send()
        .await;
    patched.expect(200);
    let v3 = patched.header("etag").unwrap().to_string();
    assert_ne!(v3, v2);
    assert_eq!(srv.user(&id).await["title"], "Patched");
    srv.delete(&format!("/Users/{id}"))
        .header("If-Match", &v3)
        .send()
        .await
        .expect(204);
    srv.get(&format!("/Users/{id}"))
        .send()
        .await
        .assert_scim_error(404, None);
}

#[tokio::test]
async fn group_etags_change_when_members_change() {
    let srv = TestServer::rfc().await;
    let uid = srv.create_user("member@example.com").await;
    let gid = srv.create_group("Versioned", &[]).await;
    let v1 = srv
        .get(&format!("/Groups/{gid}"))
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_string();
    let added = srv
        .patch(
            &format!("/Groups/{gid}"),
            json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]),
        )
        .header("If-Match", &v1)
        .send()
        .await;
    added.expect(200);
    assert_ne!(added.header("etag").unwrap(), v1);
    srv.patch(
        &format!("/Groups/{gid}"),
        json!([{"op": "replace", "path": "members", "value": []}]),
    )
    .header("If-Match", &v1)
    .send()
    .await
    .assert_scim_error(412, None);
    assert_eq!(srv.group(&gid).await["members"][0]["value"], json!(uid));
}

#[tokio::test]
async fn etag_is_advertised() {
    let srv = TestServer::rfc().await;
    let spc = srv.get("/ServiceProviderConfig").send().await;
    assert_eq!(spc.json["etag"]["supported"], json!(true));
}
