//! Okta's lifecycle actions as exact HTTP traffic (okta-reference.md §1), with the responses
//! snapshotted. Every request carries Okta's headers (§1.0).

use insta::assert_json_snapshot;
use reqwest::Method;
use serde_json::json;

use crate::common::{
    Auth, GROUP_URN, LIST_URN, Redactor, TestServer, USER_URN, member_values, okta_user,
    user_groups,
};

/// §1.1: "Test API Credentials" with both Authorization forms, on an empty server.
#[tokio::test]
async fn test_connection_probes_answer_full_list_responses() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    for auth in [Auth::Bearer, Auth::Raw] {
        let users = srv
            .get("/Users?startIndex=1&count=2")
            .auth(auth.clone())
            .send()
            .await;
        users.expect(200);
        assert_eq!(users.media_type().as_deref(), Some("application/scim+json"));
        assert_json_snapshot!("test_connection_users_empty", red.response(&users));
        let groups = srv
            .get("/Groups?startIndex=1&count=100")
            .auth(auth)
            .send()
            .await;
        groups.expect(200);
        assert_json_snapshot!("test_connection_groups_empty", red.response(&groups));
    }
    // With users present the probe pages: count=2 gives at most two.
    for name in [
        "a.one@example.com",
        "b.two@example.com",
        "c.three@example.com",
    ] {
        srv.create_user(name).await;
    }
    let users = srv.get("/Users?startIndex=1&count=2").send().await;
    users.expect(200);
    assert_eq!(users.total(), 3);
    assert_eq!(users.json["itemsPerPage"], json!(2));
    assert_eq!(users.json["startIndex"], json!(1));
    assert_eq!(users.json["Resources"].as_array().unwrap().len(), 2);
}

/// §1.3 with R20's `%20`-encoded filter.
#[tokio::test]
async fn create_flow_with_percent_20_filter() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let lookup =
        "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100";
    let before = srv.get(lookup).send().await;
    before.expect(200);
    assert_json_snapshot!("create_flow_lookup_not_found", red.response(&before));

    let created = srv
        .post("/Users", &okta_user("test.user@okta.local"))
        .send()
        .await;
    created.expect(201);
    red.alias(&created.id(), "user.id");
    assert_json_snapshot!("create_flow_post_201", red.response(&created));
    assert!(
        created.json.get("password").is_none(),
        "password must never be returned"
    );
    assert_eq!(
        created.header("location"),
        created.json["meta"]["location"].as_str(),
        "Location equals meta.location"
    );

    let after = srv.get(lookup).send().await;
    after.expect(200);
    assert_eq!(after.total(), 1);
    assert_eq!(after.resource_ids(), vec![created.id()]);
    assert_json_snapshot!("create_flow_lookup_found", red.response(&after));
}

/// §1.0: R19 shows the same lookup form-encoded, with `+` for spaces.
#[tokio::test]
async fn create_flow_with_plus_encoded_filter() {
    let srv = TestServer::rfc().await;
    let lookup = "/Users?filter=userName+eq+%22jane.doe%40example.com%22&startIndex=1&count=100";
    let before = srv.get(lookup).send().await;
    before.expect(200);
    assert_eq!(before.total(), 0);
    assert_eq!(before.json["Resources"], json!([]));

    let id = srv.create_user("jane.doe@example.com").await;
    let after = srv.get(lookup).send().await;
    after.expect(200);
    assert_eq!(after.resource_ids(), vec![id]);
    assert_eq!(
        after.json["Resources"][0]["userName"],
        "jane.doe@example.com"
    );
}

