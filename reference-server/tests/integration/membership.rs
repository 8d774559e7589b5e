//! A user's `groups` attribute (RFC 7643 §4.1.2, read-only) stays in step with the groups:
//! add to a group, rename it, remove the user, delete the group; and deleting a user removes it
//! from every group.

use insta::assert_json_snapshot;
use serde_json::json;

use crate::common::{GROUP_URN, Redactor, TestServer, member_values, user_groups};

#[tokio::test]
async fn user_groups_follow_group_changes() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let uid = srv.create_user("follower@example.com").await;
    let other = srv.create_user("other@example.com").await;
    red.alias(&uid, "user.id").alias(&other, "other.id");
    assert!(
        srv.user(&uid).await.get("groups").is_none() || srv.user(&uid).await["groups"] == json!([])
    );

    let gid = srv.create_group("Platform", &[]).await;
    red.alias(&gid, "group.id");
    let gpath = format!("/Groups/{gid}");

    // Added → appears, with display, $ref and type.
    srv.patch(
        &gpath,
        json!([{"op": "add", "path": "members", "value": [{"value": uid, "display": "follower@example.com"}]}]),
    )
    .send()
    .await
    .expect(200);
    let user = srv.get(&format!("/Users/{uid}")).send().await;
    user.expect(200);
    assert_eq!(
        user_groups(&user.json),
        vec![(gid.clone(), "Platform".to_string())]
    );
    assert_json_snapshot!("user_with_groups", red.response(&user));

    // Renamed (Okta's path-less rename) → display updated.
    srv.patch(
        &gpath,
        json!([{"op": "replace", "value": {"id": gid, "displayName": "Platform Engineering"}}]),
    )
    .send()
    .await
    .expect(200);
    assert_eq!(
        user_groups(&srv.user(&uid).await),
        vec![(gid.clone(), "Platform Engineering".to_string())]
    );
    // ... and by PUT (AIW).
    srv.put(
        &gpath,
        &json!({"schemas": [GROUP_URN], "displayName": "Infra", "members": [{"value": uid}]}),
    )
    .send()
    .await
    .expect(200);
    assert_eq!(
        user_groups(&srv.user(&uid).await),
        vec![(gid.clone(), "Infra".to_string())]
    );

    // Removed with a value filter → gone, and the other user is unaffected.
    srv.patch(
        &gpath,
        json!([{"op": "add", "path": "members", "value": [{"value": other}]}]),
    )
    .send()
    .await
    .expect(200);
    srv.patch(
        &gpath,
        json!([{"op": "remove", "path": format!("members[value eq \"{uid}\"]")}]),
    )
    .send()
    .await
    .expect(200);
    assert!(user_groups(&srv.user(&uid).await).is_empty());
    assert_eq!(
        user_groups(&srv.user(&other).await),
        vec![(gid.clone(), "Infra".to_string())]
    );

    // Group deleted → gone.
    srv.delete(&gpath).send().await.expect(204);
    assert!(user_groups(&srv.user(&other).await).is_empty());
}

/// Filters see the `groups` attribute as it is answered (RFC 7644 §3.4.2.2 filters apply to
/// the resource's attributes; `groups` is one, though derived).
#[tokio::test]
async fn filter_on_user_groups() {
    let srv = TestServer::rfc().await;
    let member = srv.create_user("in.group@example.com").await;
    srv.create_user("not.in.group@example.com").await;
    let gid = srv.create_group("Filtered", &[&member]).await;
    for filter in [
        format!("groups.value eq \"{gid}\""),
        format!("groups[value eq \"{gid}\"]"),
        "groups.display eq \"filtered\"".to_string(),
        "groups pr".to_string(),
    ] {
        let r = srv
            .get(&format!("/Users?{}", crate::common::filter_query(&filter)))
            .send()
            .await;
        r.expect(200);
        assert_eq!(
            r.resource_ids(),
            vec![member.clone()],
            "{filter}: {}",
            r.text
        );
    }
}

#[tokio::test]
async fn user_in_several_groups_and_user_deletion() {
    let srv = TestServer::rfc().await;
    let uid = srv.create_user("multi@example.com").await;
    let keep = srv.create_user("keep@example.com").await;
    let g1 = srv.create_group("One", &[&uid, &keep]).await;
    let g2 = srv.create_group("Two", &[&uid]).await;
    let mut expected = vec![
        (g1.clone(), "One".to_string()),
        (g2.clone(), "Two".to_string()),
    ];
    expected.sort();
    assert_eq!(user_groups(&srv.user(&uid).await), expected);

    // Removing the last member with `remove path=members` clears the whole list.
    srv.patch(
        &format!("/Groups/{g2}"),
        json!([{"op": "remove", "path": "members"}]),
    )
    .send()
    .await
    .expect(200);
    assert_eq!(
        user_groups(&srv.user(&uid).await),
        vec![(g1.clone(), "One".to_string())]
    );

    // Deleting a user (not something Okta does, but RFC 7644 §3.6) removes it from groups.
    srv.delete(&format!("/Users/{uid}"))
        .send()
        .await
        .expect(204);
    assert_eq!(member_values(&srv.group(&g1).await), vec![keep.clone()]);
    srv.get(&format!("/Users/{uid}"))
        .send()
        .await
        .assert_scim_error(404, None);
}

#[tokio::test]
async fn groups_sent_on_a_user_are_ignored() {
    // `groups` is read-only: Okta's POST carries `groups: []`, and a PUT round-trips them;
    // neither changes memberships.
    let srv = TestServer::rfc().await;
    let gid = srv.create_group("Real", &[]).await;
    let mut body = crate::common::okta_user("ro@example.com");
    body["groups"] = json!([{"value": gid, "display": "Real"}]);
    let r = srv.post("/Users", &body).send().await;
    r.expect(201);
    assert!(user_groups(&r.json).is_empty());
    assert_eq!(member_values(&srv.group(&gid).await), Vec::<String>::new());
}

/// Groups may contain groups (RFC 7643 §4.2); deleting a member group removes it from the
/// groups that contain it, like deleting a user does, so they stay writable.
#[tokio::test]
async fn deleting_a_member_group_removes_it_from_its_parents() {
    let srv = TestServer::rfc().await;
    let child = srv.create_group("Child", &[]).await;
    let parent = srv.create_group("Parent", &[&child]).await;
    assert_eq!(
        member_values(&srv.group(&parent).await),
        vec![child.clone()]
    );
    srv.delete(&format!("/Groups/{child}"))
        .send()
        .await
        .expect(204);
    // The parent must still accept Okta's membership pushes.
    let uid = srv.create_user("after.child@example.com").await;
    let push = srv
        .patch(
            &format!("/Groups/{parent}"),
            json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]),
        )
        .send()
        .await;
    let members = member_values(&srv.group(&parent).await);
    assert_eq!(
        push.status, 200,
        "membership push after the child was deleted: {}",
        push.text
    );
    assert_eq!(
        members,
        vec![uid],
        "the deleted group is still listed as a member"
    );
}
