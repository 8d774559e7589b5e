//! The `tailnet` profile: Tailscale's documented Okta behaviour (seed doc 000_90ad619df737ab7e)
//! and the admin API under `/admin`.

use insta::assert_json_snapshot;
use okscim_reference_server::{Profile, ServerConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Auth, GROUP_URN, Redactor, TestServer, USER_URN, okta_user};

fn policy() -> Value {
    json!({
        "groups": {"group:admins": ["root@example.com"]},
        "acls": [
            {"action": "accept", "src": ["group:Engineering"], "dst": ["tag:logging:*"]},
            {"action": "accept", "src": ["group:admins"], "dst": ["*:22"]},
            {"action": "accept", "src": ["autogroup:member"], "dst": ["web:80,443"]}
        ]
    })
}

async fn check(srv: &TestServer, user: &str, destination: &str) -> Value {
    let r = srv
        .admin(Method::POST, "/policy/check")
        .content_type(Some("application/json"))
        .raw_body(serde_json::to_vec(&json!({"user": user, "destination": destination})).unwrap())
        .send()
        .await;
    r.expect(200);
    r.json
}

async fn put_policy(srv: &TestServer, doc: &Value) -> crate::common::Resp {
    srv.admin(Method::PUT, "/policy")
        .content_type(Some("application/json"))
        .raw_body(serde_json::to_vec(doc).unwrap())
        .send()
        .await
}

async fn problems(srv: &TestServer) -> Value {
    let r = srv.admin(Method::GET, "/policy/problems").send().await;
    r.expect(200);
    r.json["problems"].clone()
}

/// "each Okta user's primary email must be identical to their application username".
#[tokio::test]
async fn user_name_must_equal_primary_email() {
    let srv = TestServer::tailnet().await;
    let red = Redactor::new(&srv);
    let mut body = okta_user("jane.doe@example.com");
    body["emails"] = json!([
        {"value": "jane@other.example", "type": "home"},
        {"value": "jane.d@example.com", "type": "work", "primary": true}
    ]);
    let r = srv.post("/Users", &body).send().await;
    r.assert_scim_error(400, Some("invalidValue"));
    assert!(
        r.detail().contains("must equal the primary email"),
        "{}",
        r.detail()
    );
    assert!(r.detail().contains("jane.d@example.com"), "{}", r.detail());
    assert_json_snapshot!("tailnet_user_name_not_email", red.response(&r));

    body.as_object_mut().unwrap().remove("emails");
    let r = srv.post("/Users", &body).send().await;
    r.assert_scim_error(400, Some("invalidValue"));
    assert!(r.detail().contains("primary email"), "{}", r.detail());

    // Equal (in any case) is fine, and the same rules hold for PUT and PATCH.
    let mut ok = okta_user("Jane.Doe@Example.com");
    ok["emails"][0]["value"] = json!("jane.doe@example.com");
    let created = srv.post("/Users", &ok).send().await;
    created.expect(201);
    let id = created.id();
    let mut put = created.json.clone();
    put["emails"] = json!([{"value": "someone.else@example.com", "primary": true}]);
    srv.put(&format!("/Users/{id}"), &put)
        .send()
        .await
        .assert_scim_error(400, Some("invalidValue"));
    srv.patch(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": "userName", "value": "renamed@example.com"}]),
    )
    .send()
    .await
    .assert_scim_error(400, Some("invalidValue"));
    assert_eq!(srv.user(&id).await["userName"], "Jane.Doe@Example.com");

    // The rfc profile has no such rule.
    let rfc = TestServer::rfc().await;
    let mut body = okta_user("jane.doe@example.com");
    body["emails"][0]["value"] = json!("other@example.com");
    rfc.post("/Users", &body).send().await.expect(201);
}

