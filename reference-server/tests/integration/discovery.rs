//! Discovery endpoints (RFC 7644 §4): what Okta reads when "Import User Schema" is on
//! (okta-reference.md §1.1) and what the SPEC test 1.1 probes.

use insta::assert_json_snapshot;
use serde_json::{Value, json};

use crate::common::{
    Auth, ENTERPRISE_URN, GROUP_URN, LIST_URN, Redactor, TestServer, USER_URN, enc,
};

#[tokio::test]
async fn service_provider_config() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let r = srv.get("/ServiceProviderConfig").send().await;
    r.expect(200);
    assert_eq!(r.media_type().as_deref(), Some("application/scim+json"));
    assert_json_snapshot!("service_provider_config", red.response(&r));
    for feature in ["patch", "filter", "sort", "etag", "changePassword"] {
        assert_eq!(r.json[feature]["supported"], json!(true), "{feature}");
    }
    assert_eq!(r.json["bulk"]["supported"], json!(false));
}

#[tokio::test]
async fn resource_types() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let r = srv.get("/ResourceTypes").send().await;
    r.expect(200);
    assert_eq!(r.json["schemas"], json!([LIST_URN]));
    assert_json_snapshot!("resource_types", red.response(&r));
    let user = srv.get("/ResourceTypes/User").send().await;
    user.expect(200);
    assert_eq!(user.json["schema"], USER_URN);
    assert_eq!(user.json["endpoint"], "/Users");
    assert_eq!(user.json["schemaExtensions"][0]["schema"], ENTERPRISE_URN);
    srv.get("/ResourceTypes/group").send().await.expect(200);
    srv.get("/ResourceTypes/Widget")
        .send()
        .await
        .assert_scim_error(404, None);
}

fn attribute<'a>(schema: &'a Value, name: &str) -> &'a Value {
    schema["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == name))
        .unwrap_or_else(|| panic!("no attribute {name} in {}", schema["id"]))
}

#[tokio::test]
async fn schemas() {
    let srv = TestServer::rfc().await;
    let r = srv.get("/Schemas").send().await;
    r.expect(200);
    let ids: Vec<&str> = r.json["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    insta::assert_json_snapshot!("schema_ids", ids);
    assert_eq!(r.total() as usize, ids.len());
    for id in [USER_URN, GROUP_URN, ENTERPRISE_URN] {
        assert!(ids.contains(&id), "{id}");
        let one = srv.get(&format!("/Schemas/{id}")).send().await;
        one.expect(200);
        assert_eq!(one.json["id"], id);
        assert!(one.json["meta"]["location"].as_str().unwrap().ends_with(id));
    }
    let user = srv.get(&format!("/Schemas/{USER_URN}")).send().await.json;
    let user_name = attribute(&user, "userName");
    assert_eq!(user_name["required"], json!(true));
    assert_eq!(user_name["caseExact"], json!(false));
    assert_eq!(user_name["uniqueness"], "server");
    assert_eq!(attribute(&user, "password")["returned"], "never");
    assert_eq!(attribute(&user, "password")["mutability"], "writeOnly");
    assert_eq!(attribute(&user, "groups")["mutability"], "readOnly");
    assert_eq!(attribute(&user, "emails")["multiValued"], json!(true));
    let group = srv
        .get(&format!("/Schemas/{}", enc(GROUP_URN)))
        .send()
        .await;
    group.expect(200);
    assert_eq!(
        attribute(&group.json, "members")["multiValued"],
        json!(true)
    );
    srv.get("/Schemas/urn:nope")
        .send()
        .await
        .assert_scim_error(404, None);
}

/// Discovery is served without a token (clients read authenticationSchemes before they can
/// authenticate), and with one.
#[tokio::test]
async fn discovery_does_not_need_the_token() {
    let srv = TestServer::rfc().await;
    for path in ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"] {
        srv.get(path).auth(Auth::None).send().await.expect(200);
        srv.get(path).auth(Auth::Raw).send().await.expect(200);
    }
}

/// A server on another base path, and on the root.
#[tokio::test]
async fn base_path_is_configurable() {
    let srv = TestServer::start(okscim_reference_server::ServerConfig {
        base_path: "/api/scim/v2/".into(),
        ..Default::default()
    })
    .await;
    assert!(srv.base().ends_with("/api/scim/v2"), "{}", srv.base());
    srv.get("/Users").send().await.expect(200);
    let root = TestServer::start(okscim_reference_server::ServerConfig {
        base_path: "/".into(),
        ..Default::default()
    })
    .await;
    assert!(!root.base().ends_with('/'), "{}", root.base());
    root.get("/Users").send().await.expect(200);
    root.get("/ServiceProviderConfig").send().await.expect(200);
}
