//! Loading scenario files: good ones into the model, bad ones into precise errors.

use std::path::{Path, PathBuf};

use miette::{Diagnostic, NarratableReportHandler};
use okscim::scenario::{
    self, AppKind, Auth, Method, OktaAction, Outcome, Position, ReadTarget, Scenario, StepKind,
    UserStatus,
};
use serde_json::json;

const BAD: &str = "tests/fixtures/bad-scenarios";
const GOOD: &str = "tests/fixtures/good-scenarios/all-features.yaml";
const SCHEMA: &str = "docs/scenario.schema.json";

/// Every bad scenario, relative to the package root (as a user would give it).
fn bad_files() -> Vec<PathBuf> {
    let files = scenario::discover(&[PathBuf::from(BAD)]).expect("the fixtures folder exists");
    assert!(
        files.len() >= 13,
        "expected one bad scenario per error kind"
    );
    files
}

/// The one-line errors, then for each error its code, label and the text its span covers.
fn describe(error: &okscim::errors::LoadError) -> String {
    let mut out = error.to_string();
    out.push_str("\n\n");
    for e in error.errors() {
        let code = e.code().map(|c| c.to_string()).unwrap_or_default();
        out.push_str(&format!("- {code}"));
        if let (Some(source), Some(labels)) = (e.source_code(), e.labels()) {
            for label in labels {
                let text = source
                    .read_span(label.inner(), 0, 0)
                    .map(|s| String::from_utf8_lossy(s.data()).into_owned())
                    .unwrap_or_default();
                out.push_str(&format!(
                    " [{}] at «{}»",
                    label.label().unwrap_or_default(),
                    text
                ));
            }
        }
        out.push('\n');
    }
    out
}

#[test]
fn bad_scenarios_report_where_and_how_to_fix() {
    let root = env!("CARGO_MANIFEST_DIR");
    for path in bad_files() {
        let error = match scenario::load(&path) {
            Ok(_) => panic!("{} loaded without error", path.display()),
            Err(e) => e,
        };
        let text = describe(&error);
        for e in error.errors() {
            let line = e.to_string();
            assert!(
                line.starts_with(&format!("{}:", path.display())),
                "{line}: does not start with the path as given"
            );
            assert!(!line.contains(root), "{line}: absolute path");
            assert!(e.position().is_some(), "{line}: no position");
            assert!(e.help_text().is_some(), "{line}: no way to fix it");
        }
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(format!("bad__{stem}"), text);
        });
    }
}

#[test]
fn errors_render_as_code_frames() {
    let error = scenario::load(Path::new(&format!("{BAD}/unknown-key.yaml"))).unwrap_err();
    let mut out = String::new();
    NarratableReportHandler::new()
        .render_report(&mut out, &error.errors()[0])
        .unwrap();
    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("narrated_unknown_key", out);
    });
}

#[test]
fn a_missing_scenario_file_is_reported() {
    let err = scenario::load(Path::new("tests/fixtures/nope.yaml")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "tests/fixtures/nope.yaml: cannot read the scenario file: no such file; \
         check the path; scenario files are YAML (`.yaml` or `.yml`)"
    );
}

#[test]
fn load_all_reports_every_file() {
    let err = scenario::load_all(&[PathBuf::from(BAD)]).unwrap_err();
    let files: std::collections::BTreeSet<_> = err.errors().iter().map(|e| e.path()).collect();
    assert_eq!(files.len(), bad_files().len());

    let good = scenario::load_all(&[PathBuf::from("tests/fixtures/good-scenarios")]).unwrap();
    assert_eq!(good.len(), 1);
    assert_eq!(good[0].name, "all features");
}