/// T-SPEC steps 11 and 17; §3.15: userName is echoed exactly, and matched case-insensitively.
#[tokio::test]
async fn user_name_is_echoed_exactly_and_found_in_upper_case() {
    let srv = TestServer::rfc().await;
    let user_name = "Runscope042Qwertyuio123@atko.com";
    let created = srv.post("/Users", &okta_user(user_name)).send().await;
    created.expect(201);
    assert_eq!(created.json["userName"], user_name);
    assert_eq!(srv.user(&created.id()).await["userName"], user_name);
    for probe in [user_name.to_uppercase(), user_name.to_lowercase()] {
        // The SPEC test sends the filter with raw spaces and quotes (reqwest encodes them).
        let r = srv
            .get(&format!("/Users?filter=userName eq \"{probe}\""))
            .send()
            .await;
        r.expect(200);
        assert_eq!(r.resource_ids(), vec![created.id()], "filter {probe}");
        assert_eq!(r.json["Resources"][0]["userName"], user_name);
    }
}

/// T-SPEC step 15 and §1.3: a duplicate userName, in any case, is a 409 uniqueness error.
#[tokio::test]
async fn duplicate_user_is_409_case_insensitively() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    srv.create_user("Dup.User@example.com").await;
    let same = srv
        .post("/Users", &okta_user("Dup.User@example.com"))
        .send()
        .await;
    same.assert_scim_error(409, Some("uniqueness"));
    assert_json_snapshot!("create_duplicate_409", red.response(&same));
    let other_case = srv
        .post("/Users", &okta_user("dup.user@EXAMPLE.com"))
        .send()
        .await;
    other_case.assert_scim_error(409, Some("uniqueness"));
    let list = srv.get("/Users?startIndex=1&count=100").send().await;
    assert_eq!(list.total(), 1, "no second user was created");
}

/// §1.4 and §3.18: Okta GETs the user and PUTs it back whole, with `id`, `meta`, `groups`,
/// `emails[].display` and (2018 sample) `password` and non-ISO `meta` dates.
#[tokio::test]
async fn update_round_trips_read_only_fields() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let uid = srv.create_user("round.trip@example.com").await;
    let gid = srv.create_group("Engineering", &[&uid]).await;
    red.alias(&uid, "user.id").alias(&gid, "group.id");

    let mut body = srv.user(&uid).await;
    let created = body["meta"]["created"].clone();
    assert_eq!(
        user_groups(&body),
        vec![(gid.clone(), "Engineering".to_string())]
    );
    body["name"]["givenName"] = json!("Roundtripped");
    body["emails"][0]["display"] = json!("round.trip@example.com");
    body["title"] = json!("Engineer");
    body["password"] = json!("n3wPassw0rd");
    body["meta"]["created"] = json!("04-12-2018 00:00:00");
    body["meta"]["lastModified"] = json!("04-12-2018 00:00:00");

    let put = srv.put(&format!("/Users/{uid}"), &body).send().await;
    put.expect(200);
    assert_json_snapshot!("update_put_200", red.response(&put));
    assert_eq!(put.json["id"], json!(uid));
    assert_eq!(put.json["name"]["givenName"], "Roundtripped");
    assert_eq!(put.json["title"], "Engineer");
    assert_eq!(
        put.json["meta"]["created"], created,
        "meta.created is the server's"
    );
    assert_ne!(
        put.json["meta"]["version"], body["meta"]["version"],
        "version bumped"
    );
    assert_eq!(
        user_groups(&put.json),
        vec![(gid.clone(), "Engineering".into())]
    );
    assert!(put.json.get("password").is_none());
    assert!(
        srv.server
            .state()
            .read()
            .await
            .password_matches(&uid, "n3wPassw0rd")
    );
    let again = srv.user(&uid).await;
    assert_eq!(again["name"]["givenName"], "Roundtripped");
    assert_eq!(again["emails"][0]["display"], "round.trip@example.com");
    // The group still lists the user: PUT of a user never touches memberships.
    assert_eq!(member_values(&srv.group(&gid).await), vec![uid]);
}