/// "They can include spaces, but not the @ symbol."
#[tokio::test]
async fn group_names_may_not_contain_at() {
    let srv = TestServer::tailnet().await;
    let r = srv
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_URN], "displayName": "eng@corp", "members": []}),
        )
        .send()
        .await;
    r.assert_scim_error(400, Some("invalidValue"));
    assert!(r.detail().contains('@'), "{}", r.detail());
    let gid = srv.create_group("Platform Team", &[]).await;
    srv.patch(
        &format!("/Groups/{gid}"),
        json!([{"op": "replace", "value": {"id": gid, "displayName": "team@corp"}}]),
    )
    .send()
    .await
    .assert_scim_error(400, Some("invalidValue"));
    srv.put(
        &format!("/Groups/{gid}"),
        &json!({"schemas": [GROUP_URN], "displayName": "a@b"}),
    )
    .send()
    .await
    .assert_scim_error(400, Some("invalidValue"));
    assert_eq!(srv.group(&gid).await["displayName"], "Platform Team");
    let groups = srv.admin(Method::GET, "/groups").send().await;
    groups.expect(200);
    assert_eq!(groups.json["groups"][0]["selector"], "group:platform team");
}

/// "Synced group names are treated as lowercase."
#[tokio::test]
async fn group_names_compare_lowercase() {
    let srv = TestServer::tailnet().await;
    srv.create_group("Eng", &[]).await;
    srv.post(
        "/Groups",
        &json!({"schemas": [GROUP_URN], "displayName": "eng", "members": []}),
    )
    .send()
    .await
    .assert_scim_error(409, Some("uniqueness"));
    srv.post(
        "/Groups",
        &json!({"schemas": [GROUP_URN], "displayName": "ENG", "members": []}),
    )
    .send()
    .await
    .assert_scim_error(409, Some("uniqueness"));
    // The displayName is kept as sent; the policy sees it lowercased.
    let list = srv.get("/Groups").send().await;
    assert_eq!(list.json["Resources"][0]["displayName"], "Eng");
    let groups = srv.admin(Method::GET, "/groups").send().await;
    assert_eq!(groups.json["groups"][0]["selector"], "group:eng");
}

/// "Deactivate users in Okta to suspend them in Tailscale"; memberships are kept, access is
/// denied, and reactivation restores it.
#[tokio::test]
async fn deactivation_suspends_and_reactivation_restores() {
    let srv = TestServer::start(ServerConfig {
        profile: Profile::Tailnet,
        policy: Some(policy()),
        ..ServerConfig::default()
    })
    .await;
    let uid = srv.create_user("dev@example.com").await;
    let gid = srv.create_group("Engineering", &[&uid]).await;
    assert_eq!(
        check(&srv, "dev@example.com", "tag:logging:443").await["decision"],
        "allow"
    );

    srv.patch(
        &format!("/Users/{uid}"),
        json!([{"op": "replace", "value": {"active": false}}]),
    )
    .send()
    .await
    .expect(200);
    let user = srv.user(&uid).await;
    assert_eq!(user["active"], json!(false));
    assert_eq!(
        crate::common::user_groups(&user).len(),
        1,
        "memberships kept"
    );
    assert_eq!(
        crate::common::member_values(&srv.group(&gid).await),
        vec![uid.clone()]
    );
    let denied = check(&srv, &uid, "tag:logging:443").await;
    assert_eq!(denied["decision"], "deny");
    assert!(
        denied["reason"].as_str().unwrap().contains("suspended"),
        "{denied}"
    );
    // Suspension denies everything, including rules open to every member.
    assert_eq!(check(&srv, &uid, "web:443").await["decision"], "deny");

    srv.patch(
        &format!("/Users/{uid}"),
        json!([{"op": "replace", "value": {"active": true}}]),
    )
    .send()
    .await
    .expect(200);
    assert_eq!(
        check(&srv, &uid, "tag:logging:443").await["decision"],
        "allow"
    );
    assert_eq!(
        check(&srv, "DEV@example.com", "web:80").await["decision"],
        "allow"
    );
}

