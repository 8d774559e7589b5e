//! Property test: random JSON bodies (shaped like SCIM resources and PatchOp messages, with
//! hostile values mixed in) sent to POST /Users, POST /Groups, PUT and PATCH never produce a
//! 5xx, and every 4xx carries a SCIM error body.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::common::{ERROR_URN, PATCH_URN, TestServer};

const KEYS: &[&str] = &[
    "schemas",
    "userName",
    "USERNAME",
    "name",
    "givenName",
    "familyName",
    "emails",
    "value",
    "type",
    "primary",
    "display",
    "active",
    "password",
    "groups",
    "members",
    "displayName",
    "id",
    "meta",
    "externalId",
    "title",
    "$ref",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "department",
    "manager",
    "Operations",
    "op",
    "path",
    "x",
];

const PATHS: &[&str] = &[
    "members",
    "members[value eq \"x\"]",
    "members[value eq \"x\"].display",
    "emails",
    "emails[type eq \"work\"].value",
    "emails[type eq \"work\"]",
    "name.givenName",
    "name",
    "active",
    "userName",
    "displayName",
    "password",
    "id",
    "meta",
    "groups",
    "meta.version",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "members[",
    "members]",
    "[value eq 1]",
    "emails[type eq \"work\" or not (value pr)]",
    "name.givenName.x",
    "",
    " ",
    "x.y.z",
    "emails[value sw \"a\"].nope",
    "members[value eq \"x\"",
    "members[display co \"\\\"\"]",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-zA-Z0-9@._ \"\\\\-]{0,12}".prop_map(Value::String),
        Just(json!("True")),
        Just(json!("false")),
        Just(json!("urn:ietf:params:scim:schemas:core:2.0:User")),
        Just(json!("urn:ietf:params:scim:schemas:core:2.0:Group")),
        Just(json!("\u{0}\u{ffff}é")),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(KEYS).prop_map(str::to_string),
        1 => "[a-zA-Z$:.]{0,8}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A resource-like object: mostly known keys.
fn resource() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => prop::collection::vec((key(), json_value()), 0..8)
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        1 => json_value(),
    ]
}

/// A PatchOp-like message.
fn patch_message() -> impl Strategy<Value = Value> {
    let op = (
        prop_oneof![
            Just(json!("add")),
            Just(json!("remove")),
            Just(json!("replace")),
            Just(json!("Replace")),
            Just(json!("move")),
            leaf()
        ],
        proptest::option::of(prop_oneof![
            3 => proptest::sample::select(PATHS).prop_map(|p| json!(p)),
            1 => leaf()
        ]),
        proptest::option::of(json_value()),
    )
        .prop_map(|(op, path, value)| {
            let mut m = Map::new();
            m.insert("op".into(), op);
            if let Some(p) = path {
                m.insert("path".into(), p);
            }
            if let Some(v) = value {
                m.insert("value".into(), v);
            }
            Value::Object(m)
        });
    prop_oneof![
        5 => prop::collection::vec(op, 0..4)
            .prop_map(|ops| json!({"schemas": [PATCH_URN], "Operations": ops})),
        1 => json_value(),
    ]
}

/// 64 cases, or `PROPTEST_CASES` when set (for a longer hunt).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn check_response(what: &str, r: &crate::common::Resp) -> Result<(), TestCaseError> {
    prop_assert!(r.status < 500, "{what}: HTTP {} {}", r.status, r.text);
    if r.status >= 400 {
        let media_type = r.media_type();
        prop_assert_eq!(
            media_type.as_deref(),
            Some("application/scim+json"),
            "{}: {}",
            what,
            r.text
        );
        prop_assert_eq!(
            &r.json["schemas"],
            &json!([ERROR_URN]),
            "{}: {}",
            what,
            r.text
        );
        prop_assert_eq!(&r.json["status"], &json!(r.status.to_string()), "{}", what);
        prop_assert!(
            r.json["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{}: {}",
            what,
            r.text
        );
    }
    Ok(())
}

#[test]
fn random_bodies_never_cause_a_5xx() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (srv, user_id, group_id) = rt.block_on(async {
        let srv = TestServer::rfc().await;
        let user_id = srv.create_user("prop.user@example.com").await;
        let group_id = srv.create_group("Prop Group", &[&user_id]).await;
        (srv, user_id, group_id)
    });
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (resource(), patch_message(), patch_message());
    runner
        .run(&strategy, |(body, user_patch, group_patch)| {
            rt.block_on(async {
                for path in ["/Users", "/Groups"] {
                    let r = srv.post(path, &body).send().await;
                    check_response(&format!("POST {path} {body}"), &r)?;
                }
                let r = srv.put(&format!("/Users/{user_id}"), &body).send().await;
                check_response(&format!("PUT user {body}"), &r)?;
                let r = srv
                    .with_body(Method::PATCH, &format!("/Users/{user_id}"), &user_patch)
                    .send()
                    .await;
                check_response(&format!("PATCH user {user_patch}"), &r)?;
                let r = srv
                    .with_body(Method::PATCH, &format!("/Groups/{group_id}"), &group_patch)
                    .send()
                    .await;
                check_response(&format!("PATCH group {group_patch}"), &r)?;
                // The resources are still readable after whatever happened.
                let r = srv.get(&format!("/Users/{user_id}")).send().await;
                check_response("GET user", &r)?;
                let r = srv.get("/Users?startIndex=1&count=100").send().await;
                prop_assert_eq!(r.status, 200);
                Ok(())
            })
        })
        .unwrap();
    drop(srv);
}

#[test]
fn random_filters_never_cause_a_5xx() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let srv = rt.block_on(async {
        let srv = TestServer::rfc().await;
        srv.create_user("filter.prop@example.com").await;
        srv
    });
    let atom = prop_oneof![
        Just("userName".to_string()),
        Just("emails[type eq \"work\"]".to_string()),
        Just("name.givenName".to_string()),
        Just("meta.created".to_string()),
        Just("active".to_string()),
        "[a-zA-Z. \"\\[\\]()]{0,10}",
    ];
    let op = prop_oneof![
        Just("eq"),
        Just("ne"),
        Just("co"),
        Just("sw"),
        Just("ew"),
        Just("gt"),
        Just("ge"),
        Just("lt"),
        Just("le"),
        Just("pr"),
        Just("and"),
        Just("or"),
        Just("not"),
        Just("("),
        Just(")"),
    ];
    let value = prop_oneof![
        Just("\"x\"".to_string()),
        Just("true".to_string()),
        Just("1.5".to_string()),
        Just("null".to_string()),
        "[ -~]{0,6}",
    ];
    let filter = prop::collection::vec((atom, op, value), 1..5).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(a, o, v)| format!("{a} {o} {v}"))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&filter, |f| {
            rt.block_on(async {
                let r = srv
                    .get(&format!("/Users?{}", crate::common::filter_query(&f)))
                    .send()
                    .await;
                check_response(&format!("filter {f}"), &r)?;
                prop_assert!(r.status == 200 || r.status == 400, "{}: {}", f, r.status);
                if r.status == 400 {
                    prop_assert_eq!(&r.json["scimType"], &json!("invalidFilter"));
                }
                Ok(())
            })
        })
        .unwrap();
}