/// §1.5, §1.6, §3.1, §3.16, §3.17: path-less PATCH {active:false}; the user stays readable with
/// `active: false`; path-less {active:true} reactivates with the same id and memberships.
#[tokio::test]
async fn deactivate_and_reactivate_with_pathless_patch() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let uid = srv.create_user("leaver@example.com").await;
    let gid = srv.create_group("Staff", &[&uid]).await;
    red.alias(&uid, "user.id").alias(&gid, "group.id");

    let off = srv
        .patch(
            &format!("/Users/{uid}"),
            json!([{"op": "replace", "value": {"active": false}}]),
        )
        .send()
        .await;
    off.expect(200);
    assert_json_snapshot!("deactivate_patch_200", red.response(&off));
    assert_eq!(off.json["active"], json!(false));

    let read = srv.user(&uid).await;
    assert_eq!(
        read["active"],
        json!(false),
        "deactivated users stay readable"
    );
    let listed = srv
        .get("/Users?filter=userName%20eq%20%22leaver%40example.com%22&startIndex=1&count=100")
        .send()
        .await;
    assert_eq!(listed.resource_ids(), vec![uid.clone()]);
    assert_eq!(listed.json["Resources"][0]["active"], json!(false));

    let on = srv
        .patch(
            &format!("/Users/{uid}"),
            json!([{"op": "replace", "value": {"active": true}}]),
        )
        .send()
        .await;
    on.expect(200);
    assert_eq!(on.json["id"], json!(uid));
    assert_eq!(on.json["active"], json!(true));
    assert_eq!(user_groups(&on.json), vec![(gid.clone(), "Staff".into())]);
    assert_eq!(member_values(&srv.group(&gid).await), vec![uid]);
}

/// §1.5 for AIW apps: GET then PUT with `active: false`, and back.
#[tokio::test]
async fn aiw_deactivate_and_reactivate_with_put() {
    let srv = TestServer::rfc().await;
    let uid = srv.create_user("aiw.user@example.com").await;
    for active in [false, true] {
        let mut body = srv.user(&uid).await;
        body["active"] = json!(active);
        let r = srv.put(&format!("/Users/{uid}"), &body).send().await;
        r.expect(200);
        assert_eq!(r.json["active"], json!(active));
        assert_eq!(srv.user(&uid).await["active"], json!(active));
    }
}