/// The policy loaded from ServerConfig, read back, replaced by PUT.
#[tokio::test]
async fn policy_is_loaded_read_and_replaced() {
    let srv = TestServer::start(ServerConfig {
        profile: Profile::Tailnet,
        policy: Some(policy()),
        ..ServerConfig::default()
    })
    .await;
    let got = srv.admin(Method::GET, "/policy").send().await;
    got.expect(200);
    assert_eq!(got.json, policy());

    let new = json!({"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]});
    let put = put_policy(&srv, &new).await;
    put.expect(200);
    assert_eq!(put.json, json!({"rules": 1, "problems": []}));
    let got = srv.admin(Method::GET, "/policy").send().await;
    assert_eq!(got.json["acls"], new["acls"]);
    assert_eq!(got.json["groups"], json!({}));

    // Invalid documents are refused with a SCIM error and leave the policy as it was.
    for bad in [
        json!({"acls": [{"action": "drop", "src": ["*"], "dst": ["*:*"]}]}),
        json!({"acls": [{"action": "accept", "src": ["*"], "dst": ["nohostport"]}]}),
        json!({"acls": [], "tagOwners": {}}),
        json!({"groups": {"admins": []}}),
        json!([1, 2]),
    ] {
        let r = put_policy(&srv, &bad).await;
        r.assert_scim_error(400, Some("invalidValue"));
    }
    assert_eq!(
        srv.admin(Method::GET, "/policy").send().await.json["acls"],
        new["acls"]
    );

    // A server started without a policy: GET is 404, check is 409, problems is empty.
    let bare = TestServer::tailnet().await;
    bare.admin(Method::GET, "/policy")
        .send()
        .await
        .assert_scim_error(404, None);
    let r = bare
        .admin(Method::POST, "/policy/check")
        .content_type(Some("application/json"))
        .raw_body(r#"{"user": "x", "destination": "a:1"}"#)
        .send()
        .await;
    r.assert_scim_error(409, None);
    assert_eq!(problems(&bare).await, json!([]));
    // A malformed question is a 400.
    bare.admin(Method::POST, "/policy/check")
        .content_type(Some("application/json"))
        .raw_body(r#"{"who": "x"}"#)
        .send()
        .await
        .assert_scim_error(400, Some("invalidSyntax"));
}

/// "If you change the name of your group in Okta, the Tailscale ACLs for that group will no
/// longer apply ... Tailscale will fail closed, and you will see an error message".
#[tokio::test]
async fn rename_and_delete_make_rules_fail_closed() {
    let srv = TestServer::tailnet().await;
    let red = Redactor::new(&srv);
    let dev = srv.create_user("dev@example.com").await;
    let gid = srv.create_group("Engineering", &[&dev]).await;
    red.alias(&dev, "dev.id").alias(&gid, "group.id");
    let put = put_policy(&srv, &policy()).await;
    put.expect(200);
    assert_eq!(put.json["problems"], json!([]));
    assert_eq!(problems(&srv).await, json!([]));
    let before = check(&srv, "dev@example.com", "tag:logging:443").await;
    assert_eq!(before["decision"], "allow");
    assert_eq!(before["rule"], json!(0));

    // Okta's rename: path-less replace with id and displayName.
    srv.patch(
        &format!("/Groups/{gid}"),
        json!([{"op": "replace", "value": {"id": gid, "displayName": "Platform"}}]),
    )
    .send()
    .await
    .expect(200);
    let after_rename = problems(&srv).await;
    assert_eq!(after_rename.as_array().unwrap().len(), 1, "{after_rename}");
    assert_eq!(after_rename[0]["rule"], json!(0));
    assert_eq!(after_rename[0]["group"], "group:Engineering");
    assert_json_snapshot!("tailnet_problems_after_rename", red.body(&after_rename));
    let denied = check(&srv, "dev@example.com", "tag:logging:443").await;
    assert_eq!(denied["decision"], "deny");
    assert_eq!(denied["rule"], json!(0));
    assert!(
        denied["reason"]
            .as_str()
            .unwrap()
            .contains("failing closed"),
        "{denied}"
    );
    assert_json_snapshot!("tailnet_check_deny_after_rename", red.body(&denied));
    // Other destinations are unaffected.
    assert_eq!(
        check(&srv, "dev@example.com", "web:443").await["decision"],
        "allow"
    );

    // Renaming back ("revert the name change in Okta") repairs it.
    srv.patch(
        &format!("/Groups/{gid}"),
        json!([{"op": "replace", "value": {"id": gid, "displayName": "engineering"}}]),
    )
    .send()
    .await
    .expect(200);
    assert_eq!(problems(&srv).await, json!([]));
    assert_eq!(
        check(&srv, &dev, "tag:logging:443").await["decision"],
        "allow"
    );

    // Deleting the group (Unlink → delete in app) breaks the rule again.
    srv.delete(&format!("/Groups/{gid}"))
        .send()
        .await
        .expect(204);
    let after_delete = problems(&srv).await;
    assert_eq!(after_delete.as_array().unwrap().len(), 1);
    assert_eq!(after_delete[0]["group"], "group:Engineering");
    assert_eq!(
        check(&srv, &dev, "tag:logging:443").await["decision"],
        "deny"
    );

    // "update the group in the access rule to the new group name": PUT a fixed policy.
    srv.create_group("Platform", &[&dev]).await;
    let mut fixed = policy();
    fixed["acls"][0]["src"] = json!(["group:platform"]);
    let put = put_policy(&srv, &fixed).await;
    assert_eq!(put.json["problems"], json!([]));
    assert_eq!(
        check(&srv, &dev, "tag:logging:443").await["decision"],
        "allow"
    );

    // Policy-defined groups are not synced groups and never problems.
    assert_eq!(
        check(&srv, "root@example.com", "db:22").await["decision"],
        "deny"
    );
    let root = srv.create_user("root@example.com").await;
    assert_eq!(check(&srv, &root, "db:22").await["decision"], "allow");
    assert_eq!(check(&srv, &root, "db:5432").await["decision"], "deny");
    assert_eq!(
        check(&srv, "nobody@example.com", "web:80").await["decision"],
        "deny"
    );
}

#[tokio::test]
async fn admin_api_is_404_in_the_rfc_profile() {
    let srv = TestServer::rfc().await;
    for (method, path) in [
        (Method::GET, "/policy"),
        (Method::GET, "/policy/problems"),
        (Method::GET, "/groups"),
    ] {
        let r = srv.admin(method, path).send().await;
        r.assert_scim_error(404, None);
        assert!(r.detail().contains("tailnet"), "{}", r.detail());
    }
    put_policy(&srv, &policy())
        .await
        .assert_scim_error(404, None);
    srv.admin(Method::POST, "/policy/check")
        .content_type(Some("application/json"))
        .raw_body(r#"{"user": "x", "destination": "a:1"}"#)
        .send()
        .await
        .assert_scim_error(404, None);
}

#[tokio::test]
async fn admin_api_requires_the_token() {
    let srv = TestServer::start(ServerConfig {
        profile: Profile::Tailnet,
        policy: Some(policy()),
        ..ServerConfig::default()
    })
    .await;
    for auth in [Auth::None, Auth::Value("Bearer wrong".into())] {
        for path in ["/policy", "/policy/problems", "/groups"] {
            srv.admin(Method::GET, path)
                .auth(auth.clone())
                .send()
                .await
                .assert_scim_error(401, None);
        }
        let r = srv
            .admin(Method::PUT, "/policy")
            .auth(auth.clone())
            .content_type(Some("application/json"))
            .raw_body(r#"{"acls": []}"#)
            .send()
            .await;
        r.assert_scim_error(401, None);
    }
    // The policy is unchanged; the raw token form works here too.
    let r = srv
        .admin(Method::GET, "/policy")
        .auth(Auth::Raw)
        .send()
        .await;
    r.expect(200);
    assert_eq!(r.json, policy());
}

#[tokio::test]
async fn okta_flow_works_in_the_tailnet_profile() {
    // Okta's whole user lifecycle, with Email as the Application username format.
    let srv = TestServer::tailnet().await;
    let lookup = "/Users?filter=userName%20eq%20%22ts.user%40example.com%22&startIndex=1&count=100";
    assert_eq!(srv.get(lookup).send().await.total(), 0);
    let uid = srv.create_user("ts.user@example.com").await;
    let mut body = srv.user(&uid).await;
    body["name"]["givenName"] = json!("Updated");
    srv.put(&format!("/Users/{uid}"), &body)
        .send()
        .await
        .expect(200);
    let schemas = srv.user(&uid).await["schemas"].clone();
    assert_eq!(schemas, json!([USER_URN]));
}

/// A policy group and a synced group with the same name: a user in either one matches.
#[tokio::test]
async fn policy_and_synced_groups_of_one_name_both_count() {
    let srv = TestServer::start(ServerConfig {
        profile: Profile::Tailnet,
        policy: Some(json!({
            "groups": {"group:ops": ["root@example.com"]},
            "acls": [{"action": "accept", "src": ["group:ops"], "dst": ["db:5432"]}]
        })),
        ..ServerConfig::default()
    })
    .await;
    let root = srv.create_user("root@example.com").await;
    let dev = srv.create_user("dev@example.com").await;
    let other = srv.create_user("other@example.com").await;
    srv.create_group("Ops", &[&dev]).await;
    assert_eq!(check(&srv, &root, "db:5432").await["decision"], "allow");
    assert_eq!(check(&srv, &dev, "db:5432").await["decision"], "allow");
    assert_eq!(check(&srv, &other, "db:5432").await["decision"], "deny");
    assert_eq!(problems(&srv).await, json!([]));
}

/// `--policy FILE`: an invalid file stops the binary with exit code 2 and a message naming it.
#[test]
fn invalid_policy_file_is_refused_at_start() {
    let path = std::env::temp_dir().join(format!("okscim-bad-policy-{}.json", std::process::id()));
    std::fs::write(
        &path,
        r#"{"acls": [{"action": "drop", "src": [], "dst": []}]}"#,
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_okscim-reference-server"))
        .args(["--addr", "127.0.0.1:0", "--profile", "tailnet", "--policy"])
        .arg(&path)
        .env_remove("OKSCIM_SERVER_TOKEN")
        .output()
        .expect("run the binary");
    let _ = std::fs::remove_file(&path);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot load policy"), "{stderr}");
    assert!(stderr.contains("action must be \"accept\""), "{stderr}");
}

/// The banner names the profile in lower case, as `--profile` takes it, and the request log
/// written to a pipe (not a terminal) carries no ANSI colour codes.
#[test]
fn serve_banner_names_the_profile_and_a_piped_log_has_no_colour() {
    use std::io::{BufRead, BufReader, Write};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_okscim-reference-server"))
        .args(["--addr", "127.0.0.1:0", "--profile", "tailnet"])
        .env_remove("OKSCIM_SERVER_TOKEN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the binary");
    let stdout = child.stdout.take().expect("piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait = std::time::Duration::from_secs(20);
    let banner = rx.recv_timeout(wait).expect("a banner");
    assert!(
        banner.contains("(tailnet profile) at http://127.0.0.1:"),
        "{banner}"
    );
    let url = banner.rsplit(' ').next().expect("the base URL").to_string();
    let authority = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("host:port")
        .to_string();
    let mut stream = std::net::TcpStream::connect(&authority).expect("connect");
    write!(
        stream,
        "GET /scim/v2/ServiceProviderConfig HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = String::new();
    let _ = std::io::Read::read_to_string(&mut stream, &mut answer);
    let mut lines = Vec::new();
    while let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(5)) {
        let done = line.contains("ServiceProviderConfig");
        lines.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let log = lines.join("\n");
    assert!(
        log.contains("ServiceProviderConfig"),
        "no request log line: {log}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "ANSI codes in a piped log: {log:?}"
    );
}

/// A policy's `group:ÄDMINS` names the synced group `ädmins` (Unicode case folding, not ASCII
/// lowercasing, which failed closed).
#[tokio::test]
async fn policy_group_names_fold_unicode_case() {
    let srv = TestServer::start(ServerConfig {
        profile: Profile::Tailnet,
        policy: Some(json!({
            "acls": [{"action": "accept", "src": ["group:ÄDMINS"], "dst": ["db:5432"]}]
        })),
        ..ServerConfig::default()
    })
    .await;
    let admin = srv.create_user("admin@example.com").await;
    let other = srv.create_user("other@example.com").await;
    srv.create_group("ädmins", &[&admin]).await;
    assert_eq!(problems(&srv).await, json!([]));
    assert_eq!(check(&srv, &admin, "db:5432").await["decision"], "allow");
    assert_eq!(check(&srv, &other, "db:5432").await["decision"], "deny");
}
