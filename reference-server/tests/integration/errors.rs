//! Every error status the server answers, each as an RFC 7644 §3.12 body: content type
//! `application/scim+json`, the Error URN, `status` as a string, a non-empty `detail`, and
//! `scimType` where the RFC defines one.

use insta::assert_json_snapshot;
use okscim_reference_server::ServerConfig;
use reqwest::Method;
use serde_json::json;

use crate::common::{Auth, GROUP_URN, Redactor, TestServer, USER_URN, okta_user};

#[tokio::test]
async fn malformed_json_is_400_invalid_syntax() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let r = srv
        .call(Method::POST, "/Users")
        .content_type(Some("application/scim+json; charset=utf-8"))
        .raw_body(r#"{"userName": "a@b", "#)
        .send()
        .await;
    r.assert_scim_error(400, Some("invalidSyntax"));
    assert_json_snapshot!("error_400_malformed_json", red.response(&r));
    let empty = srv
        .call(Method::POST, "/Users")
        .content_type(Some("application/scim+json"))
        .raw_body("  ")
        .send()
        .await;
    empty.assert_scim_error(400, Some("invalidSyntax"));
    let not_object = srv.post("/Users", &json!(["userName"])).send().await;
    not_object.assert_scim_error(400, Some("invalidSyntax"));
}

#[tokio::test]
async fn missing_user_name_is_400_invalid_value() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let mut body = okta_user("x@example.com");
    body.as_object_mut().unwrap().remove("userName");
    let r = srv.post("/Users", &body).send().await;
    r.assert_scim_error(400, Some("invalidValue"));
    assert!(r.detail().contains("userName"), "{}", r.detail());
    assert_json_snapshot!("error_400_missing_user_name", red.response(&r));
    let blank = srv
        .post("/Users", &json!({"schemas": [USER_URN], "userName": "  "}))
        .send()
        .await;
    blank.assert_scim_error(400, Some("invalidValue"));
    let wrong_type = srv
        .post(
            "/Users",
            &json!({"schemas": [USER_URN], "userName": "a", "active": "maybe"}),
        )
        .send()
        .await;
    wrong_type.assert_scim_error(400, Some("invalidValue"));
    assert!(
        wrong_type.detail().contains("active"),
        "{}",
        wrong_type.detail()
    );
    let wrong_schema = srv
        .post("/Users", &json!({"schemas": [GROUP_URN], "userName": "a"}))
        .send()
        .await;
    wrong_schema.assert_scim_error(400, Some("invalidValue"));
    let no_name = srv
        .post("/Groups", &json!({"schemas": [GROUP_URN], "members": []}))
        .send()
        .await;
    no_name.assert_scim_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn member_that_does_not_exist_is_400_invalid_value() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let ghost = "00000000-0000-4000-8000-000000000000";
    red.alias(ghost, "ghost.id");
    let r = srv
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_URN], "displayName": "G", "members": [{"value": ghost}]}),
        )
        .send()
        .await;
    r.assert_scim_error(400, Some("invalidValue"));
    assert!(r.detail().contains(ghost), "{}", r.detail());
    assert_json_snapshot!("error_400_unknown_member", red.response(&r));
    // Nothing was created.
    assert_eq!(srv.get("/Groups").send().await.total(), 0);
    // The same through PATCH: nothing changes.
    let gid = srv.create_group("G", &[]).await;
    let p = srv
        .patch(
            &format!("/Groups/{gid}"),
            json!([{"op": "add", "path": "members", "value": [{"value": ghost}]}]),
        )
        .send()
        .await;
    p.assert_scim_error(400, Some("invalidValue"));
    assert_eq!(srv.group(&gid).await["members"], json!([]));
}

#[tokio::test]
async fn invalid_filter_is_400_with_position() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let r = srv
        .get("/Users?filter=userName%20eq%20&startIndex=1&count=100")
        .send()
        .await;
    r.assert_scim_error(400, Some("invalidFilter"));
    assert!(r.detail().contains("position"), "{}", r.detail());
    assert_json_snapshot!("error_400_invalid_filter", red.response(&r));
    for bad in [
        "userName xx \"a\"",
        "(userName eq \"a\"",
        "userName eq \"a\")",
        "emails[type eq \"work\"",
        "userName eq",
        "and",
        "userName eq \"unterminated",
    ] {
        let r = srv
            .get(&format!("/Users?filter={}", crate::common::enc(bad)))
            .send()
            .await;
        r.assert_scim_error(400, Some("invalidFilter"));
        assert!(r.detail().contains("position"), "{bad}: {}", r.detail());
    }
}