/// §1.9-§1.13: the group push lifecycle of an OIN (PATCH) app, step by step.
#[tokio::test]
async fn group_push_lifecycle() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let alice = srv.create_user("alice@example.com").await;
    let bob = srv.create_user("bob@example.com").await;
    let carol = srv.create_user("carol@example.com").await;
    let dave = srv.create_user("dave@example.com").await;
    for (id, name) in [
        (&alice, "alice.id"),
        (&bob, "bob.id"),
        (&carol, "carol.id"),
        (&dave, "dave.id"),
    ] {
        red.alias(id, name);
    }

    // §1.9 create with an empty member list.
    let created = srv
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_URN], "displayName": "Test SCIMv2", "members": []}),
        )
        .send()
        .await;
    created.expect(201);
    let gid = created.id();
    red.alias(&gid, "group.id");
    assert_json_snapshot!("push_create_group_201", red.response(&created));
    let path = format!("/Groups/{gid}");

    // §1.11 rename: path-less replace carrying id and displayName.
    let renamed = srv
        .patch(
            &path,
            json!([{"op": "replace", "value": {"id": gid, "displayName": "New Name"}}]),
        )
        .send()
        .await;
    renamed.expect(200);
    assert_json_snapshot!("push_rename_200", red.response(&renamed));
    assert_eq!(renamed.json["displayName"], "New Name");

    // §1.10 add members (batched in one add with {value, display}; no type, no $ref).
    let added = srv
        .patch(
            &path,
            json!([{"op": "add", "path": "members", "value": [
                {"value": alice, "display": "alice@example.com"},
                {"value": bob, "display": "bob@example.com"},
                {"value": carol, "display": "carol@example.com"},
            ]}]),
        )
        .send()
        .await;
    added.expect(200);
    let mut expected = vec![alice.clone(), bob.clone(), carol.clone()];
    expected.sort();
    assert_eq!(member_values(&added.json), expected);

    // Several removes with value filters plus one add, in one request (R19).
    let mixed = srv
        .patch(
            &path,
            json!([
                {"op": "remove", "path": format!("members[value eq \"{alice}\"]")},
                {"op": "remove", "path": format!("members[value eq \"{bob}\"]")},
                {"op": "add", "path": "members", "value": [
                    {"value": dave, "display": "dave@example.com"}
                ]},
            ]),
        )
        .send()
        .await;
    mixed.expect(200);
    let mut expected = vec![carol.clone(), dave.clone()];
    expected.sort();
    assert_eq!(member_values(&mixed.json), expected);
    assert_eq!(member_values(&srv.group(&gid).await), expected);
    assert_json_snapshot!("push_members_remove_add_200", red.response(&mixed));

    // Push Now: replace the whole membership, then with [].
    let push_now = srv
        .patch(
            &path,
            json!([{"op": "replace", "path": "members", "value": [
                {"value": alice, "display": "alice@example.com"},
                {"value": bob, "display": "bob@example.com"},
            ]}]),
        )
        .send()
        .await;
    push_now.expect(200);
    let mut expected = vec![alice.clone(), bob.clone()];
    expected.sort();
    assert_eq!(member_values(&push_now.json), expected);
    let emptied = srv
        .patch(
            &path,
            json!([{"op": "replace", "path": "members", "value": []}]),
        )
        .send()
        .await;
    emptied.expect(200);
    assert_eq!(member_values(&srv.group(&gid).await), Vec::<String>::new());

    // Path-less replace with value.members (keycloak-scim-server#100).
    let pathless = srv
        .patch(
            &path,
            json!([{"op": "replace", "value": {"members": [{"value": carol}]}}]),
        )
        .send()
        .await;
    pathless.expect(200);
    assert_eq!(member_values(&srv.group(&gid).await), vec![carol.clone()]);
    assert_eq!(srv.group(&gid).await["displayName"], "New Name");

    // Path-less replace {id, displayName, members: []} (scimgateway#111).
    let all_in_one = srv
        .patch(
            &path,
            json!([{"op": "replace", "value": {"id": gid, "displayName": "New Name", "members": []}}]),
        )
        .send()
        .await;
    all_in_one.expect(200);
    assert_eq!(member_values(&srv.group(&gid).await), Vec::<String>::new());

    // §1.12 link lookup by displayName (any case).
    for name in ["New Name", "new name"] {
        let q = format!(
            "/Groups?filter=displayName%20eq%20%22{}%22&startIndex=1&count=100",
            name.replace(' ', "%20")
        );
        let found = srv.get(&q).send().await;
        found.expect(200);
        assert_eq!(found.resource_ids(), vec![gid.clone()], "lookup of {name}");
    }
    let missing = srv
        .get("/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100")
        .send()
        .await;
    missing.expect(200);
    assert_eq!(missing.total(), 0, "the old name no longer matches");

    // §1.13 unlink and delete: 204, then the user's groups no longer list it.
    srv.patch(
        &path,
        json!([{"op": "add", "path": "members", "value": [{"value": alice}]}]),
    )
    .send()
    .await
    .expect(200);
    assert_eq!(user_groups(&srv.user(&alice).await).len(), 1);
    let deleted = srv.delete(&path).send().await;
    deleted.expect(204);
    assert!(deleted.text.is_empty(), "204 has no body");
    srv.get(&path).send().await.assert_scim_error(404, None);
    let alice_now = srv.user(&alice).await;
    assert!(
        alice_now.get("groups").is_none() || alice_now["groups"] == json!([]),
        "groups still lists the deleted group: {alice_now}"
    );
}