fn good() -> Scenario {
    match scenario::load(Path::new(GOOD)) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_scenario_with_every_feature_loads_into_the_model() {
    let s = good();
    assert_eq!(s.path, Path::new(GOOD));
    assert_eq!(s.name, "all features");
    assert_eq!(s.apps, [AppKind::Oin]);
    assert!(!s.options.rename_groups);
    assert!(!s.requires_tailnet());
    assert!(s.runs_under(AppKind::Oin) && !s.runs_under(AppKind::Aiw));

    // Defaults are filled in.
    let bob = &s.users["bob"];
    assert_eq!(bob.user_name.as_str(), "bob.${run}@example.com");
    assert_eq!(bob.email, bob.user_name);
    assert_eq!(bob.status, UserStatus::Active);
    assert_eq!(
        s.users["dave"].user_name.as_str(),
        "dave.${run}@example.com"
    );
    assert_eq!(s.groups["ops"].name.as_str(), "ops-${run}");
    // Scalars keep their spelling; YAML 1.1 booleans stay strings.
    let carol = &s.users["carol"];
    assert_eq!(carol.title.as_ref().map(|t| t.as_str()), Some("1.0"));
    assert_eq!(carol.family_name.as_ref().map(|t| t.as_str()), Some("No"));
    assert_eq!(carol.status, UserStatus::Staged);

    let kinds: Vec<_> = s.steps.iter().map(|step| &step.kind).collect();
    assert_eq!(kinds[0], &StepKind::Okta(OktaAction::TestConnection));
    assert_eq!(
        kinds[4],
        &StepKind::Okta(OktaAction::Update {
            user: "alice".into(),
            set: json!({ "givenName": "Alicia", "title": "Boss" })
                .as_object()
                .cloned()
                .unwrap(),
        })
    );
    assert_eq!(
        kinds[10],
        &StepKind::Okta(OktaAction::Push {
            group: "eng".into(),
            members: Some(vec!["alice".into(), "bob".into()]),
        })
    );
    assert_eq!(
        kinds[11],
        &StepKind::Okta(OktaAction::Push {
            group: "ops".into(),
            members: None,
        })
    );
    assert_eq!(
        kinds[18],
        &StepKind::Okta(OktaAction::Unlink {
            group: "eng".into(),
            delete: false,
        })
    );
    assert_eq!(s.steps[18].expect.outcome, Outcome::Failure);
    assert_eq!(kinds[19], &StepKind::Read(ReadTarget::User("alice".into())));
    assert!(!s.steps[4].snapshot && s.steps[3].snapshot);
    assert_eq!(s.steps[3].name.as_deref(), Some("create alice"));
    assert_eq!(
        s.steps[0].position,
        Position {
            line: 30,
            column: 5
        }
    );
    assert!(s.exclusive);
    assert_eq!(
        s.options.request_headers,
        okscim::scenario::RequestHeaders::OktaSpecTest
    );
    assert_eq!(s.steps[19].apps, [okscim::scenario::AppKind::Oin]);
    assert!(
        s.steps[19]
            .expect
            .basis
            .as_deref()
            .is_some_and(|b| b.contains("§1.6"))
    );
    let advisory = s.steps[19]
        .expect
        .advisory
        .as_ref()
        .expect("an advisory block");
    assert_eq!(advisory.assert.headers.len(), 1);
    assert!(
        advisory
            .basis
            .as_deref()
            .is_some_and(|b| b.contains("RFC 7644"))
    );

    let StepKind::Request(get) = &s.steps[21].kind else {
        panic!("step 22 is a request")
    };
    assert_eq!(get.method, Method::Get);
    assert_eq!(s.steps[21].expect.assert.status, [200, 304]);
    let StepKind::Request(post) = &s.steps[22].kind else {
        panic!("step 23 is a request")
    };
    assert_eq!(post.auth, Auth::Invalid);
    assert_eq!(post.query["count"].as_str(), "10");
    let file = post.json_file.as_ref().unwrap();
    assert_eq!(
        file.resolved,
        Path::new("tests/fixtures/good-scenarios/bodies/new-user.json")
    );
    assert_eq!(post.body(), Some(&file.contents));
    assert_eq!(file.contents["userName"], "new.${run}@example.com");

    // The whole model, in the file format.
    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_json_snapshot!("good__all_features", s);
    });
}

#[test]
fn a_loaded_scenario_serializes_back_to_an_equal_scenario() {
    let first = good();
    let text = serde_json::to_string_pretty(&first).unwrap();
    // JSON is YAML; load it as if it were the original file so json_file resolves the same.
    let second = match scenario::load_str(Path::new(GOOD), &text) {
        Ok(s) => s,
        Err(e) => panic!("{e}\n{text}"),
    };
    assert_eq!(
        serde_json::to_value(&first).unwrap(),
        serde_json::to_value(&second).unwrap()
    );
    assert_eq!(first.users, second.users);
    assert_eq!(first.groups, second.groups);
    let kinds = |s: &Scenario| s.steps.iter().map(|st| st.kind.clone()).collect::<Vec<_>>();
    assert_eq!(kinds(&first), kinds(&second));
    let expects = |s: &Scenario| {
        s.steps
            .iter()
            .map(|st| st.expect.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(expects(&first), expects(&second));
}

#[test]
fn templates_render_with_the_runners_variables() {
    let s = good();
    let vars = |name: &str| match name {
        "run" => Some("r1".to_owned()),
        "alice.id" => Some("u-1".to_owned()),
        "eng.id" => Some("g-1".to_owned()),
        _ => None,
    };
    let StepKind::Request(get) = &s.steps[21].kind else {
        panic!("step 22 is a request")
    };
    assert_eq!(get.path.render(&vars).unwrap(), "/Groups/g-1");
    let path = s.steps[21]
        .expect
        .assert
        .jsonpath
        .iter()
        .map(|(path, _)| path)
        .find(|p| p.as_str().contains("?@"))
        .unwrap();
    let compiled = path.resolve(&vars).unwrap();
    let body = json!({ "members": [{ "value": "u-1", "display": "alice" }] });
    assert_eq!(compiled.query(&body).all(), [&json!("alice")]);

    let StepKind::Request(patch) = &s.steps[23].kind else {
        panic!("step 24 is a request")
    };
    let body = scenario::render_value(patch.body().unwrap(), &vars).unwrap();
    assert_eq!(
        body["Operations"][0]["value"],
        json!({ "active": false, "note": "costs ${price}" })
    );
    let err = s.users["carol"]
        .user_name
        .render(&|_: &str| None)
        .unwrap_err();
    assert_eq!(err.to_string(), "variable `${run}` has no value");
}

#[test]
fn committed_json_schema_is_up_to_date() {
    let generated = serde_json::to_string_pretty(&scenario::json_schema()).unwrap() + "\n";
    if std::env::var_os("OKSCIM_UPDATE_SCHEMA").is_some() {
        std::fs::write(SCHEMA, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(SCHEMA).unwrap_or_default();
    assert!(
        committed == generated,
        "{SCHEMA} is out of date with the scenario model; regenerate it with \
         `cargo run -- schema > {SCHEMA}` (or `OKSCIM_UPDATE_SCHEMA=1 cargo test --test \
         integration committed_json_schema`) and commit it"
    );
}

#[test]
fn the_schema_describes_the_format() {
    let schema = scenario::json_schema();
    assert_eq!(schema["required"], json!(["name", "steps"]));
    assert_eq!(schema["additionalProperties"], json!(false));
    let actions = schema["$defs"]["OktaAction"]["oneOf"].as_array().unwrap();
    assert_eq!(actions.len(), 30);
    assert_eq!(actions[0]["const"], "test-connection");
    assert_eq!(actions[8]["required"], json!(["update", "set"]));
}