#[tokio::test]
async fn bad_paging_parameters_are_400() {
    let srv = TestServer::rfc().await;
    srv.get("/Users?startIndex=one")
        .send()
        .await
        .assert_scim_error(400, Some("invalidValue"));
    srv.get("/Users?count=many")
        .send()
        .await
        .assert_scim_error(400, Some("invalidValue"));
    srv.get("/Users?sortBy=userName&sortOrder=sideways")
        .send()
        .await
        .assert_scim_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn unauthorized_is_401_with_www_authenticate() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let wrong_case = srv.server.token.to_uppercase();
    assert_ne!(wrong_case, srv.server.token);
    let cases = [
        ("missing", Auth::None),
        ("wrong", Auth::Value("non-token".into())),
        ("wrong_bearer", Auth::Value("Bearer non-token".into())),
        ("wrong_case", Auth::Value(format!("Bearer {wrong_case}"))),
        ("wrong_case_raw", Auth::Value(wrong_case.clone())),
        ("basic", Auth::Value("Basic dXNlcjpwYXNz".into())),
    ];
    for (name, auth) in cases {
        for path in ["/Users?startIndex=1&count=2", "/Groups", "/Users/x"] {
            let r = srv.get(path).auth(auth.clone()).send().await;
            r.assert_scim_error(401, None);
            assert!(
                r.header("www-authenticate")
                    .is_some_and(|v| v.starts_with("Bearer")),
                "{name} {path}: WWW-Authenticate {:?}",
                r.header("www-authenticate")
            );
            assert_eq!(r.json["status"], json!("401"));
            if path == "/Groups" {
                assert_json_snapshot!(format!("error_401_{name}"), red.response(&r));
            }
        }
    }
    // Writes are refused too, and nothing is created.
    let r = srv
        .post("/Users", &okta_user("sneaky@example.com"))
        .auth(Auth::None)
        .send()
        .await;
    r.assert_scim_error(401, None);
    assert_eq!(srv.get("/Users").send().await.total(), 0);
}

#[tokio::test]
async fn not_found_is_404() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let user = srv.get("/Users/00919288221112222").send().await;
    user.assert_scim_error(404, None);
    assert_eq!(user.json["status"], json!("404"));
    assert_json_snapshot!("error_404_unknown_user", red.response(&user));
    srv.get("/Groups/00919288221112222")
        .send()
        .await
        .assert_scim_error(404, None);
    let body = okta_user("nobody@example.com");
    srv.put("/Users/nope", &body)
        .send()
        .await
        .assert_scim_error(404, None);
    srv.patch(
        "/Users/nope",
        json!([{"op": "replace", "value": {"active": false}}]),
    )
    .send()
    .await
    .assert_scim_error(404, None);
    srv.delete("/Groups/nope")
        .send()
        .await
        .assert_scim_error(404, None);
    let endpoint = srv.get("/Widgets").send().await;
    endpoint.assert_scim_error(404, None);
    assert_json_snapshot!("error_404_unknown_endpoint", red.response(&endpoint));
    srv.call_url(Method::GET, format!("{}/nowhere", srv.root()))
        .send()
        .await
        .assert_scim_error(404, None);
}

#[tokio::test]
async fn method_not_allowed_is_405_with_allow() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let schemas = srv.post("/Schemas", &json!({})).send().await;
    schemas.assert_scim_error(405, None);
    let allow = schemas.header("allow").unwrap_or_default().to_string();
    assert!(allow.contains("GET"), "Allow: {allow}");
    assert!(!allow.contains("POST"), "Allow: {allow}");
    assert_json_snapshot!("error_405_post_schemas", red.response(&schemas));
    let spc = srv.delete("/ServiceProviderConfig").send().await;
    spc.assert_scim_error(405, None);
    assert!(spc.header("allow").unwrap_or_default().contains("GET"));
    srv.post("/ResourceTypes", &json!({}))
        .send()
        .await
        .assert_scim_error(405, None);
    let users = srv.delete("/Users").send().await;
    users.assert_scim_error(405, None);
    assert!(users.header("allow").unwrap_or_default().contains("POST"));
}