/// §1.9/§1.10 for AIW apps: POST, then PUTs carrying `id` and the full member list.
#[tokio::test]
async fn aiw_group_push_with_put() {
    let srv = TestServer::rfc().await;
    let red = Redactor::new(&srv);
    let alice = srv.create_user("alice@example.com").await;
    let bob = srv.create_user("bob@example.com").await;
    red.alias(&alice, "alice.id").alias(&bob, "bob.id");
    let gid = srv.create_group("AIW Group", &[]).await;
    red.alias(&gid, "group.id");
    let path = format!("/Groups/{gid}");
    let first = srv
        .put(
            &path,
            &json!({"schemas": [GROUP_URN], "id": gid, "displayName": "AIW Group", "members": []}),
        )
        .send()
        .await;
    first.expect(200);
    let full = srv
        .put(
            &path,
            &json!({"schemas": [GROUP_URN], "id": gid, "displayName": "AIW Group", "members": [
                {"value": alice, "display": "alice@example.com"},
                {"value": bob, "display": "bob@example.com"},
            ]}),
        )
        .send()
        .await;
    full.expect(200);
    assert_json_snapshot!("aiw_put_group_members_200", red.response(&full));
    let mut expected = vec![alice.clone(), bob.clone()];
    expected.sort();
    assert_eq!(member_values(&srv.group(&gid).await), expected);
    let fewer = srv
        .put(
            &path,
            &json!({"schemas": [GROUP_URN], "displayName": "AIW Group", "members": [{"value": bob}]}),
        )
        .send()
        .await;
    fewer.expect(200);
    assert_eq!(member_values(&fewer.json), vec![bob.clone()]);
    assert!(user_groups(&srv.user(&alice).await).is_empty());
    assert_eq!(user_groups(&srv.user(&bob).await).len(), 1);
}

/// §3.10 and T-SPEC: Okta's SPEC test POSTs with `Content-Type: application/json`; the SCIM 1.1
/// test sent no Content-Type at all.
#[tokio::test]
async fn create_accepts_application_json_and_no_content_type() {
    let srv = TestServer::rfc().await;
    let body = serde_json::to_vec(&okta_user("json.ct@example.com")).unwrap();
    let r = srv
        .call(Method::POST, "/Users")
        .content_type(Some("application/json"))
        .header("Accept", "application/scim+json; charset=utf-8")
        .raw_body(body)
        .send()
        .await;
    r.expect(201);
    assert_eq!(r.json["userName"], "json.ct@example.com");
    assert_eq!(r.json["schemas"], json!([USER_URN]));

    let body = serde_json::to_vec(&okta_user("no.ct@example.com")).unwrap();
    let r = srv
        .call(Method::POST, "/Users")
        .content_type(None)
        .raw_body(body)
        .send()
        .await;
    r.expect(201);
}

/// T-SPEC steps 1, 3, 5, 7: reading the first user, a missing userName (200, totalResults 0)
/// and a missing id (404).
#[tokio::test]
async fn spec_test_reads() {
    let srv = TestServer::rfc().await;
    let id = srv.create_user("first.user@atko.com").await;
    let r = srv.get("/Users?count=1&startIndex=1").send().await;
    r.expect(200);
    assert_eq!(r.json["schemas"], json!([LIST_URN]));
    let first = &r.json["Resources"][0];
    for key in ["id", "userName", "active"] {
        assert!(!first[key].is_null(), "Resources[0].{key}");
    }
    assert!(first["name"]["familyName"].is_string());
    assert!(first["name"]["givenName"].is_string());
    assert!(first["emails"][0]["value"].is_string());
    assert_eq!(srv.user(&id).await["id"], json!(id));
    let none = srv
        .get("/Users?filter=userName eq \"abcdefgh@atko.com\"")
        .send()
        .await;
    none.expect(200);
    assert_eq!(none.total(), 0);
    srv.get("/Users/010101001010101011001010101011")
        .send()
        .await
        .assert_scim_error(404, None);
}
