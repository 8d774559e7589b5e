//! Concurrent membership PATCHes (okta-reference.md §3.23): read-modify-write servers lose members.
//! The same test against the `membership-lost-update` fault must see the loss, which proves the
//! test can fail.

use okscim_reference_server::Fault;
use serde_json::json;

use crate::common::{OKTA_CONTENT_TYPE, OKTA_USER_AGENT, TestServer, patch_op};

/// 20 users, one group, 20 concurrent `add` PATCHes (one member each); returns the members the
/// group ends with.
async fn twenty_concurrent_adds(srv: &TestServer) -> usize {
    let mut users = Vec::new();
    for i in 0..20 {
        users.push(srv.create_user(&format!("conc{i:02}@example.com")).await);
    }
    let gid = srv.create_group("Concurrent", &[]).await;
    let url = format!("{}/Groups/{gid}", srv.base());
    let auth = format!("Bearer {}", srv.server.token);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(users.len()));
    let mut tasks = Vec::new();
    for (i, uid) in users.iter().enumerate() {
        let client = srv.client.clone();
        let url = url.clone();
        let auth = auth.clone();
        let barrier = barrier.clone();
        let body = patch_op(json!([{"op": "add", "path": "members", "value": [
            {"value": uid, "display": format!("conc{i:02}@example.com")}
        ]}]));
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let r = client
                .patch(&url)
                .header("Accept", "application/scim+json")
                .header("Accept-Charset", "utf-8")
                .header("User-Agent", OKTA_USER_AGENT)
                .header("Content-Type", OKTA_CONTENT_TYPE)
                .header("Authorization", auth)
                .body(serde_json::to_vec(&body).unwrap())
                .send()
                .await
                .expect("PATCH");
            r.status().as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let group = srv.group(&gid).await;
    let members = group["members"].as_array().map(Vec::len).unwrap_or(0);
    // Every member's `groups` agrees with the group.
    let st = srv.server.state().read().await;
    let listed = users
        .iter()
        .filter(|u| st.groups_of(u).iter().any(|(g, _)| *g == gid))
        .count();
    drop(st);
    assert_eq!(
        listed, members,
        "users' groups and the group's members agree"
    );
    members
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_member_adds_are_all_kept() {
    let srv = TestServer::rfc().await;
    assert_eq!(twenty_concurrent_adds(&srv).await, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn membership_lost_update_fault_loses_members() {
    let srv = TestServer::with_faults(&[Fault::MembershipLostUpdate]).await;
    let kept = twenty_concurrent_adds(&srv).await;
    assert!(kept < 20, "the fault should lose members, kept {kept}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_of_one_user_name_make_one_user() {
    let srv = TestServer::rfc().await;
    let url = format!("{}/Users", srv.base());
    let auth = format!("Bearer {}", srv.server.token);
    let mut tasks = Vec::new();
    for i in 0..10 {
        let client = srv.client.clone();
        let (url, auth) = (url.clone(), auth.clone());
        let name = if i % 2 == 0 {
            "Race@Example.com"
        } else {
            "race@example.com"
        };
        let body = crate::common::okta_user(name);
        tasks.push(tokio::spawn(async move {
            client
                .post(&url)
                .header("Content-Type", OKTA_CONTENT_TYPE)
                .header("Authorization", auth)
                .body(serde_json::to_vec(&body).unwrap())
                .send()
                .await
                .expect("POST")
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        9,
        "{statuses:?}"
    );
}