/// The resource endpoints are matched before the router (resources/routes.rs); they answer what
/// the router answered: the token first, then 405 with the same Allow lists, HEAD as a GET
/// without its body, an id percent-decoded, and everything else left to the router.
#[tokio::test]
async fn resource_endpoints_answer_as_the_router_did() {
    let srv = TestServer::rfc().await;
    let id = srv.create_user("routes@example.com").await;
    for (method, path, allow) in [
        (Method::DELETE, "/Users".to_string(), "GET,HEAD,POST"),
        (Method::PUT, "/Groups".to_string(), "GET,HEAD,POST"),
        (Method::GET, "/Users/.search".to_string(), "POST"),
        (Method::GET, "/.search".to_string(), "POST"),
        (
            Method::POST,
            format!("/Users/{id}"),
            "GET,HEAD,PUT,PATCH,DELETE",
        ),
        (
            Method::OPTIONS,
            format!("/Groups/{id}"),
            "GET,HEAD,PUT,PATCH,DELETE",
        ),
    ] {
        let answer = srv.call(method.clone(), &path).send().await;
        answer.assert_scim_error(405, None);
        assert_eq!(answer.header("allow"), Some(allow), "{method} {path}");
        assert!(
            answer
                .detail()
                .contains(&format!("{method} is not allowed")),
            "{}",
            answer.detail()
        );
        // Without the token, the request is refused before its method is looked at.
        srv.call(method.clone(), &path)
            .auth(Auth::None)
            .send()
            .await
            .assert_scim_error(401, None);
    }

    // HEAD is a GET without its body.
    let got = srv
        .get(&format!("/Users/{id}"))
        .send()
        .await
        .expect(200)
        .clone();
    let head = srv.call(Method::HEAD, &format!("/Users/{id}")).send().await;
    head.expect(200);
    assert!(head.text.is_empty(), "HEAD answered a body: {}", head.text);
    assert_eq!(
        head.header("content-length").map(str::to_string),
        Some(got.text.len().to_string())
    );
    assert_eq!(head.header("etag"), got.header("etag"));
    srv.call(Method::HEAD, "/Users").send().await.expect(200);

    // The id is percent-decoded; one that is not UTF-8 is a 400, with a SCIM body.
    srv.get(&format!("/Users/{}", id.replace('-', "%2D")))
        .send()
        .await
        .expect(200);
    let slash = srv.get("/Users/a%2Fb").send().await;
    slash.assert_scim_error(404, None);
    assert!(slash.detail().contains("a/b"), "{}", slash.detail());
    let not_utf8 = srv.get("/Users/%FF%FE").send().await;
    not_utf8.assert_scim_error(400, None);
    assert!(not_utf8.detail().contains("UTF-8"), "{}", not_utf8.detail());

    // Paths that are not resource endpoints go on to the router.
    srv.get("/Users/a/b")
        .send()
        .await
        .assert_scim_error(404, None);
    srv.get("/UsersX").send().await.assert_scim_error(404, None);
    srv.get("/users").send().await.assert_scim_error(404, None);
    srv.get("/ServiceProviderConfig").send().await.expect(200);
    // A trailing slash is trimmed before either.
    srv.get(&format!("/Users/{id}/")).send().await.expect(200);
}

#[tokio::test]
async fn conflicts_are_409_uniqueness() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    srv.create_user("taken@example.com").await;
    srv.post("/Users", &okta_user("TAKEN@example.com"))
        .send()
        .await
        .assert_scim_error(409, Some("uniqueness"));
    let gid = srv.create_group("Sales", &[]).await;
    let g = srv
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_URN], "displayName": "sales", "members": []}),
        )
        .send()
        .await;
    g.assert_scim_error(409, Some("uniqueness"));
    assert_json_snapshot!("error_409_group", red.response(&g));
    // Renaming into an existing name is a conflict too, and changes nothing.
    let other = srv.create_group("Marketing", &[]).await;
    srv.put(
        &format!("/Groups/{other}"),
        &json!({"schemas": [GROUP_URN], "displayName": "SALES"}),
    )
    .send()
    .await
    .assert_scim_error(409, Some("uniqueness"));
    assert_eq!(srv.group(&other).await["displayName"], "Marketing");
    assert_eq!(srv.group(&gid).await["displayName"], "Sales");
    let uid = srv.create_user("other@example.com").await;
    let mut body = srv.user(&uid).await;
    body["userName"] = json!("Taken@Example.com");
    srv.put(&format!("/Users/{uid}"), &body)
        .send()
        .await
        .assert_scim_error(409, Some("uniqueness"));
}

