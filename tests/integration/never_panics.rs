//! Property tests: no answer a server can send makes a judge, the redaction, the transcript or
//! the snapshot diff panic. Each judge sees arbitrary statuses, headers and bodies (JSON of any
//! shape, and text that is not JSON), under every purpose Okta has for a request.

use okscim::check::{Expectations, judge_expectations, judge_okta, judge_rfc};
use okscim::http::{Exchange, RecordedRequest, RecordedResponse};
use okscim::okta::{AppKind, Purpose};
use okscim::runner::{ScenarioResult, Status, StepResult};
use okscim::snapshot::{json_diff, render_changes, text_diff, transcript};
use proptest::prelude::*;
use serde_json::Value;

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("id"),
            Just("userName"),
            Just("[alice.id]"),
            Just("2024-01-01T00:00:00Z")
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Keys the judges look for, and any others.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "schemas",
            "id",
            "userName",
            "active",
            "name",
            "givenName",
            "familyName",
            "meta",
            "location",
            "version",
            "resourceType",
            "Resources",
            "resources",
            "totalResults",
            "startIndex",
            "itemsPerPage",
            "detail",
            "status",
            "scimType",
            "members",
            "value",
            "displayName",
            "emails",
            "password",
            "groups",
        ])
        .prop_map(str::to_string),
        ".{0,12}",
    ]
}

fn purpose() -> impl Strategy<Value = Purpose> {
    let text = || ".{0,16}";
    prop_oneof![
        Just(Purpose::ConnectionProbe),
        Just(Purpose::ImportPage { groups: false }),
        Just(Purpose::ImportPage { groups: true }),
        Just(Purpose::ReadResourceTypes),
        Just(Purpose::ReadSchemas {
            extensions: vec!["urn:x".into()]
        }),
        Just(Purpose::FindEntitlementTypes),
        Just(Purpose::EntitlementPage { role: true }),
        Just(Purpose::EntitlementPage { role: false }),
        text().prop_map(|user_name| Purpose::FindUser { user_name }),
        (text(), text(), text()).prop_map(|(user_name, given_name, family_name)| {
            Purpose::CreateUser {
                user_name,
                given_name,
                family_name,
            }
        }),
        text().prop_map(|id| Purpose::ReadUser { id }),
        (text(), any::<bool>()).prop_map(|(id, active)| Purpose::ReplaceUser { id, active }),
        (text(), any::<bool>()).prop_map(|(id, active)| Purpose::SetUserActive { id, active }),
        text().prop_map(|name| Purpose::FindGroup { name }),
        text().prop_map(|name| Purpose::CreateGroup { name }),
        text().prop_map(|id| Purpose::ReadGroup { id }),
        text().prop_map(|id| Purpose::PatchGroup { id }),
        text().prop_map(|id| Purpose::ReplaceGroup { id }),
        text().prop_map(|id| Purpose::DeleteGroup { id }),
        Just(Purpose::Read),
        Just(Purpose::Raw),
        Just(Purpose::Outside),
    ]
}

fn header() -> impl Strategy<Value = (String, String)> {
    (
        prop_oneof![
            prop::sample::select(vec!["content-type", "location", "etag", "retry-after"])
                .prop_map(str::to_string),
            "[a-z-]{1,12}",
        ],
        prop_oneof![
            Just("application/scim+json".to_string()),
            Just("application/json; charset=utf-8".to_string()),
            ".{0,60}",
        ],
    )
}

fn exchange() -> impl Strategy<Value = Exchange> {
    let body = prop_oneof![
        json().prop_map(|v| (v.to_string(), Some(v))),
        ".{0,200}".prop_map(|s| (s, None)),
    ];
    (
        0u16..1000,
        prop::collection::vec(header(), 0..5),
        body,
        any::<bool>(),
    )
        .prop_map(|(status, headers, (body, json), answered)| Exchange {
            request: RecordedRequest {
                method: "GET".into(),
                url: "http://127.0.0.1:1/scim/v2/Users".into(),
                path: "/Users".into(),
                headers: vec![],
                body: None,
            },
            response: answered.then_some(RecordedResponse {
                status,
                headers,
                body,
                json,
            }),
            error: None,
            duration_ms: 1.0,
        })
}

fn result_with(exchange: Exchange) -> ScenarioResult {
    ScenarioResult {
        name: "property".into(),
        path: "property.yaml".into(),
        app: AppKind::Oin,
        run_token: "abcdefghij".into(),
        status: Status::Passed,
        skip_reason: None,
        error: None,
        steps: vec![StepResult {
            index: 1,
            label: "step".into(),
            line: 1,
            status: Status::Passed,
            exchanges: vec![exchange],
            purposes: vec![Purpose::Raw],
            checks: vec![],
            okta_failure: None,
            error: None,
            snapshot: true,
            notes: vec![],
            not_applicable: None,
            precondition: false,
            okta_wait_secs: 0.0,
        }],
        duration_ms: 1.0,
        base_url: "http://127.0.0.1:1/scim/v2".into(),
        aliases: vec![
            ("alice.id".into(), "id".into()),
            ("eng.id".into(), "x".into()),
        ],
        snapshot: None,
        interrupted: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn judges_never_panic(purpose in purpose(), exchange in exchange()) {
        let _ = judge_okta(&purpose, &exchange);
        let _ = judge_rfc(&purpose, &exchange);
    }

    #[test]
    fn expectations_never_panic(
        exchange in exchange(),
        status in prop::collection::vec(100u16..600, 0..3),
        body in prop::option::of(json()),
        jsonpath in prop::collection::vec(
            (prop_oneof![Just("$.id".to_string()), Just("$.Resources[*].id".to_string()), Just("$..value".to_string()), ".{0,10}"], json()),
            0..3,
        ),
        headers in prop::collection::vec(header(), 0..3),
        non_empty in prop::collection::vec(prop_oneof![Just("$.id".to_string()), Just("$..value".to_string()), ".{0,10}"], 0..3),
        within_ms in prop::option::of(0u64..1000),
    ) {
        let types = non_empty
            .iter()
            .zip(okscim::scenario::JsonType::ALL.iter().cycle())
            .map(|(p, (_, t))| (p.clone(), *t))
            .collect();
        let expectations = Expectations { status, body, jsonpath, headers, non_empty, types, within_ms };
        let _ = judge_expectations(&expectations, &exchange);
    }

    /// The differing paths a body failure names are empty exactly when the body matches.
    #[test]
    fn body_mismatches_agree_with_the_verdict(actual in json(), expected in json()) {
        let found = okscim::check::mismatches(&actual, &expected);
        prop_assert_eq!(found.is_empty(), okscim::check::contains(&actual, &expected));
        prop_assert!(okscim::check::mismatches(&actual, &actual).is_empty());
    }

    #[test]
    fn transcripts_and_diffs_never_panic(a in exchange(), b in exchange()) {
        let ra = result_with(a);
        let rb = result_with(b);
        let ta = transcript(&ra, &[]);
        let tb = transcript(&rb, &[]);
        let changes = json_diff(&ta, &tb);
        let _ = render_changes(&changes);
        let _ = text_diff(&ta.to_string(), &tb.to_string());
        prop_assert_eq!(json_diff(&ta, &ta).len(), 0);
    }

    #[test]
    fn redaction_never_panics(text in ".{0,300}", secret in ".{0,40}") {
        let mut redactor = okscim::http::Redactor::default();
        redactor.add_all([okscim::http::Secret::new(secret.clone())]);
        let out = redactor.redact(&text);
        if secret.len() >= 8 && text.contains(&secret) {
            prop_assert!(!out.contains(&secret));
        }
    }
}