#[tokio::test]
async fn if_match_mismatch_is_412_and_if_none_match_is_304() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let uid = srv.create_user("etag@example.com").await;
    let body = srv.user(&uid).await;
    let r = srv
        .put(&format!("/Users/{uid}"), &body)
        .header("If-Match", "W/\"999\"")
        .send()
        .await;
    r.assert_scim_error(412, None);
    assert_json_snapshot!("error_412_if_match", red.response(&r));
    let etag = srv
        .get(&format!("/Users/{uid}"))
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_string();
    let not_modified = srv
        .get(&format!("/Users/{uid}"))
        .header("If-None-Match", &etag)
        .send()
        .await;
    not_modified.expect(304);
    assert!(not_modified.text.is_empty(), "304 has no body");
    assert_eq!(not_modified.header("etag"), Some(etag.as_str()));
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let srv = TestServer::start(ServerConfig {
        limits: okscim_reference_server::limits::Limits {
            max_body_bytes: 512,
            ..Default::default()
        },
        ..ServerConfig::default()
    })
    .await;
    let red = Redactor::new(&srv);
    let mut body = okta_user("big@example.com");
    body["title"] = json!("x".repeat(1000));
    let r = srv.post("/Users", &body).send().await;
    r.assert_scim_error(413, None);
    assert_json_snapshot!("error_413_too_large", red.response(&r));
    // Under the limit is fine.
    srv.post("/Users", &json!({"userName": "small@example.com"}))
        .send()
        .await
        .expect(201);
    // Without a Content-Length (chunked) the limit still holds.
    let mut chunked = String::from(r#"{"userName": "chunked@example.com", "title": ""#);
    chunked.push_str(&"y".repeat(2000));
    chunked.push_str("\"}");
    let head = raw_http(
        &srv,
        &format!(
            "POST {}/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\n\
             Connection: close\r\n\r\n{:x}\r\n{chunked}\r\n0\r\n\r\n",
            srv.server.base_url.trim_start_matches(&srv.root()),
            srv.server.token,
            chunked.len()
        ),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("application/scim+json"), "{head}");
}

/// Writes `request` on a fresh connection and returns the whole response as text.
async fn raw_http(srv: &TestServer, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(srv.server.addr)
        .await
        .unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn unsupported_content_type_is_415() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let body = serde_json::to_vec(&okta_user("text@example.com")).unwrap();
    let r = srv
        .call(Method::POST, "/Users")
        .content_type(Some("text/plain"))
        .raw_body(body.clone())
        .send()
        .await;
    r.assert_scim_error(415, None);
    assert_json_snapshot!("error_415_text_plain", red.response(&r));
    srv.call(Method::POST, "/Users")
        .content_type(Some("application/x-www-form-urlencoded"))
        .raw_body(body)
        .send()
        .await
        .assert_scim_error(415, None);
    assert_eq!(srv.get("/Users").send().await.total(), 0);
}

#[tokio::test]
async fn me_and_bulk_are_501_and_trailing_slashes_are_tolerated() {
    let srv = TestServer::rfc().await;
    srv.get("/Me").send().await.assert_scim_error(501, None);
    srv.call(Method::POST, "/Bulk")
        .send()
        .await
        .assert_scim_error(501, None);
    let created = srv
        .post("/Users/", &okta_user("slash@example.com"))
        .send()
        .await;
    created.expect(201);
    srv.get(&format!("/Users/{}/", created.id()))
        .send()
        .await
        .expect(200);
    srv.get("/Users/?startIndex=1&count=2")
        .send()
        .await
        .expect(200);
}
